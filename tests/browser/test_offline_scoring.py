"""Wuhan's offline scoring in the browser: the district bureau exports the template (导出模版), fills 医保考核评分
in Excel (openpyxl here), uploads it (考核数据上传), reads the dry run's preview, confirms, and sees the stored
scores and ratios."""

import openpyxl
import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.conftest import click_and_answer
from vbp.accounts.models import Role, User
from vbp.assessment import services
from vbp.assessment.models import ProductScore
from vbp.catalog.models import Batch, Hospital
from vbp.rulesets.models import RuleSetVersion

pytestmark = pytest.mark.django_db(transaction=True)

BATCH = "国家第一批集中带量采购"
SELF_SCORES = {
    "completion": "20",
    "payment_30d": "20",
    "drug_cost_growth": "10",
    "nonselected_volume_share": "5",
    "nonselected_amount_share": "5",
    "similar_efficacy": "5",
    "offline_share": "15",
    "policy_violations": "8",
    "price_violations": "6",
    "circulation_violations": "0",
}


def wuhan_batch_with_submitted_self_scores() -> tuple[Batch, list[Hospital]]:
    """The demo has no batch under the wuhan rule set: point one at it, and let 小店区's hospitals self-assess."""
    Batch.objects.filter(name=BATCH).update(rule_set=RuleSetVersion.objects.get(code="wuhan"))
    batch = Batch.objects.get(name=BATCH)
    hospitals = list(Hospital.objects.filter(district__code="140105", province_direct=False).order_by("code"))
    for hospital in hospitals:
        account = User.objects.filter(role=Role.HOSPITAL, hospital=hospital).first() or User.objects.create_user(
            f"h{hospital.pk}", password="unused-Password-1", role=Role.HOSPITAL, hospital=hospital
        )
        assessment = services.open_assessment(account, hospital, batch, 2024)
        products = services.products_of(hospital, batch, 2024)
        answers = {(code, p.pk): {code: points} for p in products for code, points in SELF_SCORES.items()}
        assessment = services.save_answers(account, assessment, answers, version=assessment.version)
        services.submit_assessment(account, assessment, version=assessment.version)
    return batch, hospitals


def test_the_district_bureau_scores_offline_and_sees_the_stored_ratios(page: Page, login, tmp_path):
    call_command("load_demo", verbosity=0)
    batch, hospitals = wuhan_batch_with_submitted_self_scores()
    products = {hospital.pk: services.products_of(hospital, batch, 2024).count() for hospital in hospitals}

    assert login(page, "demo_district", "demo2024!")
    page.locator("header.top nav").get_by_role("link", name="结余测算数据上报", exact=True).click()
    page.locator("#batches tr", has_text=BATCH).first.get_by_role("link", name="进入").click()
    expect(page.locator("#hospitals tbody tr")).to_have_count(len(hospitals))

    with page.expect_download() as download:
        page.get_by_role("link", name="导出模版").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    filled = fill_bureau_scores(template, tmp_path / "filled.xlsx")

    page.locator("input[name='file']").set_input_files(str(filled))
    page.get_by_role("button", name="考核数据上传").click()
    expect(page.locator("h2", has_text="校验通过，预览")).to_be_visible()
    expect(page.locator("#preview tbody tr")).to_have_count(sum(products.values()))
    expect(page.locator("#preview tbody tr").first).to_contain_text("85")
    expect(page.locator("#preview tbody tr").first).to_contain_text("50.00%")
    assert ProductScore.objects.count() == 0  # the dry run wrote nothing

    dialogs = click_and_answer(page, page.get_by_role("button", name="确认导入"))
    expect(page.locator(".messages")).to_contain_text(
        f"已导入 {len(hospitals)} 家医疗机构 {sum(products.values())} 个品种的医保考核评分"
    )
    assert dialogs and "（提交后不能修改）" in dialogs[0]  # the scores are the review: final
    first = hospitals[0]
    row = page.locator("#hospitals tr", has_text=first.name)
    expect(row).to_contain_text(f"{products[first.pk]} / {products[first.pk]}")
    row.get_by_role("link", name="查看评分").click()
    rows = page.locator("#products tbody tr")
    expect(rows).to_have_count(products[first.pk])
    for index in range(products[first.pk]):
        expect(rows.nth(index)).to_contain_text("85")
        expect(rows.nth(index)).to_contain_text("50.00%")
        expect(rows.nth(index)).to_contain_text("已审核")  # the imported score is the review: no 通过 to click
    assert set(ProductScore.objects.values_list("bureau_score", flat=True)) == {85}


def fill_bureau_scores(template, filled):
    """What the clerk does in Excel: 85 in every 医保考核评分 cell."""
    book = openpyxl.load_workbook(template)
    sheet = book.active
    headers = [cell.value for cell in sheet[1]]
    column = headers.index("医保考核评分") + 1
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row=row, column=column, value=85)
    book.save(filled)
    return filled
