"""README's "A walk through the demo", followed literally in the browser on the demo `make run` loads
(`load_demo --reviewed`): each step as its account, through the side-menu entry, buttons and links the README names,
checking what the README says the user sees. If this test needs a change, the README's walk does too."""

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import click_and_answer, menu
from vbp.catalog.models import Hospital
from vbp.funding import services
from vbp.funding.models import AmountSheet, Recalculation

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "demo2024!"
HOSPITAL = "太原市小店区人民医院"  # demo_hospital's
BATCH = "国家第一批集中带量采购"
TITLE = "国家第一批结余留用金额有误"
TEXT = "本院阿托伐他汀钙片的采购量基数与实际采购不符，请核实。"
REPLY = "已核实，采购量基数以平台数据为准，详见核对表。"


def sign_in_as(page: Page, login, username: str) -> None:
    """退出 whoever is signed in, then sign in as ``username`` with the demo password."""
    if page.get_by_role("button", name="退出", exact=True).count():
        page.get_by_role("button", name="退出", exact=True).click()
    assert login(page, username, PASSWORD)


def with_ok(page: Page, button) -> None:
    """Click ``button``, which asks first (the step is final), and answer OK. No question fails the test."""
    assert click_and_answer(page, button), "the button did not ask before a final step"


def typed(page: Page, label: str, value: str) -> None:
    """A grid cell: double-click, type, Enter (which saves it)."""
    cell = page.get_by_label(label, exact=True)
    expect(cell).to_have_attribute("readonly", "")
    cell.evaluate("cell => cell.scrollIntoView({block: 'center'})")  # clear of the shell's bar
    for _ in range(3):  # a PDF preview starting up in its frame can take the focus between the two clicks
        cell.dblclick()
        if cell.evaluate("cell => !cell.readOnly"):
            break
    expect(cell).to_be_editable()
    cell.fill(value)
    cell.press("Enter")


def query(page: Page, param: str) -> None:
    """查询: the list is put in place (htmx) and the address then carries the filter."""
    page.get_by_role("button", name="查询", exact=True).click()
    expect(page).to_have_url(re.compile(rf"[?&]{param}="))


def messages(page: Page):
    return page.locator(".messages")


def small_pdf(tmp_path, name: str):
    path = tmp_path / name
    stream = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(stream, "PDF")
    path.write_bytes(stream.getvalue())
    return path


