"""Funding pages as their users reach them: ratios, visits, shares, the amount review and 确认, overview, workbook."""

import io
import subprocess
import sys
from decimal import Decimal

import funding_steps as steps
import openpyxl
import pytest

from vbp.catalog.models import Hospital
from vbp.funding.models import AmountSheet, PayRatio

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]
user = steps.user


def signed_in(client, name: str):
    client.force_login(user(name))
    return client


def text(response) -> str:
    return response.content.decode()


def ratio_version(batch) -> int:
    """The version of the batch's ratio the page shows (1 before it is first saved)."""
    return steps.services.find_pay_ratio(batch, 2024).version


def report_version(hospital) -> int:
    """The version of the hospital's visits the pages show (1 before anything is entered)."""
    return steps.services.find_visit_report(hospital, 2024).version


def test_the_province_edits_saves_and_submits_a_ratio_on_its_page(client, batch):
    signed_in(client, "demo_province")
    page = client.get("/funding/ratios/?year=2024")
    assert "全省医保基金支付比例维护" in text(page) and batch.name in text(page)
    url = f"/funding/ratios/{batch.pk}/2024/save/"
    saved = client.post(url, {"percent": "70", "action": "save", "version": ratio_version(batch)}, follow=True)
    assert "维护成功" in text(saved)
    response = client.post(url, {"action": "submit", "version": ratio_version(batch)}, follow=True)
    assert "提交成功" in text(response) and "已提交" in text(response)
    assert PayRatio.objects.get(batch=batch, year=2024).status == "submitted"
    refused = client.post(url, {"percent": "80", "action": "save", "version": ratio_version(batch)}, follow=True)
    assert "不能修改" in text(refused) and PayRatio.objects.get(batch=batch).percent == 70


def test_a_ratio_out_of_range_is_refused_on_the_page(client, batch):
    signed_in(client, "demo_province")
    url = f"/funding/ratios/{batch.pk}/2024/save/"
    response = client.post(url, {"percent": "0", "version": ratio_version(batch)}, follow=True)
    assert "1–100 的整数" in text(response) and not PayRatio.objects.filter(percent=0).exists()


def test_a_ratio_from_a_page_someone_has_changed_since_is_refused_as_stale(client, batch):
    signed_in(client, "demo_province")
    url = f"/funding/ratios/{batch.pk}/2024/save/"
    shown = ratio_version(batch)
    client.post(url, {"percent": "70", "version": shown})
    response = client.post(url, {"action": "submit", "version": shown}, follow=True)  # the page still said empty
    assert "已被他人修改" in text(response) and PayRatio.objects.get(batch=batch).status == "draft"
    missing = client.post(url, {"action": "submit"}, follow=True)  # no version at all: stale, never "skip the check"
    assert "页面已过期" in text(missing) and PayRatio.objects.get(batch=batch).status == "draft"


def test_the_hospital_enters_its_total_uploads_proof_and_submits(client, hospital, settings, tmp_path):
    signed_in(client, "demo_hospital")
    listed = text(client.get("/funding/visits/"))
    assert "医疗机构上一年度住院总人次填报" in listed and hospital.name in listed
    url = f"/funding/visits/{hospital.pk}/2024/"
    client.post(url + "total/", {"total_visits": "12000", "action": "save", "version": report_version(hospital)})
    refused = client.post(url + "total/", {"action": "submit", "version": report_version(hospital)}, follow=True)
    assert "证明材料" in text(refused)
    fake = io.BytesIO(b"not a pdf at all")
    fake.name = "住院人次.pdf"
    assert "只能上传" in text(client.post(url + "proof/", {"file": fake}, follow=True))
    proof = io.BytesIO(b"%PDF-1.4\n%%EOF\n")
    proof.name = "住院人次.pdf"
    client.post(url + "proof/", {"file": proof})
    page = text(client.get(url))
    assert 'data-confirm="提交之后数据不可以修改' in page and "（提交后不能修改）" in page  # 提交 asks first
    response = client.post(url + "total/", {"action": "submit", "version": report_version(hospital)}, follow=True)
    assert "提交成功" in text(response) and "已提交" in text(response) and "住院人次.pdf" in text(response)


def test_the_city_bureau_enters_and_submits_its_insureds_visits(client, hospital):
    steps.total_visits(hospital, 1000)
    signed_in(client, "demo_city")
    listed = client.get("/funding/visits/?name=小店区人民医院")
    assert hospital.name in text(listed) and "维护住院人次" in text(listed)
    url = f"/funding/visits/{hospital.pk}/2024/pools/"
    count = f"pool_{hospital.home_pool_id}"
    too_many = client.post(url, {count: "1001", "action": "save", "version": report_version(hospital)}, follow=True)
    assert "超过医疗机构住院总人次 1000" in text(too_many)
    data = {count: "800", "action": "submit", "version": report_version(hospital)}
    response = client.post(url, data, follow=True)
    assert "提交成功" in text(response) and "已提交" in text(response) and "80.00%" in text(response)


