"""From reviewed scores to confirmed amounts in the browser, for a province-direct hospital (seed 000 §2–§3):
the province sets the batch's payment ratio; the hospital enters its total with proof; the province, the capital's
bureau and the remote-settlement platform enter their pools in that order; the province confirms and sees the
12-pool split adding up to the whole."""

from decimal import Decimal

import funding_steps as steps
import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from vbp.catalog.models import Batch, Hospital
from vbp.funding.models import AmountSheet

pytestmark = pytest.mark.django_db(transaction=True)

PDF = {"name": "住院人次证明.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
CITY_VISITS = {"运城市": 1000, "阳泉市": 2000, "忻州市": 1000, "朔州市": 111, "吕梁市": 2000, "临汾市": 1, "晋中市": 1,
               "晋城市": 1, "大同市": 1, "长治市": 1}  # fmt: skip


def menu(page: Page, label: str) -> None:
    page.locator("header.top nav").get_by_role("link", name=label, exact=True).click()


def confirmed(page: Page, button: str, scope=None) -> None:
    """An irreversible button asks first (site.js, data-confirm); the clerk says yes."""
    page.once("dialog", lambda dialog: dialog.accept())
    (scope or page).get_by_role("button", name=button, exact=True).click()


def sign_in_as(page: Page, login, username: str, password: str = "demo2024!") -> None:
    """Sign out whoever is signed in (退出), then sign in as ``username``."""
    if page.get_by_role("button", name="退出").count():
        page.get_by_role("button", name="退出").click()
    assert login(page, username, password)


def open_visits(page: Page, hospital: Hospital) -> None:
    menu(page, "住院人次维护")
    page.locator("#visits tr", has_text=hospital.name).get_by_role("link", name="维护住院人次").click()


def test_a_province_direct_hospital_goes_from_reviewed_scores_to_a_confirmed_split(page: Page, login):
    call_command("load_demo", verbosity=0)
    hospital = Hospital.objects.filter(province_direct=True).order_by("code").first()
    steps.reviewed(hospital)
    account = steps.hospital_account(hospital)
    batch = Batch.objects.get(name=steps.BATCH)

    sign_in_as(page, login, "demo_province")
    menu(page, "支付比例维护")
    cell = page.locator(f"#ratio-{batch.code} input[name='percent']")
    expect(cell).to_have_attribute("readonly", "")
    cell.dblclick()
    cell.fill("70")
    cell.press("Enter")
    expect(page.locator(".messages")).to_contain_text("70%")
    confirmed(page, "提交", page.locator(f"#ratio-{batch.code}"))
    expect(page.locator(f"#ratio-{batch.code}")).to_contain_text("已提交")

    sign_in_as(page, login, account.username, "Hosp-2024!x")
    menu(page, "住院人次填报")
    page.get_by_role("link", name="维护住院人次").click()
    page.get_by_label("上一年度住院总人次").fill("100000")
    page.get_by_role("button", name="保存").first.click()
    page.locator("input[type='file']").set_input_files(PDF)
    page.get_by_role("button", name="上传附件").click()
    expect(page.get_by_role("link", name="住院人次证明.pdf")).to_be_visible()
    confirmed(page, "提交", page.locator(".card").first)
    expect(page.locator("#total-visits")).to_have_text("100000")

    sign_in_as(page, login, "demo_province")
    open_visits(page, hospital)
    page.get_by_label("省直住院人次").fill("50000")
    confirmed(page, "提交")
    expect(page.locator("#pools tr", has_text="省直")).to_contain_text("已提交")

    sign_in_as(page, login, "demo_city")
    open_visits(page, hospital)
    page.get_by_label("太原市住院人次").fill("20000")
    confirmed(page, "提交")
    expect(page.locator("#pools tr", has_text="太原市")).to_contain_text("已提交")

    sign_in_as(page, login, "demo_platform")
    open_visits(page, hospital)
    for city, visits in list(CITY_VISITS.items())[:9]:
        page.get_by_label(f"{city}住院人次").fill(str(visits))
    confirmed(page, "提交")  # one city is missing: refused, and said why
    expect(page.locator(".messages")).to_contain_text("尚未填报：长治市")
    page.get_by_label("长治市住院人次").fill("1")
    confirmed(page, "提交")
    expect(page.locator("#total-share")).to_have_text("76.11%")

    sign_in_as(page, login, "demo_province")
    menu(page, "留用金额审核")
    page.locator("#amounts tr", has_text=hospital.name).get_by_role("link", name="审核").click()
    expect(page.locator("#formula")).to_contain_text("采购量基数×同通用名药械加权平均价×医保基金平均支付比例")
    confirmed(page, "确认")
    expect(page.locator("#sheet-status")).to_have_text("已确认")

    menu(page, "各地市审核情况")
    expect(page.locator("#cities tr", has_text="太原市").locator("td").nth(2)).to_have_text("1")  # 已确认
    page.locator("#hospitals tr", has_text=hospital.name).get_by_role("link").click()
    split = page.locator("#pool-amounts tbody tr")
    expect(split).to_have_count(13)  # 12 pools and the total
    sheet = AmountSheet.objects.get(hospital=hospital, batch=batch)
    assert sheet.status == "confirmed"
    amounts = [Decimal(text.replace(",", "")) for text in split.locator("td:nth-child(4)").all_inner_texts()]
    assert sum(amounts[:-1]) == amounts[-1] == sheet.payable_total
