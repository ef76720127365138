"""A province clerk imports platform data in the browser: template, a bad row named, fixed, confirmed, seen."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.conftest import click_and_answer
from vbp.catalog.models import Hospital, Product
from vbp.platformdata.models import ImportJob, PlatformRecord

pytestmark = pytest.mark.django_db(transaction=True)


def fill_template(template: bytes, rows: list[list]) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    for row in rows:
        workbook["平台数据"].append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def upload(page: Page, path) -> None:
    page.goto("/platform/imports/")
    page.get_by_label("导入类型").select_option(label="平台数据")
    page.get_by_label("文件（.xlsx 或 .csv）").set_input_files(str(path))
    page.get_by_role("button", name="上传并校验").click()


def test_a_bad_row_is_named_in_the_preview_then_the_fixed_file_is_imported_and_shown(page: Page, login, tmp_path):
    call_command("load_demo", verbosity=0)
    hospital = Hospital.objects.filter(province_direct=False, city__name="大同市").order_by("code").first()
    product = Product.objects.filter(batch__renewal=False).order_by("pk").first()
    year = 2025  # the demo holds 2024: these rows are new
    good = [
        year,
        hospital.code,
        product.batch.code,
        product.variety_code,
        1200,
        2400,
        1300,
        1500,
        200,
        "98765.43",
        0,
        "150000.00",
        "120000.00",
        "120000.00",
    ]
    bad = [*good[:3], product.variety_code, "一千二", *good[5:]]
    assert login(page, "demo_province", "demo2024!")

    page.goto("/platform/imports/")
    with page.expect_download() as download:
        page.get_by_role("link", name="平台数据导入模板").click()
    template = download.value.path().read_bytes()
    bad_file = tmp_path / "平台数据.xlsx"
    bad_file.write_bytes(fill_template(template, [bad]))
    upload(page, bad_file)

    problems = page.locator("#problems")
    expect(problems).to_contain_text("平台数据")
    expect(problems.locator("tbody tr")).to_have_count(1)
    expect(problems.locator("tbody tr").first).to_contain_text("E（约定采购量）")
    expect(problems.locator("tbody tr").first).to_contain_text("实为“一千二”")
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    assert not PlatformRecord.objects.filter(year=year).exists()

    fixed_file = tmp_path / "平台数据-已改.xlsx"
    fixed_file.write_bytes(fill_template(template, [good]))
    upload(page, fixed_file)
    expect(page.locator("#rows-added")).to_have_text("1")
    assert click_and_answer(page, page.get_by_role("button", name="确认导入"))  # 确认导入 asks before writing
    expect(page.get_by_text("导入完成：新增 1 行，修改 0 行。")).to_be_visible()

    page.goto("/platform/")
    page.get_by_label("考核年度").select_option(str(year))
    page.get_by_role("button", name="查询").click()
    rows = page.locator("#records tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(hospital.name)
    expect(rows.first).to_contain_text("98,765.43")
    job = ImportJob.objects.get(file_name="平台数据-已改.xlsx")
    assert (job.status, job.user.username) == (ImportJob.Status.DONE, "demo_province")
