"""From reviewed scores to confirmed amounts in the browser, for a province-direct hospital (seed 000 §2–§3):
the province sets the batch's payment ratio; the hospital enters its total with proof; the province (省直) and the
capital's bureau (太原市) enter theirs in their lists' grids (double-click, Enter: 维护成功; select, 提交: 提交成功),
the remote-settlement platform the ten other cities on the hospital's page; the province confirms and sees the
12-pool split adding up to the whole. Every step that locks data asks first."""

from decimal import Decimal

import funding_steps as steps
import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.conftest import click_and_answer
from vbp.catalog.models import Batch, Hospital
from vbp.funding.models import AmountSheet

pytestmark = pytest.mark.django_db(transaction=True)

PDF = {"name": "住院人次证明.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
CITY_VISITS = {
    "运城市": 1000,
    "阳泉市": 2000,
    "忻州市": 1000,
    "朔州市": 111,
    "吕梁市": 2000,
    "临汾市": 1,
    "晋中市": 1,
    "晋城市": 1,
    "大同市": 1,
    "长治市": 1,
}


def menu(page: Page, label: str) -> None:
    """The side menu's entry ``label``, its group opened first if it is folded."""
    link = page.locator("nav").get_by_role("link", name=label, exact=True, include_hidden=True).first
    if not link.is_visible():
        group = link.locator("xpath=ancestor::details[1]/summary")
        if group.count():
            group.click()
    link.click()


def confirmed(page: Page, button: str, scope=None) -> None:
    """An irreversible button asks first (site.js, data-confirm); the clerk says yes. No question fails the test."""
    asked = click_and_answer(page, (scope or page).get_by_role("button", name=button, exact=True))
    assert asked and "不能修改" in asked[0], asked  # it says the step is final


def sign_in_as(page: Page, login, username: str, password: str = "demo2024!") -> None:
    """Sign out whoever is signed in (退出), then sign in as ``username``."""
    if page.get_by_role("button", name="退出").count():
        page.get_by_role("button", name="退出").click()
    assert login(page, username, password)


def editing(page: Page, label: str):
    """The grid's cell ``label``, read-only until double-clicked (seed 000 §2.1–2.4), opened for typing. It is
    brought to the middle of the window first: the shell's bar stays at the top while the page scrolls."""
    cell = page.get_by_label(label, exact=True)
    expect(cell).to_have_attribute("readonly", "")
    cell.evaluate("cell => cell.scrollIntoView({block: 'center'})")
    for _ in range(3):  # the proof's PDF preview, starting up in its frame, can take the focus between the two clicks
        cell.dblclick()
        if cell.evaluate("cell => !cell.readOnly"):
            break
    expect(cell).to_be_editable()
    return cell


def in_the_grid(page: Page, label: str, visits: int) -> None:
    """Seed 000 §2.2–2.4: double-click the cell, type, Enter saves it (维护成功)."""
    cell = editing(page, label)
    cell.fill(str(visits))
    cell.press("Enter")
    expect(page.locator(".messages")).to_contain_text("维护成功")


def test_a_province_direct_hospital_goes_from_reviewed_scores_to_a_confirmed_split(page: Page, login):
    call_command("load_demo", verbosity=0)
    hospital = Hospital.objects.filter(province_direct=True).order_by("code").first()
    steps.reviewed(hospital)
    account = steps.hospital_account(hospital)
    batch = Batch.objects.get(name=steps.BATCH)

    sign_in_as(page, login, "demo_province")
    menu(page, "全省医保基金支付比例维护")
    ratio = page.locator("#pay-ratios tbody tr").filter(has=page.get_by_role("cell", name=batch.name, exact=True))
    cell = editing(page, f"{batch.name}医保基金平均支付比例")
    cell.fill("70")
    cell.press("Enter")
    expect(page.locator(".messages")).to_contain_text("70%")
    confirmed(page, "提交", ratio)
    expect(ratio).to_contain_text("已提交")

    sign_in_as(page, login, account.username, "Hosp-2024!x")
    menu(page, "医疗机构上一年度住院总人次填报")
    page.get_by_role("link", name="维护住院人次").click()
    page.get_by_label("上一年度住院总人次").fill("100000")
    page.locator("input[type='file']").set_input_files(PDF)
    page.get_by_role("button", name="保存").first.click()  # the total and its proof, in one form
    expect(page.get_by_role("link", name="住院人次证明.pdf")).to_be_visible()
    confirmed(page, "提交", page.locator(".card").first)
    expect(page.locator("#total-visits")).to_have_text("100,000")

    # the province's 省直, in the grid of its list: the cell, then the row selected (a click on it) and 提交
    sign_in_as(page, login, "demo_province")
    menu(page, "本统筹地区参保患者住院人次维护")
    in_the_grid(page, f"{hospital.name}省直住院人次", 50000)
    row = page.locator("#visits tbody tr", has_text=hospital.name)
    row.get_by_role("cell", name=hospital.name, exact=True).click()  # visits.js: a click selects the row
    expect(row.get_by_label(f"选中{hospital.name}")).to_be_checked()
    confirmed(page, "提交")
    expect(page.locator(".messages")).to_contain_text("提交成功")
    expect(page.locator("#visits tbody tr", has_text=hospital.name)).to_contain_text("已提交")

    # the capital's 太原市, on its own list (seed 000 §2.3; its menu entry is the shell's: the page is opened here)
    sign_in_as(page, login, "demo_city")
    page.goto("/funding/visits/capital/")
    cell = editing(page, f"{hospital.name}太原市住院人次")
    cell.fill("1")
    cell.press("Escape")  # visits.js: Escape leaves the cell as it was
    expect(cell).to_have_value("")
    expect(cell).to_have_attribute("readonly", "")
    in_the_grid(page, f"{hospital.name}太原市住院人次", 20000)
    page.get_by_label("全选").check()
    expect(page.get_by_label(f"选中{hospital.name}")).to_be_checked()
    confirmed(page, "提交")
    expect(page.locator(".messages")).to_contain_text("提交成功")
    expect(page.locator("#visits tbody tr", has_text=hospital.name)).to_contain_text("已提交")

    # the platform's ten cities, on the hospital's page (seed 000 §2.4)
    sign_in_as(page, login, "demo_platform")
    menu(page, "省内异地参保患者住院人次维护")
    page.locator("#visits tr", has_text=hospital.name).get_by_role("link", name="维护住院人次").click()
    for city, visits in list(CITY_VISITS.items())[:9]:
        editing(page, f"{city}住院人次").fill(str(visits))
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("维护成功")
    confirmed(page, "提交")  # one city is missing: refused, and said why
    expect(page.locator(".messages")).to_contain_text("尚未填报：长治市")
    in_the_grid(page, "长治市住院人次", 1)
    confirmed(page, "提交")
    expect(page.locator(".messages")).to_contain_text("提交成功")
    expect(page.locator("#total-share")).to_have_text("76.11%")

    sign_in_as(page, login, "demo_province")
    menu(page, "医疗机构医保资金留用金额审核")
    page.locator("#amounts tr", has_text=hospital.name).get_by_role("link", name="审核").click()
    expect(page.locator("#formula")).to_contain_text("采购量基数×同通用名药械加权平均价×医保基金平均支付比例")
    confirmed(page, "确认")
    expect(page.locator("#sheet-status")).to_have_text("已确认")

    menu(page, "各地市医保资金留用金额审核情况")
    taiyuan = page.locator("#cities tr", has_text="太原市")
    expect(taiyuan.locator("td").nth(2)).to_have_text("1")  # 已确认
    taiyuan.get_by_role("link", name="太原市").click()
    page.locator("#hospitals tr", has_text=hospital.name).get_by_role("link").click()
    split = page.locator("#pool-amounts tbody tr")
    expect(split).to_have_count(13)  # 12 pools and the total
    sheet = AmountSheet.objects.get(hospital=hospital, batch=batch)
    assert sheet.status == "confirmed"
    amounts = [Decimal(text.replace(",", "")) for text in split.locator("td:nth-child(4)").all_inner_texts()]
    assert sum(amounts[:-1]) == amounts[-1] == sheet.payable_total
