"""The review path in the browser: the city bureau rejects one item with a reason, passes the rest, submits Part 1,
reviews and submits Part 2; then the hospital signs in and sees its scores and ratios."""

import pytest
from django.core.management import call_command
from django.template.defaultfilters import floatformat
from playwright.sync_api import Page, expect

from tests.browser.conftest import click_and_answer
from vbp.accounts.models import User
from vbp.assessment import services
from vbp.assessment.models import Assessment, ProductScore
from vbp.catalog.models import Batch
from vbp.ui.templatetags.vbp_format import percent

pytestmark = pytest.mark.django_db(transaction=True)

PART1 = {
    ("prepayment", None): {"prepayment": "完成"},
    ("drug_cost_growth", None): {
        "outpatient_drug_cost": "95.5",
        "outpatient_drug_cost_last_year": "100",
        "inpatient_drug_cost": "1100",
        "inpatient_drug_cost_last_year": "1200",
    },
    ("policy_violations", None): {"policy_violation_count": "0"},
    ("price_violations", None): {"price_violation_count": "0"},
    ("circulation_violations", None): {"circulation_violation_count": "0"},
}
PASSED = ["drug_cost_growth", "policy_violations", "price_violations", "circulation_violations"]


def submitted_self_assessment() -> Assessment:
    hospital = User.objects.get(username="demo_hospital")
    batch = Batch.objects.get(name="国家第一批集中带量采购")
    assessment = services.open_assessment(hospital, hospital.hospital, batch, 2024)
    assessment = services.save_answers(hospital, assessment, PART1, version=assessment.version)
    assessment.attachments.create(
        item="drug_cost_growth",
        file_name="卫生健康财务报表.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        stored_as="browser-review-flow",
        uploaded_by=hospital,
    )
    return services.submit_assessment(hospital, assessment, version=assessment.version)


def menu(page: Page, label: str) -> None:
    page.locator("header.top nav").get_by_role("link", name=label, exact=True).click()


def submit_confirmed(page: Page) -> None:
    """提交 asks whether the user is sure (site.js, data-confirm); the clerk says yes."""
    assert click_and_answer(page, page.get_by_role("button", name="提交", exact=True))


def test_the_city_bureau_reviews_both_parts_and_the_hospital_sees_its_scores(page: Page, login):
    call_command("load_demo", verbosity=0)
    assessment = submitted_self_assessment()
    products = list(services.products_of(assessment.hospital, assessment.batch, 2024))

    assert login(page, "demo_city", "demo2024!")
    menu(page, "落实集采政策评分审核")
    page.locator("#assessments tr", has_text="太原市小店区人民医院").get_by_role("link", name="审核").click()

    expect(page.locator("#item-drug_cost_growth")).to_contain_text("卫生健康财务报表.pdf")
    prepayment = page.locator("#item-prepayment")
    prepayment.get_by_role("button", name="驳回").click()  # no reason: refused, nothing changes
    expect(page.locator(".messages")).to_contain_text("驳回须填写驳回原因")
    prepayment.get_by_label("货款预付驳回原因").fill("未见预付凭证")
    prepayment.get_by_label("货款预付备注").fill("已电话核实")
    prepayment.get_by_role("button", name="驳回").click()
    expect(page.locator(".messages")).to_contain_text("货款预付：已驳回")
    expect(page.locator("#item-prepayment")).to_contain_text("已电话核实")
    for code in PASSED:
        page.locator(f"#item-{code}").get_by_role("button", name="通过").click()
        expect(page.locator(f"#item-{code}")).to_contain_text("通过")
    expect(page.locator("#total")).to_have_text("25")
    submit_confirmed(page)
    expect(page.locator(".messages")).to_contain_text("落实集采政策评分审核已提交")
    expect(page.locator("#review-status")).to_have_text("已审核")
    expect(page.get_by_role("button", name="驳回")).to_have_count(0)

    page.get_by_role("link", name="前往集采任务完成情况评分审核").click()
    rows = page.locator("#products tbody tr")
    expect(rows).to_have_count(len(products))
    rows.first.get_by_role("link", name="审核").click()
    expect(page.locator("#veto-agreed_volume_completion")).to_contain_text("实际采购量")
    expect(page.locator("#veto-agreed_volume_completion")).to_contain_text("约定采购量")
    expect(page.locator("#item-payment_30d")).to_contain_text("平台提供，无需审核")
    page.get_by_role("link", name="返回产品列表").click()
    submit_confirmed(page)
    expect(page.locator(".messages")).to_contain_text("集采任务完成情况评分审核已提交")
    scores = {score.product.generic_name: score for score in ProductScore.objects.filter(assessment=assessment)}
    assert len(scores) == len(products)

    page.get_by_role("button", name="退出").click()
    assert login(page, "demo_hospital", "demo2024!")
    menu(page, "落实集采政策评分查看")
    expect(page.locator("#assessments")).to_contain_text("已审核")
    page.get_by_role("link", name="集采任务完成情况评分查看").click()
    page.locator("#assessments tr", has_text="太原市小店区人民医院").get_by_role("link", name="查看").click()
    for name, score in scores.items():
        row = page.locator("#products tbody tr", has_text=name)
        expect(row).to_contain_text(floatformat(score.score, -2))
        expect(row).to_contain_text(percent(score.retention_ratio))
    page.get_by_role("link", name="落实集采政策评分", exact=True).click()
    expect(page.locator("#item-prepayment")).to_contain_text("未见预付凭证")
    expect(page.locator("#item-prepayment")).to_contain_text("已电话核实")
    expect(page.locator("#total")).to_have_text("25")
