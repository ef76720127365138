"""配送企业档案, 约谈督导 and 供应问题反馈 in the browser: the city registers a distributor and records an interview
with its signed record attached; the hospital reads it and reports a product not delivered; the city resolves it."""

import io

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import menu
from vbp.supervision.models import SupplyIssue

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_city_registers_interviews_and_resolves_what_a_hospital_reports(page: Page, login, tmp_path):
    call_command("load_demo", verbosity=0)
    record = tmp_path / "约谈记录.pdf"
    stream = io.BytesIO()
    Image.new("RGB", (200, 100), "white").save(stream, "PDF")
    record.write_bytes(stream.getvalue())

    assert login(page, "demo_city", "demo2024!")
    menu(page, "配送企业档案")
    page.get_by_role("link", name="新增配送企业").click()
    page.get_by_label("企业名称").fill("国药控股山西有限公司")
    page.get_by_label("配送区域").fill("太原市")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#list-distributors")).to_contain_text("国药控股山西有限公司")

    menu(page, "约谈督导")
    page.get_by_role("link", name="新增约谈记录").click()
    page.get_by_label("约谈医疗机构").select_option(label="太原市小店区人民医院")
    page.get_by_label("约谈日期").fill("2024-10-15")
    page.get_by_label("约谈事由").fill("采购进度低于序时进度。")
    page.get_by_label("参加人员").fill("市医保局、医院药剂科")
    page.get_by_label("附件（PDF 或图片）").set_input_files(str(record))
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("约谈督导记录已保存。")).to_be_visible()
    expect(page.locator("#attachments")).to_contain_text("约谈记录.pdf")
    page.get_by_role("button", name="退出").click()

    assert login(page, "demo_hospital", "demo2024!")
    menu(page, "约谈督导")
    page.locator("#list-interviews").get_by_role("link", name="2024-10-15").click()
    expect(page.locator("#interview")).to_contain_text("采购进度低于序时进度。")
    menu(page, "供应问题反馈")
    page.get_by_role("link", name="反馈供应问题").click()
    page.get_by_label("配送企业").select_option(label="国药控股山西有限公司")
    page.get_by_label("带量批次").select_option(label="国家第一批集中带量采购")
    page.get_by_label("药品通用名").fill("阿托伐他汀钙片")
    page.get_by_label("发生日期").fill("2024-05-06")
    page.get_by_label("问题描述").fill("下单十天仍未配送。")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#status")).to_have_text("待处理")
    page.get_by_role("button", name="退出").click()

    assert login(page, "demo_city", "demo2024!")
    menu(page, "供应问题反馈")
    page.locator("#list-issues tbody a").first.click()
    page.get_by_label("状态").select_option(label="已解决")
    page.get_by_label("跟进情况").fill("已督促配送企业。")
    page.get_by_label("处理结果").fill("5月20日到货。")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#status")).to_have_text("已解决")
    assert SupplyIssue.objects.get().outcome == "5月20日到货。"
