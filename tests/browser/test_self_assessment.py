"""A hospital fills its self-assessment in the browser: Part 1, the attachment (a wrong file refused, a PDF previewed),
保存, 提交 after confirming, and the page then says 已提交 and takes no more input."""

import io

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import click_and_answer
from vbp.assessment.models import Answer, Assessment, Attachment

pytestmark = pytest.mark.django_db(transaction=True)

PART1 = {
    "本年门诊次均药品费用（A，元）": "95.50",
    "上年门诊次均药品费用（B，元）": "100",
    "本年住院次均药品费用（C，元）": "1300.125",
    "上年住院次均药品费用（D，元）": "1200",
    "执行集采政策违规行为（次）": "0",
    "价格违规次数（次）": "0",
    "集采中选药品不规范流转（次）": "0",
}


def test_the_hospital_fills_attaches_previews_saves_and_submits_its_self_assessment(page: Page, login, tmp_path):
    call_command("load_demo", verbosity=0)
    report = tmp_path / "2024年卫生健康财务报表.pdf"
    stream = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(stream, "PDF")
    report.write_bytes(stream.getvalue())
    picture = tmp_path / "补充说明.png"
    Image.new("RGB", (40, 30), "blue").save(picture, "PNG")
    disguised = tmp_path / "财务报表.pdf"
    disguised.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120)  # a Windows program renamed .pdf
    assert login(page, "demo_hospital", "demo2024!")

    page.get_by_role("navigation").get_by_role("link", name="自评填报").click()
    row = page.locator("#batches tbody tr").filter(has_text="国家第一批集中带量采购").filter(has_not_text="接续")
    expect(row).to_contain_text("2024")
    expect(row).to_contain_text("待填报")
    row.get_by_role("link", name="填报").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("国家第一批集中带量采购 2024年度自评")

    page.get_by_label("货款预付情况").select_option("完成")
    for label, value in PART1.items():
        page.get_by_label(label).fill(value)
    expect(page.get_by_role("button", name="提交")).to_be_disabled()  # unsaved answers are not what 提交 sends

    attachments = page.locator("#attachments-drug_cost_growth")
    attachments.get_by_label("上传附件").set_input_files(str(disguised))
    attachments.get_by_role("button", name="上传", exact=True).click()
    expect(attachments.get_by_role("alert")).to_contain_text("只能上传PDF 或图片（PNG、JPEG）文件")
    attachments.get_by_label("上传附件").set_input_files(str(report))
    attachments.get_by_role("button", name="上传", exact=True).click()
    expect(attachments.get_by_role("status")).to_have_text("已上传 2024年卫生健康财务报表.pdf")
    expect(page.get_by_label("本年住院次均药品费用（C，元）")).to_have_value("1300.125")  # the upload kept the typing

    attachments.get_by_label("上传附件").set_input_files(str(picture))
    attachments.get_by_role("button", name="上传", exact=True).click()
    extra = attachments.locator("li").filter(has_text="补充说明.png")
    extra.get_by_text("预览").click()
    expect(extra.get_by_role("img", name="附件预览：补充说明.png")).to_be_visible()
    assert click_and_answer(page, extra.get_by_role("button", name="删除")) == ["确定删除附件“补充说明.png”？"]
    expect(attachments.get_by_role("status")).to_have_text("已删除 补充说明.png")
    expect(attachments.locator("li")).to_have_count(1)

    attachments.get_by_text("预览").click()
    preview = attachments.locator("iframe")
    expect(preview).to_be_visible()
    served = page.request.get(preview.get_attribute("src"))
    assert served.ok and served.headers["content-type"] == "application/pdf"
    assert served.body() == report.read_bytes()

    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    expect(page.locator("#part1")).to_contain_text("20")
    expect(page.locator("#missing")).to_have_text("各项均已填报，可以提交。")
    expect(page.locator(".product .score").first).to_contain_text("综合得分（预计）")

    assert click_and_answer(page, page.get_by_role("button", name="提交")) == ["提交后不能修改，确定提交？"]
    expect(page.get_by_text("自评已提交，等待医保部门审核。")).to_be_visible()
    expect(page.locator("#status")).to_have_text("已提交")
    expect(page.locator("#readonly")).to_contain_text("提交，不能再修改")
    expect(page.get_by_role("button", name="保存")).to_have_count(0)
    expect(page.get_by_label("上传附件")).to_have_count(0)

    assessment = Assessment.objects.get(hospital__name="太原市小店区人民医院", batch__name="国家第一批集中带量采购")
    assert assessment.status == Assessment.Status.SUBMITTED
    assert (
        Answer.objects.get(assessment=assessment, item="drug_cost_growth").inputs["inpatient_drug_cost"] == "1300.125"
    )
    assert Attachment.objects.get(assessment=assessment).file_name == "2024年卫生健康财务报表.pdf"
    page.get_by_role("navigation").get_by_role("link", name="自评填报").click()
    expect(row).to_contain_text("已提交")
