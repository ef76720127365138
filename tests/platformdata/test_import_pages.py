"""The 数据导入 and 平台数据 pages as users reach them: upload, preview, confirm; scope on every page."""

import io

import openpyxl
import pytest
from django.urls import reverse
from import_files import PLATFORM_HEADERS, platform_row, run_import, xlsx_bytes

from vbp.catalog.models import Hospital
from vbp.platformdata.models import ImportJob, PlatformRecord
from vbp.ui.export import HEADER_ROWS

pytestmark = pytest.mark.django_db


def upload(client, kind: str, name: str, content: bytes):
    file = io.BytesIO(content)
    file.name = name
    return client.post(reverse("platformdata:import_upload"), {"kind": kind, "file": file}, follow=True)


@pytest.mark.parametrize("kind", ["hospitals", "batches", "products", "platform"])
def test_each_template_has_its_chinese_headers_and_an_instructions_sheet(client, catalog, kind):
    client.force_login(catalog["province"])

    response = client.get(reverse("platformdata:import_template", args=[kind]))

    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[1] == "填写说明"
    headers = [cell.value for cell in workbook.worksheets[0][1]]
    if kind == "platform":
        assert headers == PLATFORM_HEADERS
    instructions = [row[0] for row in workbook["填写说明"].iter_rows(values_only=True)]
    assert all(header in instructions for header in headers)


def test_the_filled_template_imports_cleanly(client, catalog):
    client.force_login(catalog["province"])
    template = client.get(reverse("platformdata:import_template", args=["platform"])).content
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    workbook.worksheets[0].append(platform_row("H002"))
    stream = io.BytesIO()
    workbook.save(stream)

    response = upload(client, "platform", "模板.xlsx", stream.getvalue())

    assert "校验通过" in response.content.decode()
    job = ImportJob.objects.filter(kind="platform").get()
    response = client.post(reverse("platformdata:import_confirm", args=[job.pk]), follow=True)
    assert "导入完成：新增 1 行，修改 0 行。" in response.content.decode()
    assert PlatformRecord.objects.get().hospital.code == "H002"


FILLED = {  # a new row for each kind's template, as a clerk types it into the downloaded file
    "hospitals": ["H009", "太原市第九人民医院", "太原市", "小店区", "二级甲等", "太原市", "否"],
    "batches": ["GJ3", "国家第三批集中带量采购", "国家", "药品", "否", "2020-11-01", "2021-10-31", 70, None, None],
    "products": ["GJ1", "GC1_3", "二甲双胍缓释片", "片剂", "0.5g", "某药业", "0.25", "1.2"],
    "platform": platform_row("H002"),
    "fund_basis": [2024, "H002", 1200, 3400],
}


@pytest.mark.parametrize("kind", list(FILLED))
def test_each_template_filled_in_imports_cleanly(client, catalog, kind):
    client.force_login(catalog["province"])
    template = client.get(reverse("platformdata:import_template", args=[kind])).content
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    workbook.worksheets[0].append(FILLED[kind])
    stream = io.BytesIO()
    workbook.save(stream)

    response = upload(client, kind, "模板.xlsx", stream.getvalue())

    assert "校验通过" in response.content.decode()
    job = ImportJob.objects.filter(kind=kind).latest("pk")
    response = client.post(reverse("platformdata:import_confirm", args=[job.pk]), follow=True)
    assert "导入完成：新增 1 行，修改 0 行。" in response.content.decode()


def test_a_template_marks_required_columns_offers_drop_downs_keeps_codes_as_text_and_its_header_in_view(
    client, catalog
):
    client.force_login(catalog["province"])

    template = client.get(reverse("platformdata:import_template", args=["hospitals"])).content

    workbook = openpyxl.load_workbook(io.BytesIO(template))
    sheet = workbook["医疗机构"]
    header = {cell.value: cell for cell in sheet[1]}
    assert all(cell.font.b and cell.fill.fgColor.rgb == "FFDDEBF7" for cell in header.values())
    assert header["医疗机构编码"].font.color.rgb == "FFC00000"  # required: red
    assert header["区县"].font.color.rgb == "FF000000"  # may be left empty: black
    assert sheet.freeze_panes == "A2"
    drop_downs = {str(rule.sqref): (rule.type, rule.formula1) for rule in sheet.data_validations.dataValidation}
    levels = ",".join(label for _, label in Hospital.Level.choices)
    assert drop_downs == {"E2:E10000": ("list", f'"{levels}"'), "G2:G10000": ("list", '"是,否"')}
    assert sheet.column_dimensions["A"].number_format == "@"  # 医疗机构编码 typed as 0101 stays 0101
    instructions = workbook["填写说明"]
    assert (instructions["A1"].value, instructions["A1"].font.b, instructions["A1"].font.sz) == (
        "医疗机构导入模板 填写说明",
        True,
        14,
    )


def test_a_bad_upload_shows_every_problem_and_no_confirm_button(client, catalog):
    client.force_login(catalog["province"])
    rows = [PLATFORM_HEADERS, platform_row("H001"), platform_row("H404")]

    page = upload(client, "platform", "bad.xlsx", xlsx_bytes("平台数据", rows)).content.decode()

    assert "发现 1 处问题" in page
    assert "没有医疗机构“H404”" in page and "B（医疗机构编码）" in page
    assert "确认导入" not in page
    assert PlatformRecord.objects.count() == 0


