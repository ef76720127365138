"""An appeal in the browser: the hospital files one with a PDF as evidence; the city bureau finds it, opens the PDF and
replies; the hospital sees the reply (marked new in its list) and the status 已回复."""

import io

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import Page, expect

from vbp.appeals.models import Appeal

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "国家第一批结余留用金额有误"
TEXT = "本院阿托伐他汀钙片的采购量基数与实际采购不符，请核实。"
REPLY = "已核实，将在结余留用金额确认前更正采购量基数。"


def menu(page: Page, label: str) -> None:
    page.locator("header.top nav").get_by_role("link", name=label, exact=True).click()


def test_the_hospital_files_an_appeal_the_city_replies_and_the_hospital_reads_the_reply(page: Page, login, tmp_path):
    call_command("load_demo", verbosity=0)
    evidence = tmp_path / "采购明细.pdf"
    stream = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(stream, "PDF")
    evidence.write_bytes(stream.getvalue())

    assert login(page, "demo_hospital", "demo2024!")
    menu(page, "申诉管理")
    page.get_by_role("link", name="新增申诉").click()
    page.get_by_label("结余留用考核批次").select_option(label="国家第一批集中带量采购（2024年度）")
    page.get_by_label("申诉标题").fill(TITLE)
    page.get_by_label("申诉内容").fill(TEXT)
    page.get_by_label("附件").set_input_files(str(evidence))
    page.get_by_role("button", name="确认提交").click()
    expect(page.get_by_text("申诉已提交，医保部门将在系统内回复或电话回访。")).to_be_visible()
    expect(page.locator("#status")).to_have_text("待处理")
    expect(page.locator("#thread")).to_contain_text(TEXT)
    page.get_by_role("button", name="退出").click()

    assert login(page, "demo_city", "demo2024!")
    menu(page, "申诉管理")
    page.get_by_label("仅看待本部门回复").check()
    page.get_by_role("button", name="查询").click()
    row = page.locator("#appeals tbody tr", has_text=TITLE)
    expect(row).to_contain_text("太原市小店区人民医院")
    expect(row).to_contain_text("待处理")
    row.get_by_role("link", name="查看").click()
    expect(page.locator("#thread")).to_contain_text(TEXT)
    thread_file = page.locator("#thread li", has_text="采购明细.pdf")
    thread_file.get_by_text("预览").click()
    preview = thread_file.locator("iframe")
    expect(preview).to_be_visible()
    served = page.request.get(preview.get_attribute("src"))
    assert served.ok and served.headers["content-type"] == "application/pdf"
    assert served.body() == evidence.read_bytes()
    page.get_by_label("回复内容").fill(REPLY)
    page.get_by_role("button", name="回复", exact=True).click()
    expect(page.get_by_text("已回复。", exact=True)).to_be_visible()
    expect(page.locator("#status")).to_have_text("已回复")
    page.get_by_role("button", name="退出").click()

    assert login(page, "demo_hospital", "demo2024!")
    menu(page, "申诉管理")
    row = page.locator("#appeals tbody tr", has_text=TITLE)
    expect(row).to_contain_text("已回复")
    expect(row).to_contain_text("新回复")
    row.get_by_role("link", name="查看").click()
    expect(page.locator("#status")).to_have_text("已回复")
    reply = page.locator("#thread .entry-reply")
    expect(reply).to_contain_text(REPLY)
    expect(reply).to_contain_text("太原市医保局")
    assert Appeal.objects.get().get_status_display() == "已回复"
