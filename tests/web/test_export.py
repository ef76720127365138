"""导出: a list's .xlsx read back as a spreadsheet reads it — header block, numbers, text, and sheets that continue."""

import csv
import datetime
import io
import tempfile
from decimal import Decimal
from urllib.parse import quote

import openpyxl
import polars as pl
import pytest
from django.test import RequestFactory
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from vbp.accounts.models import Role, User
from vbp.platformdata import services
from vbp.regions.models import Pool, Region
from vbp.ui import export as listing
from vbp.ui.export import DATE, DATETIME, HEADER_ROWS, PERCENT, ROWS_PER_SHEET, YEAR, export_xlsx

pytestmark = pytest.mark.django_db

TRAP = '=HYPERLINK("http://example.com/steal","点此查看")'
HOSPITAL_HEADERS = ["医疗机构编码", "医疗机构名称", "地市", "区县", "医院等级", "所属统筹区", "省直属"]


@pytest.fixture
def clerk(db) -> User:
    """A 太原市 bureau clerk, and the province that imports the hospitals (one of them named like a formula)."""
    shanxi = Region.objects.create(code="140000", name="山西省", level=Region.Level.PROVINCE)
    taiyuan = Region.objects.create(code="140100", name="太原市", level=Region.Level.CITY, parent=shanxi)
    Pool.objects.create(code="149900", name="省直", region=shanxi, province_level=True)
    Pool.objects.create(code="140100", name="太原市", region=taiyuan)
    province = User.objects.create_user("province", role=Role.PROVINCE, region=shanxi, must_change_password=False)
    stream = io.StringIO()
    csv.writer(stream).writerows([
        HOSPITAL_HEADERS,
        ["H001", "太原市中心医院", "太原市", "", "三级甲等", "太原市", "否"],
        ["H002", TRAP, "太原市", "", "二级甲等", "太原市", "否"],
    ])  # fmt: skip
    job = services.start_import(province, "hospitals", "医疗机构.csv", stream.getvalue().encode(), background=False)
    assert services.confirm_import(province, job, background=False).status == job.Status.DONE
    return User.objects.create_user(
        "clerk", first_name="王芳", role=Role.CITY, region=taiyuan, must_change_password=False
    )


def workbook_of(response) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(response.getvalue()))


def exported(user, headers, rows, **options) -> openpyxl.Workbook:
    request = RequestFactory().get("/")
    request.user = user
    return workbook_of(export_xlsx(request, "品种明细", headers, rows, **options))


def header_block(sheet) -> list:
    return [row[0] for row in sheet.iter_rows(max_row=HEADER_ROWS, max_col=1, values_only=True)]


def data_rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(min_row=HEADER_ROWS + 2, values_only=True))


def test_the_header_block_says_what_was_exported_by_whom_of_what_scope_when_and_filtered_how(client, clerk):
    client.force_login(clerk)
    before = timezone.localtime().replace(microsecond=0, tzinfo=None)

    response = client.get("/hospitals/", {"name": "医院", "city": "140100", "export": "1"})

    after = timezone.localtime().replace(tzinfo=None)
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('医疗机构.xlsx')}"
    sheet = workbook_of(response).active
    title, user, scope, moment, filters, blank = header_block(sheet)
    assert (title, user, scope, filters, blank) == (
        "医疗机构",
        "导出人：王芳（市医保局）",
        "数据范围：太原市",
        "筛选条件：地市 太原市；医疗机构名称 医院",
        None,
    )
    assert moment.startswith("导出时间：")
    assert before <= datetime.datetime.strptime(moment.removeprefix("导出时间："), "%Y-%m-%d %H:%M:%S") <= after
    assert next(sheet.iter_rows(min_row=HEADER_ROWS + 1, max_row=HEADER_ROWS + 1, values_only=True)) == tuple(
        HOSPITAL_HEADERS
    )
    assert [row[0] for row in data_rows(sheet)] == ["H001"]  # 太原市中心医院; the other's name has no 医院 in it


def test_without_filters_the_header_block_says_so(clerk):
    sheet = exported(clerk, ["品种序号"], [["V1"]]).active

    assert header_block(sheet)[4] == "筛选条件：无"


def test_numbers_stay_numbers_with_separators_and_a_decimal_keeps_its_decimals(clerk):
    headers = ["非中选产品使用金额", "中选价格", "约定采购量", "考核年度", "留用比例", "品种数"]
    values = [Decimal("1494450.00"), Decimal("129.3970"), Decimal("1500"), 2024, Decimal("0.7611"), 12]

    sheet = exported(clerk, headers, [values], formats={"考核年度": YEAR, "留用比例": PERCENT}).active

    cells = next(sheet.iter_rows(min_row=HEADER_ROWS + 2))
    assert [cell.data_type for cell in cells] == ["n"] * 6
    assert [cell.value for cell in cells] == [1494450, 129.397, 1500, 2024, 0.7611, 12]
    assert [cell.number_format for cell in cells] == ["#,##0.00", "#,##0.0000", "#,##0", "0", "0.00%", "#,##0"]