def test_the_readme_walk_through_the_demo(page: Page, login, tmp_path):
    call_command("load_demo", reviewed=True, orders=20_000, verbosity=0)  # as `make run` loads it, fewer order lines
    hospital = Hospital.objects.get(name=HOSPITAL)

    # 1. demo_province — 全省医保基金支付比例维护: double-click, 70, Enter (维护成功); the row's 提交, OK (提交成功)
    sign_in_as(page, login, "demo_province")
    menu(page, "全省医保基金支付比例维护")
    ratio = page.locator("#pay-ratios tbody tr").filter(has=page.get_by_role("cell", name=BATCH, exact=True))
    expect(ratio).to_contain_text("待填报")
    typed(page, f"{BATCH}医保基金平均支付比例", "70")
    expect(messages(page)).to_contain_text("维护成功")
    with_ok(page, ratio.get_by_role("button", name="提交", exact=True))
    expect(messages(page)).to_contain_text("提交成功")
    expect(ratio).to_contain_text("70%")
    expect(ratio).to_contain_text("已提交")
    # The submission queued the batch's recalculation; `make run`'s background worker (db_worker) runs it. Here the
    # test runs the queued job itself, exactly as the worker would.
    jobs = list(Recalculation.objects.filter(status__in=Recalculation.ACTIVE))
    assert jobs
    for job in jobs:
        assert services.recalculate(job).status == Recalculation.Status.DONE

    # 2. demo_hospital — 医疗机构上一年度住院总人次填报 → 维护住院人次: the total and the proof, 保存 (维护成功,
    #    the proof previewed); 提交 (提交成功)
    sign_in_as(page, login, "demo_hospital")
    menu(page, "医疗机构上一年度住院总人次填报")
    page.locator("#visits tbody tr", has_text=HOSPITAL).get_by_role("link", name="维护住院人次").click()
    total = page.locator("#total")
    total.get_by_label("上一年度住院总人次").fill("12000")
    page.locator("#total input[type='file']").set_input_files(small_pdf(tmp_path, "住院人次证明.pdf"))
    total.get_by_role("button", name="保存", exact=True).click()
    expect(messages(page)).to_contain_text("维护成功")
    expect(messages(page)).to_contain_text("已上传附件")
    expect(page.get_by_label("上一年度住院总人次")).to_have_value("12000")
    expect(page.get_by_role("link", name="住院人次证明.pdf")).to_be_visible()
    expect(page.locator("iframe[title='附件预览']")).to_be_visible()
    with_ok(page, total.get_by_role("button", name="提交", exact=True))
    expect(messages(page)).to_contain_text("提交成功")
    expect(page.locator("#total-visits")).to_have_text("12,000")

    # 3. demo_city — 本统筹地区参保患者住院人次维护: the hospital's cell (at most the total), Enter (维护成功);
    #    click the row, 提交 (提交成功); 参保患者住院人次及占比查询 shows the share
    sign_in_as(page, login, "demo_city")
    menu(page, "本统筹地区参保患者住院人次维护")
    cell = f"{HOSPITAL}太原市住院人次"
    typed(page, cell, "12001")
    expect(messages(page)).to_contain_text("超过医疗机构住院总人次 12000")
    typed(page, cell, "9000")
    expect(messages(page)).to_contain_text("维护成功")
    row = page.locator("#visits tbody tr", has_text=HOSPITAL)
    row.get_by_role("cell", name=HOSPITAL, exact=True).click()  # a click on the row selects it
    expect(row.get_by_label(f"选中{HOSPITAL}")).to_be_checked()
    with_ok(page, page.locator("#visit-submit").get_by_role("button", name="提交", exact=True))
    expect(messages(page)).to_contain_text("提交成功")
    expect(row).to_contain_text("已提交")
    menu(page, "参保患者住院人次及占比查询")
    expect(page.locator("#shares tbody tr", has_text=HOSPITAL)).to_contain_text("75.00%")

    # 4. demo_city — 医疗机构医保资金留用金额审核: find the hospital; its row 待确认 → 审核: formula, product rows with
    #    every input, 测算结余, 应留用金额 → 确认 (final; only demo_province can 退回). 资料未齐 lists what is missing.
    menu(page, "医疗机构医保资金留用金额审核")
    page.get_by_label("医疗机构名称").fill(HOSPITAL)
    query(page, "name")
    row = page.locator("#amounts tbody tr", has_text=HOSPITAL).filter(has=page.get_by_text(BATCH, exact=True))
    expect(row).to_contain_text("待确认")
    row.get_by_role("link", name="审核", exact=True).click()
    expect(page.locator("#sheet-status")).to_have_text("待确认")
    expect(page.locator("#formula")).to_contain_text("采购量基数×同通用名药械加权平均价×医保基金平均支付比例")
    expect(page.locator("main")).to_contain_text("医保基金平均支付比例 70%")
    headers = page.locator("#products thead th")
    for header in ("约定采购量", "采购量基数", "加权平均价", "参保患者使用量占比", "测算结余", "应留用金额"):
        expect(headers.filter(has_text=re.compile(rf"^{header}$"))).to_have_count(1)
    expect(page.locator("#pool-amounts")).to_contain_text("太原市")
    amount = page.locator("#payable-total").inner_text()
    with_ok(page, page.get_by_role("button", name="确认", exact=True))
    expect(messages(page)).to_contain_text(f"已确认{HOSPITAL}的留用金额：应留用金额合计 {amount}")
    expect(page.locator("#sheet-status")).to_have_text("已确认")
    expect(page.get_by_role("button", name="退回")).to_have_count(0)  # only the province can
    sheet = AmountSheet.objects.get(hospital=hospital, batch__name=BATCH, year=2024)
    assert sheet.status == AmountSheet.Status.CONFIRMED
    assert Decimal(amount.replace(",", "")) == sheet.payable_total
    page.get_by_role("link", name="返回列表").click()
    page.get_by_label("状态").select_option(label="资料未齐")
    query(page, "status")
    expect(page.locator("#amounts tbody tr").first).to_contain_text("资料未齐")
    page.locator("#amounts tbody tr").first.get_by_role("link", name="查看").click()
    expect(page.locator("#missing")).to_contain_text("以下资料未提交")

    # 5. demo_province — 各地市医保资金留用金额审核情况: 已确认 / 待确认 / 资料未齐 per city; 太原市 opens its
    #    hospitals; a province-direct hospital's 已确认 row → 查看（含各统筹区留用金额）: the split over the 12 pools
    sign_in_as(page, login, "demo_province")
    menu(page, "各地市医保资金留用金额审核情况")
    expect(page.locator("#cities thead")).to_contain_text(re.compile("已确认.*待确认.*资料未齐"))
    confirmed = AmountSheet.objects.filter(hospital__city__name="太原市", year=2024, status="confirmed").count()
    taiyuan = page.locator("#cities tbody tr").filter(has=page.get_by_role("link", name="太原市", exact=True))
    expect(taiyuan.locator("td").nth(2)).to_have_text(str(confirmed))
    taiyuan.get_by_role("link", name="太原市", exact=True).click()
    expect(page.locator("h1")).to_have_text("各地市医保资金留用金额审核情况：医院列表")
    direct = page.locator("#hospitals tbody tr", has_text="（省直属）").filter(has_text="已确认").first
    direct.get_by_role("link", name="查看（含各统筹区留用金额）").click()
    expect(page.locator("#pool-amounts tbody tr")).to_have_count(13)  # the 12 pools and the total
    page.go_back()
    page.get_by_label("医疗机构名称").fill(HOSPITAL)
    query(page, "name")
    row = page.locator("#hospitals tbody tr", has_text=HOSPITAL).filter(has=page.get_by_text(BATCH, exact=True))
    expect(row).to_contain_text("已确认")
    expect(row).to_contain_text(amount)
    row.get_by_role("link", name="查看").click()
    expect(page.get_by_role("button", name="退回", exact=True)).to_be_visible()  # the province may, with a reason
    expect(page.get_by_label("退回原因")).to_be_visible()

    # 6. demo_city — 医疗机构结余金额: per batch budget and surplus; 查看医疗机构: 品种数 and the amount; 品种明细;
    #    测算底稿 downloads the batch's calculation workbook
    sign_in_as(page, login, "demo_city")
    menu(page, "医疗机构结余金额")
    batches = page.locator("#batches")
    expect(batches.locator("thead")).to_contain_text(re.compile("医保资金预算.*结余金额.*应留用金额.*职保.*居保"))
    wuhan = batches.locator("tbody tr").filter(has=page.get_by_role("cell", name="国家组织冠脉支架集中带量采购"))
    for column in (5, 6):  # 职保, 居保: the Wuhan rule set splits funds
        expect(wuhan.locator("td").nth(column)).to_have_text(re.compile(r"\d"))
    walk = batches.locator("tbody tr").filter(has=page.get_by_role("cell", name=BATCH, exact=True))
    with page.expect_download() as download:
        walk.get_by_role("link", name="测算底稿").click()
    assert download.value.suggested_filename == f"{BATCH}-2024年度测算底稿.xlsx"
    walk.get_by_role("link", name="查看医疗机构").click()
    row = page.locator("#sheets tbody tr", has_text=HOSPITAL)
    expect(row.locator("td").nth(2)).to_have_text(str(sheet.product_count))  # 品种数
    expect(row).to_contain_text(amount)
    expect(row).to_contain_text("已确认")
    row.get_by_role("link", name="品种明细").click()
    expect(page.locator("#products tbody tr", has_text="阿托伐他汀钙片")).to_be_visible()

    # 7. demo_hospital — 医保资金留用金额查看 (the confirmed amount); 申诉管理 → 新增申诉 with evidence (待处理);
    #    demo_city — 申诉管理: 查看 → 回复 (已回复); demo_hospital: 待办 on the home page, 已回复 in 申诉管理
    sign_in_as(page, login, "demo_hospital")
    menu(page, "医保资金留用金额查看")
    mine = page.locator("#amounts tbody tr", has_text=BATCH)
    expect(mine).to_contain_text("已确认")
    expect(mine).to_contain_text(amount)
    menu(page, "申诉管理")
    page.get_by_role("link", name="新增申诉").click()
    page.get_by_label("结余留用考核批次").select_option(label=f"{BATCH}（2024年度）")
    page.get_by_label("申诉标题").fill(TITLE)
    page.get_by_label("申诉内容").fill(TEXT)
    page.get_by_label("附件").set_input_files(small_pdf(tmp_path, "采购明细.pdf"))
    page.get_by_role("button", name="确认提交").click()
    expect(messages(page)).to_contain_text("申诉已提交")
    expect(page.locator("#status")).to_have_text("待处理")

    sign_in_as(page, login, "demo_city")
    menu(page, "申诉管理")
    row = page.locator("#appeals tbody tr", has_text=TITLE)
    expect(row).to_contain_text("待处理")
    row.get_by_role("link", name="查看").click()
    expect(page.locator("#thread")).to_contain_text("采购明细.pdf")
    page.get_by_label("回复内容").fill(REPLY)
    page.get_by_role("button", name="回复", exact=True).click()
    expect(page.locator("#status")).to_have_text("已回复")

    sign_in_as(page, login, "demo_hospital")
    expect(page.locator("main")).to_contain_text(f"申诉“{TITLE}”已回复，有新的回复待查看")  # 待办 on the home page
    menu(page, "申诉管理")
    row = page.locator("#appeals tbody tr", has_text=TITLE)
    expect(row).to_contain_text("已回复")
    expect(row).to_contain_text("新回复")
    row.get_by_role("link", name="查看").click()
    expect(page.locator("#thread .entry-reply")).to_contain_text(REPLY)
