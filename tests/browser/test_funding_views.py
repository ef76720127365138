"""The funding pages a bureau reads, in the browser: the share query and its per-pool list, Wuhan's 医疗机构结余金额
down to a hospital's products, and 重新测算 with its progress bar polled until the worker is done."""

import funding_steps as steps
import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.conftest import click_and_answer
from vbp.catalog.models import Batch
from vbp.funding import services
from vbp.funding.models import AmountSheet, Recalculation

pytestmark = pytest.mark.django_db(transaction=True)


def menu(page: Page, label: str) -> None:
    """The side menu's entry ``label``, its group opened first if it is folded."""
    link = page.locator("nav").get_by_role("link", name=label, exact=True, include_hidden=True).first
    if not link.is_visible():
        group = link.locator("xpath=ancestor::details[1]/summary")
        if group.count():
            group.click()
    link.click()


def test_a_city_bureau_reads_shares_surpluses_and_recalculates_a_batch(page: Page, login):
    call_command("load_demo", verbosity=0)
    hospital = steps.user("demo_hospital").hospital
    steps.ready(hospital, total=1000, own=800)
    batch = Batch.objects.get(name=steps.BATCH)
    sheet = AmountSheet.objects.get(hospital=hospital, batch=batch)

    assert login(page, "demo_city", "demo2024!")
    menu(page, "参保患者住院人次及占比查询")
    page.get_by_label("医疗机构名称").fill("小店区人民医院")
    page.get_by_role("button", name="查询").click()
    # htmx swaps the table in: wait for the filtered one, so the click does not land on a row being replaced
    expect(page.locator("#shares tbody tr")).to_have_count(1)
    row = page.locator("#shares tbody tr", has_text=hospital.name)
    expect(row).to_contain_text("80.00%")
    row.get_by_role("link", name="查看").click()
    expect(page.locator("#pool-shares")).to_contain_text("太原市")
    expect(page.locator("#pool-shares")).to_contain_text("800")

    menu(page, "医疗机构结余金额")
    page.locator("#batches tbody tr").nth(list(Batch.objects.all()).index(batch)).get_by_role(
        "link", name="查看医疗机构"
    ).click()
    hospital_row = page.locator("#sheets tbody tr", has_text=hospital.name)
    expect(hospital_row).to_contain_text(str(sheet.product_count))
    expect(hospital_row).to_contain_text(f"{sheet.payable_total:,.0f}")
    hospital_row.get_by_role("link", name="品种明细").click()
    expect(page.locator("#products tbody tr")).to_have_count(sheet.product_count)
    expect(page.locator("#products tfoot")).to_contain_text("合计")

    menu(page, "医疗机构医保资金留用金额审核")
    expect(page.get_by_role("button", name="重新测算本批次")).to_have_count(0)  # no batch chosen yet
    page.get_by_label("带量批次").select_option(label=batch.name)
    page.get_by_role("button", name="查询").click()  # htmx: the table, and the batch's actions beside it
    assert click_and_answer(page, page.get_by_role("button", name="重新测算本批次"))
    expect(page.locator("#recalculation")).to_contain_text("排队中")
    # the city's request joined the one the ratio's submission queued (it covers 太原): the worker runs that one
    services.recalculate(Recalculation.objects.get(status=Recalculation.Status.QUEUED))
    expect(page.locator("#recalculation")).to_contain_text("已完成", timeout=10_000)
    expect(page.locator("#recalculation")).to_contain_text("已测算 1")