@pytest.mark.parametrize("text", [TRAP, "=1+1", "+8613800000000", "-3", "@SUM(A1:A2)"])
def test_text_that_looks_like_a_formula_is_written_as_text(clerk, text):
    cell = exported(clerk, ["说明"], [[text]]).active.cell(HEADER_ROWS + 2, 1)

    assert (cell.value, cell.data_type) == (text, "s")
    assert cell.quotePrefix  # and Excel keeps it text when someone edits the cell


def test_a_hospital_named_like_a_formula_is_exported_as_its_name(client, clerk):
    client.force_login(clerk)

    sheet = workbook_of(client.get("/hospitals/", {"export": "1"})).active

    names = {row[0].value: row[1] for row in sheet.iter_rows(min_row=HEADER_ROWS + 2)}
    assert (names["H002"].value, names["H002"].data_type) == (TRAP, "s")


def test_a_list_longer_than_a_sheet_continues_on_further_sheets_each_with_its_headers(clerk, monkeypatch):
    monkeypatch.setattr(listing, "ROWS_PER_SHEET", 10)
    rows = [[f"V{n:03d}", n, Decimal(n) / 4] for n in range(25)]

    workbook = exported(clerk, ["品种序号", "序", "金额"], iter(rows), filters={"带量批次": "国家第一批"})

    assert workbook.sheetnames == ["品种明细", "品种明细(2)", "品种明细(3)"]
    for sheet in workbook.worksheets:
        assert header_block(sheet)[0] == "品种明细" and header_block(sheet)[4] == "筛选条件：带量批次 国家第一批"
        assert sheet.cell(HEADER_ROWS + 1, 1).value == "品种序号"
    shown = [row for sheet in workbook.worksheets for row in data_rows(sheet)]
    assert [len(data_rows(sheet)) for sheet in workbook.worksheets] == [10, 10, 5]
    assert shown == [(code, n, float(amount)) for code, n, amount in rows]


def test_a_full_sheet_ends_on_excels_last_row():
    assert HEADER_ROWS + 1 + ROWS_PER_SHEET == 1_048_576


def test_a_continued_sheet_name_still_fits_excels_31_characters(clerk, monkeypatch):
    monkeypatch.setattr(listing, "ROWS_PER_SHEET", 1)
    sheet = "集采任务完成情况评分审核:太原市中心医院[省直]附属分院门诊部"  # 31 characters, three Excel refuses

    workbook = exported(clerk, ["序"], [[1], [2]], sheet=sheet)

    assert workbook.sheetnames == [
        "集采任务完成情况评分审核_太原市中心医院_省直_附属分院门诊部",
        "集采任务完成情况评分审核_太原市中心医院_省直_附属分院(2)",
    ]


