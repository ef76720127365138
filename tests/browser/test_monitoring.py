"""采购使用监测 in the browser: the province imports a file of order lines (dry run, preview by month, confirm), then
reads 采购进度 with its chart and table, narrows it to the laggards, reads every other monitoring page and chart,
makes the third quarter's 通报, downloads and prints it; a city bureau sees only its own districts."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.conftest import click_and_answer, menu
from vbp.demo.orders import demo_order_sheets
from vbp.monitoring import refresh
from vbp.monitoring.models import DemandReport, ProgressFigure, Refresh

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_province_imports_order_lines_and_reads_progress_charts_and_tables(page: Page, login, tmp_path, settings):
    settings.VBP_IMPORT_BACKGROUND_BYTES = 10 * 1024 * 1024  # no background worker here: checked within the request
    call_command("load_demo", verbosity=0)
    orders = demo_order_sheets(lines=3000, seed=11)["订单明细"]
    path = tmp_path / "订单明细.csv"
    orders.write_csv(path)
    page.on("dialog", lambda dialog: dialog.accept())

    assert login(page, "demo_province", "demo2024!")
    page.goto("/platform/imports/")
    page.get_by_label("导入类型").select_option(label="订单明细")
    page.get_by_label(re.compile("^文件")).set_input_files(str(path))
    page.get_by_role("button", name="上传并校验").click()
    expect(page.get_by_text("待确认").first).to_be_visible()
    expect(page.get_by_text("2024年1月").first).to_be_visible()
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("已导入").first).to_be_visible()

    menu(page, "采购进度")
    expect(page.locator("h1")).to_have_text("采购进度")
    chart = page.locator("[data-chart='chart-progress-data']")
    expect(chart).to_have_attribute("data-rendered", "true")
    expect(chart.locator("canvas")).to_have_count(1)
    expect(page.locator("[data-chart='chart-monthly-data']")).to_have_attribute("data-rendered", "true")
    expect(page.locator("#chart-monthly-table tbody tr")).to_have_count(12)  # a year of months
    table = page.locator("#chart-progress-table")
    expect(table).to_contain_text("太原市")
    expect(table.locator("tbody tr")).to_have_count(11)  # the demo's eleven cities
    behind = ProgressFigure.objects.filter(behind=True).count()
    page.get_by_label("预警").select_option(label="低于序时进度")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#list-progress")).to_contain_text(f"共 {behind:,} 条".replace(",", ""))

    menu(page, "配送情况")
    expect(page.locator("[data-chart='chart-delivery-data']")).to_have_attribute("data-rendered", "true")
    expect(page.locator("[data-chart='chart-delivery-level-data']")).to_have_attribute("data-rendered", "true")
    expect(page.locator("#chart-delivery-level-table")).to_contain_text("三级甲等")
    menu(page, "逾期回款")
    expect(page.locator("[data-chart='chart-late-data']")).to_have_attribute("data-rendered", "true")
    for entry, table in (("报量核对", "#list-reports"), ("回款情况", "#list-payments"), ("线下采购", "#list-offline")):
        menu(page, entry)
        expect(page.locator(table)).to_contain_text("共 ")

    menu(page, "季度通报")
    page.get_by_label("年度").select_option(label="2024 年")
    page.get_by_label("季度").select_option(label="第三季度")
    page.get_by_role("button", name="生成通报").click()
    expect(page.locator("h1")).to_have_text("2024年第3季度集中带量采购监测通报")
    expect(page.get_by_role("heading", name="一、通报医疗机构")).to_be_visible()
    expect(page.get_by_text("监测日期：2024-09-30")).to_be_visible()
    expect(page.get_by_role("button", name="打印")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename == "2024年第3季度集中带量采购监测通报.xlsx"
    page.emulate_media(media="print")  # printed, the page is the bulletin alone: no menu, no query form
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator("form.query")).to_be_hidden()
    expect(page.locator("#bulletin")).to_be_visible()
    page.emulate_media(media="screen")
    page.get_by_role("button", name="退出").click()

    assert login(page, "demo_city", "demo2024!")
    page.goto("/monitoring/")
    table = page.locator("#chart-progress-table")
    expect(table.locator("thead")).to_contain_text("区县")
    expect(table).not_to_contain_text("大同")


def test_a_hospital_explains_a_flagged_report_and_its_bureau_returns_it(page: Page, login):
    call_command("load_demo", "--reviewed", "--orders", "20000", verbosity=0)
    page.on("dialog", lambda dialog: dialog.accept())
    report = DemandReport.objects.filter(
        hospital__name="太原市小店区人民医院", status=DemandReport.Status.EXPLAIN
    ).first()

    assert login(page, "demo_hospital", "demo2024!")
    menu(page, "报量核对")
    page.get_by_label("状态").select_option(label="待说明")
    page.get_by_role("button", name="查询").click()
    page.locator("#list-reports").get_by_role("link", name="待说明").first.click()
    expect(page.locator("h1")).to_contain_text("报量核对：太原市小店区人民医院")
    page.get_by_label("说明").fill("上一年度含集中备货，本年度按实际需求报量。")
    page.get_by_role("button", name="提交说明").click()
    expect(page.get_by_text("说明已提交，待医保部门审核。")).to_be_visible()
    expect(page.locator("#status")).to_have_text("待审核")
    page.get_by_role("button", name="退出").click()

    assert login(page, "demo_city", "demo2024!")
    page.goto(f"/monitoring/reports/{report.pk}/")
    page.get_by_label("审核结果").select_option(label="退回")
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_text("退回时请填写审核意见")).to_be_visible()
    page.get_by_label("审核意见").fill("请按上一年度实际使用量重新报量。")
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator("#status")).to_have_text("已退回")
    report.refresh_from_db()
    assert report.status == DemandReport.Status.RETURNED and report.review_note == "请按上一年度实际使用量重新报量。"


def test_the_province_recomputes_a_year_as_of_a_quarter_end_and_watches_it_finish(page: Page, login):
    call_command("load_demo", "--reviewed", "--orders", "20000", verbosity=0)
    assert login(page, "demo_province", "demo2024!")
    menu(page, "重新计算")
    expect(page.locator("#snapshots")).to_contain_text("2024-09-30")  # the demo's monitoring date
    page.get_by_label("监测年度").select_option(label="2024 年")
    page.get_by_label("监测日期").fill("2024-06-30")
    assert click_and_answer(page, page.get_by_role("button", name="重新计算")) == [
        "确定按所选监测日期重新计算该年度全部监测指标？"
    ]
    expect(page.get_by_text("已申请重新计算 2024 年监测指标（截至 2024-06-30）")).to_be_visible()
    expect(page.locator("#refreshes")).to_contain_text("排队中")

    refresh.run(Refresh.objects.get())  # the worker, meanwhile; the page polls and shows it done

    expect(page.locator("#refreshes")).to_contain_text("已完成")
    page.reload()
    expect(page.locator("#snapshots")).to_contain_text("2024-06-30")