def test_the_share_query_shows_totals_and_a_province_direct_hospitals_cities(client):
    direct = Hospital.objects.filter(province_direct=True).order_by("code").first()
    steps.total_visits(direct, 100000)
    counts = {pool.name: 1000 for pool in steps.services.required_pools(direct)}
    steps.pool_visits(direct, counts)
    signed_in(client, "demo_province")
    listed = text(client.get(f"/funding/shares/?name={direct.name}"))
    assert "100,000" in listed and "12.00%" in listed
    detail = text(client.get(f"/funding/shares/{direct.pk}/2024/"))
    assert "异地医保参保者在省直医院住院人数" in detail and detail.count("1.00%") == 12


def test_the_amount_page_says_what_is_missing(client, hospital, batch):
    steps.reviewed(hospital)
    signed_in(client, "demo_city")
    page = text(client.get(f"/funding/amounts/{hospital.pk}/{batch.pk}/2024/"))
    assert "资料未齐" in page and "本批次医保基金平均支付比例未提交" in page and "确认</button>" not in page


def test_the_bureau_confirms_from_the_page_with_the_formula_and_every_input(client, hospital, batch):
    steps.ready(hospital)
    signed_in(client, "demo_city")
    listed = text(client.get(f"/funding/amounts/?batch={batch.code}&status=pending"))
    assert hospital.name in listed and "待确认" in listed
    url = f"/funding/amounts/{hospital.pk}/{batch.pk}/2024/"
    page = text(client.get(url))
    assert "采购量基数×同通用名药械加权平均价×医保基金平均支付比例" in page and "70%" in page and "80.00%" in page
    sheet = AmountSheet.objects.get(hospital=hospital, batch=batch)
    stale = client.post(url + "confirm/", {"version": sheet.version - 1}, follow=True)
    assert "已被他人修改" in text(stale) and AmountSheet.objects.get(pk=sheet.pk).status == "pending"
    response = client.post(url + "confirm/", {"version": sheet.version}, follow=True)
    assert "已确认" in text(response)
    sheet.refresh_from_db()
    assert sheet.status == "confirmed" and sheet.confirmed_by == user("demo_city")


def test_another_citys_amounts_are_not_found(client, hospital, batch):
    steps.ready(hospital)
    signed_in(client, "demo_city2")
    assert client.get(f"/funding/amounts/{hospital.pk}/{batch.pk}/2024/").status_code == 404
    assert client.post(f"/funding/amounts/{hospital.pk}/{batch.pk}/2024/confirm/").status_code == 404
    assert hospital.name not in text(client.get("/funding/amounts/"))


def test_the_province_overview_counts_each_citys_sheets(client, hospital, batch):
    steps.ready(hospital)
    other = Hospital.objects.filter(city__name="大同市", province_direct=False).order_by("code").first()
    steps.reviewed(other)
    signed_in(client, "demo_province")
    page = text(client.get(f"/funding/overview/?batch={batch.code}"))
    assert "各地市医保资金留用金额审核情况" in page and "太原市" in page and "大同市" in page
    assert "待确认" in page and "资料未齐" in page


def test_the_hospital_sees_its_amounts_once_confirmed_and_cannot_confirm(client, hospital, batch):
    steps.ready(hospital)
    url = f"/funding/amounts/{hospital.pk}/{batch.pk}/2024/"
    page = text(signed_in(client, "demo_hospital").get(url))
    assert "待医保部门确认后公布" in page and "应留用金额" not in page and "确认</button>" not in page
    version = AmountSheet.objects.get(hospital=hospital, batch=batch).version
    assert "无权确认" in text(client.post(url + "confirm/", {"version": version}, follow=True))
    sheet = steps.confirm(user("demo_city"), hospital)
    page = text(signed_in(client, "demo_hospital").get(url))
    assert "已确认" in page and f"{sheet.payable_total:,.0f}" in page
    listed = text(client.get("/funding/amounts/"))
    assert f"{sheet.payable_total:,.0f}" in listed


def test_wuhans_surplus_pages_show_the_batch_and_its_hospitals(client, hospital, batch):
    steps.ready(hospital)
    signed_in(client, "demo_city")
    sheet = AmountSheet.objects.get(hospital=hospital)
    batches = text(client.get("/funding/surplus/?year=2024"))
    assert batch.name in batches
    hospitals = text(client.get(f"/funding/surplus/{batch.pk}/2024/"))
    assert hospital.name in hospitals and f"{sheet.product_count}" in hospitals