def test_an_export_that_fails_midway_leaves_no_files_behind(clerk, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def rows():
        yield ["V1"]
        raise RuntimeError("数据库连接中断")

    with pytest.raises(RuntimeError):
        exported(clerk, ["品种序号"], rows())
    assert list(tmp_path.iterdir()) == []


def test_a_column_of_mixed_values_keeps_each_cell_as_it_was(clerk):
    headers = ["金额", "得分", "留用比例", "是否否决", "备注"]
    rows = [
        [Decimal("1.5"), "未评分", None, True, "=1+1"],
        [None, Decimal("88.25"), Decimal("0.7611"), False, ""],
        [3, 90, "", None, datetime.date(2024, 3, 31)],
        [Decimal("0.125"), "—", Decimal("1"), True, 7.5],
    ]

    sheet = exported(clerk, headers, rows, formats={"留用比例": PERCENT}).active

    cells = list(sheet.iter_rows(min_row=HEADER_ROWS + 2))
    assert [[cell.value for cell in row] for row in cells] == [
        [1.5, "未评分", None, "是", "=1+1"],
        [None, 88.25, 0.7611, "否", None],
        [3, 90, None, None, datetime.datetime(2024, 3, 31)],  # a date stays a date
        [0.125, "—", 1, "是", 7.5],
    ]
    assert [row[1].data_type for row in cells] == ["s", "n", "n", "s"]
    assert [cells[n][4].data_type for n in (0, 2, 3)] == ["s", "d", "n"]
    assert cells[2][4].number_format == DATE
    assert [cells[n][0].number_format for n in (0, 2, 3)] == ["#,##0.000"] * 3  # the most decimals of the column
    assert cells[3][2].number_format == PERCENT and cells[0][4].quotePrefix


DECIMALS = [
    Decimal("0.1"), Decimal("123456789012.345"), Decimal("99999999999999999999.999"), Decimal("-1234567890123456.789"),
    Decimal("1E+3"), Decimal("1E-7"), Decimal("0E-10"), Decimal("-0.001"), Decimal(2**70), Decimal("-0"),
]  # fmt: skip
INTEGERS = [2**70, -(2**53) - 1, 2**63, 0, -1, 2**53 + 1, 12, 2024, -(2**64), 1]


def test_every_number_becomes_the_double_nearest_it_whatever_its_scale(clerk):
    rows = [[decimal, integer, value] for decimal, integer, value in zip(DECIMALS, INTEGERS, DECIMALS, strict=True)]
    rows += [[None, None, "文字"], [None, None, 0.1], [None, None, 2**70]]  # the third column mixed

    sheet = exported(clerk, ["金额", "数量", "混合"], rows).active

    assert data_rows(sheet) == [
        tuple(value if value is None or value == "文字" else float(value) for value in row) for row in rows
    ]


SOME_DECIMALS = st.decimals(min_value=-(10**30), max_value=10**30, allow_nan=False, allow_infinity=False)
SCALED = st.integers(0, 30).flatmap(lambda places: st.decimals(-(10**20), 10**20, places=places))


@settings(max_examples=200, deadline=None)
@given(st.one_of(SOME_DECIMALS, SCALED))
def test_the_digits_of_a_decimal_become_the_double_nearest_it(value):
    digits = pl.Series([format(value, "f")])

    numbers, number_format = listing._numbers(digits)

    assert numbers.to_list() == [float(value)]
    assert number_format == "#,##0" + ("." + "0" * -value.as_tuple().exponent if value.as_tuple().exponent < 0 else "")


def test_rows_read_a_block_at_a_time_keep_their_kinds_across_blocks_and_sheets(clerk, monkeypatch):
    monkeypatch.setattr(listing, "BLOCK_CELLS", 6)  # two rows of three a block
    monkeypatch.setattr(listing, "ROWS_PER_SHEET", 5)
    rows = [[f"V{n}", None if n < 3 else Decimal(n).scaleb(-(n % 4)), "未填" if n % 5 == 0 else n] for n in range(10)]

    workbook = exported(clerk, ["品种序号", "金额", "数量"], iter(rows), formats={"数量": YEAR})

    assert workbook.sheetnames == ["品种明细", "品种明细(2)"]  # ten rows fill two sheets: no empty third
    cells = [row for sheet in workbook.worksheets for row in sheet.iter_rows(min_row=HEADER_ROWS + 2)]
    assert [[cell.value for cell in row] for row in cells] == [
        [code, None if amount is None else float(amount), count] for code, amount, count in rows
    ]
    blocks = ["#,##0.000", "#,##0", "#,##0.00", "#,##0.00", "#,##0.000", "#,##0.000", "#,##0.0"]
    assert [row[1].number_format for row in cells[3:]] == blocks  # each block's most decimals: 2-3, 4, 5-6, 7-8, 9
    assert {row[2].number_format for row in cells if row[2].data_type == "n"} == {YEAR}


def test_an_export_of_nothing_still_has_its_header_block_and_column_headers(clerk):
    sheet = exported(clerk, ["品种序号", "金额"], iter([])).active

    assert header_block(sheet)[0] == "品种明细"
    assert next(sheet.iter_rows(min_row=HEADER_ROWS + 1, values_only=True)) == ("品种序号", "金额")
    assert data_rows(sheet) == []


def test_dates_and_datetimes_are_excel_dates_and_datetimes_in_local_time(clerk):
    """An aware datetime (as Django hands it over, in UTC) shows the wall-clock time in 北京时间."""
    submitted = datetime.datetime(2024, 3, 31, 16, 30, tzinfo=datetime.UTC)  # 2024-04-01 00:30 in Shanghai
    rows = [
        [datetime.date(2024, 3, 31), submitted, datetime.datetime(2024, 1, 2, 3, 4, 5), "未提交"],
        [None, None, None, datetime.date(2023, 12, 31)],
        [datetime.date(1999, 12, 31), submitted, None, submitted],
    ]

    sheet = exported(clerk, ["截止日期", "提交时间", "本地时间", "状态"], rows).active

    cells = list(sheet.iter_rows(min_row=HEADER_ROWS + 2))
    local = datetime.datetime(2024, 4, 1, 0, 30)
    assert [[cell.value for cell in row] for row in cells] == [
        [datetime.datetime(2024, 3, 31), local, datetime.datetime(2024, 1, 2, 3, 4, 5), "未提交"],
        [None, None, None, datetime.datetime(2023, 12, 31)],
        [datetime.datetime(1999, 12, 31), local, None, local],
    ]
    assert [cell.number_format for cell in cells[0][:3]] == [DATE, DATETIME, DATETIME]
    assert [cells[n][3].data_type for n in range(3)] == ["s", "d", "d"]  # each cell its own kind
    assert (cells[1][3].number_format, cells[2][3].number_format) == (DATE, DATETIME)


def test_an_export_excel_cannot_hold_is_refused_with_a_clear_message_not_a_broken_file(clerk, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    request = RequestFactory().get("/")
    request.user = clerk
    rows = [["V1", "说明"], ["V2", "长" * 40_000]]

    response = export_xlsx(request, "品种明细", ["品种序号", "备注"], iter(rows))

    assert response.status_code == 422
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert "导出失败：工作表“品种明细”第 9 行 B 列的文本有 40,000 个字符，超过 Excel 单元格上限 32,767" in page
    assert "Content-Disposition" not in response
    assert list(tmp_path.iterdir()) == []  # the half-written file is gone