def test_another_role_finds_no_import_pages(client, catalog):
    job = run_import(
        catalog["province"], "platform", "p.xlsx", xlsx_bytes("平台数据", [PLATFORM_HEADERS, platform_row()])
    )
    client.force_login(catalog["city"])

    for url in (
        reverse("platformdata:imports"),
        reverse("platformdata:import", args=[job.pk]),
        reverse("platformdata:import_template", args=["platform"]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("platformdata:import_confirm", args=[job.pk])).status_code == 404
    assert client.post(reverse("platformdata:import_cancel", args=[job.pk])).status_code == 404


def test_platform_data_pages_show_each_city_only_its_hospitals(client, catalog):
    rows = [PLATFORM_HEADERS, platform_row("H001"), platform_row("H002"), platform_row("H003")]
    run_import(catalog["province"], "platform", "p.xlsx", xlsx_bytes("平台数据", rows))

    client.force_login(catalog["city"])  # 太原市: H001 (省直属, in 太原市) and H002
    page = client.get(reverse("platformdata:records")).content.decode()
    assert "太原市中心医院" in page and "大同市第三人民医院" not in page
    client.force_login(catalog["city2"])
    page = client.get(reverse("platformdata:records")).content.decode()
    assert "大同市第三人民医院" in page and "太原市中心医院" not in page
    assert "1,494,450.00" in page  # money with separators and fixed decimals

    export = client.get(reverse("platformdata:records"), {"export": "1"})
    sheet = openpyxl.load_workbook(io.BytesIO(export.getvalue())).active
    assert [row[1] for row in sheet.iter_rows(min_row=HEADER_ROWS + 2, values_only=True)] == ["H003"]

    export = client.get(reverse("platformdata:records"), {"year": "2024", "batch": "GJ1", "export": "1"})
    sheet = openpyxl.load_workbook(io.BytesIO(export.getvalue())).active
    assert sheet.cell(5, 1).value == "筛选条件：考核年度 2024；带量批次 国家第一批集中带量采购"
    year, volume, amount = (sheet.cell(HEADER_ROWS + 2, column) for column in (1, 8, 13))
    assert [(cell.value, cell.number_format) for cell in (year, volume, amount)] == [
        (2024, "0"),
        (1500, "#,##0"),
        (1494450, "#,##0.00"),
    ]


def test_the_admin_is_for_system_administrators_only(client, catalog):
    client.force_login(catalog["province"])
    assert client.get("/admin/").status_code == 404  # the province bureau finds no admin
    admin = type(catalog["province"]).objects.create_user(
        "sys", role="system_admin", is_staff=True, is_superuser=True, must_change_password=False
    )
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200
    assert client.get(reverse("platformdata:records")).status_code == 404  # no business data for 三员


def test_the_import_record_is_a_list_with_filters_and_an_export(client, catalog):
    run_import(catalog["province"], "platform", "平台.xlsx", xlsx_bytes("平台数据", [PLATFORM_HEADERS, platform_row()]))
    client.force_login(catalog["province"])
    url = reverse("platformdata:imports")

    page = client.get(url).content.decode()
    assert "共 4 条" in page and "平台.xlsx" in page and "医疗机构.xlsx" in page  # the catalog's three, and this
    assert 'id="upload_kind"' in page and 'id="id_kind"' in page  # the upload and the query form, apart
    page = client.get(url, {"kind": "platform"}).content.decode()
    assert "共 1 条" in page and "医疗机构.xlsx" not in page
    export = client.get(url, {"kind": "platform", "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(export.getvalue())).active
    rows = list(sheet.iter_rows(min_row=HEADER_ROWS + 1, values_only=True))
    assert rows[0][:4] == ("上传时间", "导入类型", "文件名", "导入人")
    assert [row[1:4] for row in rows[1:]] == [("平台数据", "平台.xlsx", "province")]
    assert sheet.cell(5, 1).value == "筛选条件：类型 平台数据"


def test_platform_data_filters_by_city_and_refuses_a_year_it_does_not_have(client, catalog):
    rows = [PLATFORM_HEADERS, platform_row("H001"), platform_row("H002"), platform_row("H003")]
    run_import(catalog["province"], "platform", "p.xlsx", xlsx_bytes("平台数据", rows))
    client.force_login(catalog["province"])

    page = client.get(reverse("platformdata:records"), {"city": "140200"}).content.decode()
    assert "共 1 条" in page and "大同市第三人民医院" in page
    page = client.get(reverse("platformdata:records"), {"year": "1999", "city": "140200"}).content.decode()
    assert "共 1 条" in page and "未按此条件筛选" in page  # no record of 1999: refused at its field, not applied


def test_an_upload_without_a_file_says_so(client, catalog):
    client.force_login(catalog["province"])
    response = client.post(reverse("platformdata:import_upload"), {"kind": "platform"}, follow=True)
    assert "文件（.xlsx 或 .csv）：请选择要上传的文件" in response.content.decode()