def test_the_calculation_workbook_passes_vbp_calc_check_and_reproduces_every_amount(client, hospital, batch, tmp_path):
    steps.ready(hospital)
    direct = Hospital.objects.filter(province_direct=True).order_by("code").first()
    steps.reviewed(direct)
    steps.total_visits(direct, 100000)
    steps.pool_visits(direct, {pool.name: 500 + i for i, pool in enumerate(steps.services.required_pools(direct))})
    signed_in(client, "demo_province")
    detail = text(client.get(f"/funding/amounts/{direct.pk}/{batch.pk}/2024/"))
    assert detail.count('class="pool-split"') == AmountSheet.objects.get(hospital=direct).product_count
    response = client.get(f"/funding/workbook/{batch.pk}/2024/")
    assert response.status_code == 200
    workbook = tmp_path / "测算底稿.xlsx"
    workbook.write_bytes(b"".join(response.streaming_content))
    check = subprocess.run(
        [sys.executable, "-m", "vbp.cli", "calc", "--check", str(workbook)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    again = tmp_path / "again.xlsx"
    command = [sys.executable, "-m", "vbp.cli", "calc", str(workbook), "-o", str(again)]  # its 规则 sheet decides
    run = subprocess.run(command, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    sheet = openpyxl.load_workbook(again, read_only=True)["汇总"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    totals = {row[header.index("医疗机构编码")]: row[header.index("留用金额合计")] for row in rows[1:]}
    for stored in AmountSheet.objects.filter(batch=batch):
        assert Decimal(str(totals[stored.hospital.code])) == stored.retained_total
    assert set(totals) == {hospital.code, direct.code}


def test_a_city_bureaus_workbook_holds_only_its_city(client, hospital, batch, tmp_path):
    steps.ready(hospital)
    other = Hospital.objects.filter(city__name="大同市", province_direct=False).order_by("code").first()
    steps.ready(other)
    signed_in(client, "demo_city2")
    response = client.get(f"/funding/workbook/{batch.pk}/2024/")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    codes = {row[0] for row in book["医疗机构"].iter_rows(min_row=2, values_only=True)}
    assert codes == {other.code}


def test_the_api_serves_the_workbook_to_bureaus_in_their_scope_only(client, hospital, batch):
    from vbp.accounts.services import create_api_token

    def key_of(username: str) -> str:
        return create_api_token(user(username), name="测试")[1]

    steps.ready(hospital)
    url = f"/api/batches/{batch.pk}/calc-workbook/?year=2024"
    response = client.get(url, HTTP_AUTHORIZATION=f"Token {key_of('demo_city')}")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert {row[0] for row in book["医疗机构"].iter_rows(min_row=2, values_only=True)} == {hospital.code}
    assert "规则" in book.sheetnames
    other = client.get(url, HTTP_AUTHORIZATION=f"Token {key_of('demo_city2')}")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(other.streaming_content)), read_only=True)
    assert list(book["医疗机构"].iter_rows(min_row=2, values_only=True)) == []
    assert client.get(url, HTTP_AUTHORIZATION=f"Token {key_of('demo_hospital')}").status_code == 404
    assert client.get(url).status_code == 401


def exported(response) -> list[tuple]:
    from vbp.ui.export import HEADER_ROWS

    book = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    return [row for row in book.active.iter_rows(min_row=HEADER_ROWS + 1, values_only=True)]


@pytest.mark.parametrize(
    ("username", "url"),
    [
        ("demo_province", "/funding/ratios/"),
        ("demo_city", "/funding/visits/"),
        ("demo_city", "/funding/shares/"),
        ("demo_city", "/funding/amounts/"),
        ("demo_province", "/funding/overview/"),
        ("demo_city", "/funding/surplus/"),
    ],
)
def test_every_funding_list_exports_what_it_shows(client, hospital, username, url):
    steps.ready(hospital)
    signed_in(client, username)
    rows = exported(client.get(url, {"export": "1", "year": "2024"}))
    assert len(rows) >= 2  # the column headers and at least one row
    if url in ("/funding/visits/", "/funding/shares/", "/funding/amounts/"):
        assert any(hospital.code in row for row in rows[1:])


def test_an_amount_export_has_numbers_at_the_rule_sets_decimals_and_only_rows_in_scope(client, hospital, batch):
    steps.ready(hospital)
    signed_in(client, "demo_city")
    rows = exported(client.get("/funding/amounts/", {"export": "1", "batch": batch.code}))
    header, data = rows[0], rows[1:]
    sheet = AmountSheet.objects.get(hospital=hospital, batch=batch)
    mine = next(row for row in data if row[0] == hospital.code)
    assert mine[header.index("应留用金额合计")] == float(sheet.payable_total)
    signed_in(client, "demo_city2")
    rows = exported(client.get("/funding/amounts/", {"export": "1", "batch": batch.code}))
    assert all(row[0] != hospital.code for row in rows[1:])
    products = exported(
        signed_in(client, "demo_city").get(f"/funding/amounts/{hospital.pk}/{batch.pk}/2024/", {"export": "1"})
    )
    assert len(products) - 1 == sheet.product_count


def test_the_home_page_lists_what_waits_in_funding(client, hospital):
    steps.reviewed(hospital)
    assert "医保基金平均支付比例待提交" in text(signed_in(client, "demo_province").get("/"))
    assert "上一年度住院总人次待填报" in text(signed_in(client, "demo_hospital").get("/"))
    steps.pay_ratio()
    steps.total_visits(hospital, 1000)
    assert "参保患者住院人次待填报" in text(signed_in(client, "demo_city").get("/"))
    steps.pool_visits(hospital, {hospital.home_pool.name: 800})
    home = text(signed_in(client, "demo_city").get("/"))
    assert "医保资金留用金额待确认" in home and "参保患者住院人次待填报" not in home


def test_every_product_row_in_scope_exports_with_its_hospital_and_batch(client, hospital, batch):
    steps.ready(hospital)
    signed_in(client, "demo_city")
    rows = exported(client.get("/funding/surplus/products/", {"export": "xlsx", "year": "2024"}))
    sheet = AmountSheet.objects.get(hospital=hospital, batch=batch)
    assert len(rows) - 1 == sheet.product_count
    assert {row[1] for row in rows[1:]} == {hospital.code} and rows[1][0] == batch.name
    signed_in(client, "demo_city2")
    assert len(exported(client.get("/funding/surplus/products/", {"export": "xlsx", "year": "2024"}))) == 1


def test_the_proof_is_served_for_the_preview_frame_and_only_in_scope(client, hospital):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from vbp.funding import proofs

    report = steps.services.visit_report(hospital, 2024)
    proof = proofs.store_proof(user("demo_hospital"), report, SimpleUploadedFile("证明.png", b"\x89PNG\r\n\x1a\n0000"))
    response = signed_in(client, "demo_city").get(f"/funding/proof/{proof.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Frame-Options"] == "SAMEORIGIN" and response["X-Content-Type-Options"] == "nosniff"
    assert signed_in(client, "demo_city2").get(f"/funding/proof/{proof.pk}/").status_code == 404
    assert proof.file_name == "证明.png" and proof.sha256 and proof.stored_as != proof.file_name


def test_the_province_reopens_a_ratio_and_visits_from_their_pages(client, hospital, batch):
    steps.ready(hospital)
    signed_in(client, "demo_province")
    reopen = {"action": "reopen", "reason": "录入错误", "version": ratio_version(batch)}
    response = client.post(f"/funding/ratios/{batch.pk}/2024/save/", reopen, follow=True)
    assert "已退回" in text(response) and PayRatio.objects.get(batch=batch).status == "draft"
    assert "退回住院人次" in text(client.get(f"/funding/shares/{hospital.pk}/2024/"))
    no_reason = {"reason": "\u200b", "version": report_version(hospital)}
    response = client.post(f"/funding/visits/{hospital.pk}/2024/reopen/", no_reason, follow=True)
    assert "退回须填写原因" in text(response)
    reason = {"reason": "人次有误", "version": report_version(hospital)}
    response = client.post(f"/funding/visits/{hospital.pk}/2024/reopen/", reason, follow=True)
    assert "已退回住院人次" in text(response)
    assert signed_in(client, "demo_city").post(f"/funding/visits/{hospital.pk}/2024/reopen/").status_code == 404


def test_the_hospital_deletes_a_proof_until_it_submits(
    client, hospital, attachment_root, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from vbp.funding import proofs

    report = steps.services.visit_report(hospital, 2024)
    proof = proofs.store_proof(user("demo_hospital"), report, SimpleUploadedFile("错传.pdf", b"%PDF-1.4\n%%EOF\n"))
    stored = attachment_root / proof.stored_as
    assert stored.is_file()
    assert signed_in(client, "demo_city").post(f"/funding/proof/{proof.pk}/delete/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the deletion is committed
        response = signed_in(client, "demo_hospital").post(f"/funding/proof/{proof.pk}/delete/", follow=True)
    assert "已删除附件 错传.pdf" in text(response) and not report.proofs.exists() and not stored.exists()
