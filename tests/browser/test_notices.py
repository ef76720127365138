"""通知公告 in the browser: the province writes a notice with a PDF attached and publishes it (confirming that it is
final for everyone in range); a hospital finds it on its home page, opens it, reads it and previews the PDF."""

import io

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import Page, expect

from vbp.notices.models import Notice

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "关于开展2024年度集采结余留用考核工作的通知"
BODY = "各定点医疗机构：\n请于填报截止时间前完成自评并上传卫生健康财务报表。"


def test_the_province_publishes_a_notice_and_a_hospital_reads_it_from_its_home_page(page: Page, login, tmp_path):
    call_command("load_demo", verbosity=0)
    policy = tmp_path / "考核工作方案.pdf"
    stream = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(stream, "PDF")
    policy.write_bytes(stream.getvalue())
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))

    assert login(page, "demo_province", "demo2024!")
    page.goto("/notices/")
    page.get_by_role("link", name="新增", exact=True).click()
    page.get_by_label("标题").fill(TITLE)
    page.get_by_label("正文").fill(BODY)
    page.get_by_label("置顶").check()
    page.get_by_label("附件").set_input_files(str(policy))
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("通知公告已保存为草稿")).to_be_visible()
    expect(page.locator("#status")).to_have_text("草稿")
    page.get_by_role("button", name="发布").click()
    expect(page.get_by_text("通知公告已发布。", exact=True)).to_be_visible()
    expect(page.locator("#status")).to_have_text("已发布")
    assert asked and "确定发布" in asked[0]
    page.get_by_role("button", name="退出").click()

    assert login(page, "demo_hospital", "demo2024!")
    page.goto("/")
    listed = page.locator("#home-notices li", has_text=TITLE)
    expect(listed).to_contain_text("置顶")
    listed.get_by_role("link", name=TITLE).click()
    expect(page.locator("#notice h1")).to_contain_text(TITLE)
    expect(page.locator("#body")).to_contain_text("请于填报截止时间前完成自评")
    expect(page.locator("#status")).to_have_count(0)  # the status and the editing buttons are the province's
    expect(page.get_by_role("button", name="撤回")).to_have_count(0)
    attachment = page.locator("#attachments li", has_text="考核工作方案.pdf")
    attachment.get_by_text("预览").click()
    preview = attachment.locator("iframe")
    expect(preview).to_be_visible()
    served = page.request.get(preview.get_attribute("src"))
    assert served.ok and served.headers["content-type"] == "application/pdf"
    assert served.body() == policy.read_bytes()
    assert Notice.objects.get().status == Notice.Status.PUBLISHED
