"""The bureaus' review pages and the 查看 pages, through real requests: who sees which rows, 通过/驳回, 提交, 退回重审.

State is built through the services (fill, attach, submit), as a hospital would make it.
"""

import io
import re

import openpyxl
import pytest
from django.template.defaultfilters import floatformat
from django.urls import reverse

from vbp import permissions
from vbp.accounts.models import Role, User
from vbp.assessment import scoring, selectors, services
from vbp.assessment.models import Answer, Assessment, ProductScore
from vbp.catalog.models import Batch, Hospital
from vbp.rulesets.models import RuleSetVersion
from vbp.ui.export import HEADER_ROWS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

BATCH = "国家第一批集中带量采购"
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
PASS, REJECT = Answer.Decision.PASS, Answer.Decision.REJECT


def user(name: str) -> User:
    return User.objects.get(username=name)


def seen(assessment) -> int:
    """The version a page would show now: what a caller acting on the current state passes."""
    return Assessment.objects.values_list("version", flat=True).get(pk=assessment.pk)


def hospital_user(hospital_name: str, make_user) -> User:
    """The demo's own hospital accounts, or a new one for any other hospital."""
    hospital = Hospital.objects.get(name=hospital_name)
    existing = User.objects.filter(role=Role.HOSPITAL, hospital=hospital).first()
    return existing or make_user(f"h{hospital.pk}", role=Role.HOSPITAL, hospital=hospital)


def submit_self_assessment(account: User, batch: str = BATCH) -> Assessment:
    """A hospital fills Part 1, attaches its report and submits: what the review pages start from."""
    assessment = services.open_assessment(account, account.hospital, Batch.objects.get(name=batch), 2024)
    services.save_answers(account, assessment, PART1, version=seen(assessment))
    assessment.attachments.create(
        item="drug_cost_growth",
        file_name="卫生健康财务报表.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        stored_as=f"review-test-{assessment.pk}",
        uploaded_by=account,
    )
    return services.submit_assessment(account, assessment, version=seen(assessment))


@pytest.fixture
def submitted():
    return submit_self_assessment(user("demo_hospital"))


def review_part1(assessment: Assessment, reviewer: str = "demo_city", reject: str = "") -> Assessment:
    for answer in assessment.answers.filter(product=None):
        if reject and answer.item == reject:
            services.review_answer(user(reviewer), answer, REJECT, "未见预付凭证", version=seen(assessment))
        else:
            services.review_answer(user(reviewer), answer, PASS, version=seen(assessment))
    return services.submit_review(user(reviewer), Assessment.objects.get(pk=assessment.pk), 1, version=seen(assessment))


def signed_in(client, name: str):
    client.force_login(user(name))
    return client


def listed(html: str) -> int:
    return int(re.search(r"共 (\d+) 条", html).group(1))


def exported(response) -> list[tuple]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    return list(sheet.iter_rows(min_row=HEADER_ROWS + 2, values_only=True))


def page_text(response) -> str:
    return response.content.decode()


# --- lists ------------------------------------------------------------------------------------------------------


@pytest.fixture
def across_the_province(make_user, submitted):
    """Submitted assessments of a 小店区 hospital, another 太原市 hospital, a province-direct one and a 大同市 one,
    and a draft that is not yet anyone's to review."""
    names = ("太原市中心医院", "山西省人民医院", "大同市第三人民医院")
    others = [submit_self_assessment(hospital_user(name, make_user)) for name in names]
    draft_user = hospital_user("太原市人民医院", make_user)
    services.open_assessment(draft_user, draft_user.hospital, Batch.objects.get(name=BATCH), 2024)
    return [submitted, *others]


REVIEWS = {
    "demo_city": {"太原市小店区人民医院", "太原市中心医院"},
    "demo_district": {"太原市小店区人民医院"},
    "demo_province": {"山西省人民医院"},  # province-direct hospitals are the province's to review
    "demo_city2": {"大同市第三人民医院"},
}


@pytest.mark.parametrize("url", ["/assessment/review/policy/", "/assessment/review/tasks/"])
@pytest.mark.parametrize("name", list(REVIEWS))
def test_the_review_lists_hold_only_the_submitted_assessments_the_user_reviews(client, across_the_province, url, name):
    signed_in(client, name)

    assert listed(page_text(client.get(url))) == len(REVIEWS[name])
    assert {row[1] for row in exported(client.get(url, {"export": "1"}))} == REVIEWS[name]


def test_the_review_list_filters_by_name_status_and_batch(client, across_the_province):
    signed_in(client, "demo_city")
    review_part1(across_the_province[0])
    url = reverse("assessment:review_policy")

    assert listed(page_text(client.get(url, {"name": "中心医院"}))) == 1
    assert [row[1] for row in exported(client.get(url, {"status": "done", "export": "1"}))] == ["太原市小店区人民医院"]
    assert [row[1] for row in exported(client.get(url, {"status": "pending", "export": "1"}))] == ["太原市中心医院"]
    assert listed(page_text(client.get(url, {"batch": "GJ-2020-03"}))) == 0


def test_the_selector_of_reviewed_assessments_agrees_with_the_service_rule():
    draft = Batch.objects.get(name=BATCH)
    Assessment.objects.bulk_create(
        Assessment(hospital=hospital, batch=draft, year=2024, rule_set_id=draft.rule_set_id)
        for hospital in Hospital.objects.all()
    )
    for account in User.objects.exclude(role=""):
        listed_ids = set(
            Assessment.objects.visible_to(account)
            .filter(selectors.reviewer_filter(account))
            .values_list("hospital_id", flat=True)
        )
        expected = {h.pk for h in Hospital.objects.all() if permissions.reviews_hospital(account, h)}
        assert listed_ids == expected, account.username


VIEWS = {
    "demo_province": {"太原市小店区人民医院", "太原市中心医院", "山西省人民医院", "大同市第三人民医院"},
    "demo_city": {"太原市小店区人民医院", "太原市中心医院", "山西省人民医院"},  # 省直属 hospitals stand in 太原市
    "demo_district": {"太原市小店区人民医院"},
    "demo_city2": {"大同市第三人民医院"},
    "demo_hospital": {"太原市小店区人民医院"},
    "demo_hospital2": {"大同市第三人民医院"},
}


@pytest.mark.parametrize("url", ["/assessment/review/view/policy/", "/assessment/review/view/tasks/"])
@pytest.mark.parametrize("name", list(VIEWS))
def test_the_view_lists_hold_only_what_the_user_may_see(client, across_the_province, url, name):
    signed_in(client, name)

    assert listed(page_text(client.get(url))) == len(VIEWS[name])
    assert {row[1] for row in exported(client.get(url, {"export": "1"}))} == VIEWS[name]


def test_the_view_list_filters_by_city_district_name_and_status(client, across_the_province):
    signed_in(client, "demo_province")
    url = reverse("assessment:view_policy")

    def names(**query):
        return {row[1] for row in exported(client.get(url, {**query, "export": "1"}))}

    assert names(city="140200") == {"大同市第三人民医院"}
    assert names(district="140105") == {"太原市小店区人民医院"}
    assert names(city="140100", name="人民医院") == {"太原市小店区人民医院", "山西省人民医院"}
    assert names(status="done") == set()
    review_part1(across_the_province[0])
    assert names(status="done") == {"太原市小店区人民医院"}


def test_the_remote_platform_and_the_administrators_find_no_review_or_view_pages(client, submitted):
    for name in ("demo_platform", "demo_auditor", "demo_hospital"):
        signed_in(client, name)
        assert client.get(reverse("assessment:review_policy")).status_code == 404
        assert client.get(reverse("assessment:review_policy_detail", args=[submitted.pk])).status_code == 404
    signed_in(client, "demo_platform")
    assert client.get(reverse("assessment:view_policy")).status_code == 404


def test_another_citys_assessment_is_not_found(client, submitted):
    signed_in(client, "demo_city2")
    assert client.get(reverse("assessment:review_policy_detail", args=[submitted.pk])).status_code == 404
    assert client.get(reverse("assessment:view_policy_detail", args=[submitted.pk])).status_code == 404
    signed_in(client, "demo_hospital2")
    assert client.get(reverse("assessment:view_task_products", args=[submitted.pk])).status_code == 404


def test_a_draft_is_nobodys_to_review_yet(client):
    account = user("demo_hospital")
    draft = services.open_assessment(account, account.hospital, Batch.objects.get(name=BATCH), 2024)
    signed_in(client, "demo_city")
    assert client.get(reverse("assessment:review_policy_detail", args=[draft.pk])).status_code == 404


# --- Part 1: item by item -------------------------------------------------------------------------------------


def decide(client, assessment, item: str, decision: str, reason: str = "", version=None, remark: str = ""):
    answer = Answer.objects.get(assessment=assessment, item=item, product=None)
    version = Assessment.objects.get(pk=assessment.pk).version if version is None else version
    return client.post(
        reverse("assessment:review_answer", args=[assessment.pk, answer.pk]),
        {"decision": decision, "reason": reason, "remark": remark, "version": version},
        follow=True,
    )


def test_the_detail_shows_each_item_its_rule_the_answer_and_the_attachment(client, submitted):
    html = page_text(
        signed_in(client, "demo_city").get(reverse("assessment:review_policy_detail", args=[submitted.pk]))
    )

    assert "货款预付" in html
    assert all(choice in html for choice in ("完成 20分", "部分完成 10分", "未进行 0分"))  # PostgreSQL's jsonb reorders
    assert "本年门诊次均药品费用（A，元）：95.5" in html
    assert "卫生健康财务报表.pdf" in html
    assert html.count('name="decision" value="reject"') == 5
    assert 'id="total">45<' in html


def test_rejecting_an_item_needs_a_reason(client, submitted):
    signed_in(client, "demo_city")

    html = page_text(decide(client, submitted, "prepayment", "reject", "  "))

    assert "驳回须填写驳回原因" in html
    assert Answer.objects.get(assessment=submitted, item="prepayment").decision == ""


def test_a_rejected_item_counts_zero_and_shows_its_reason(client, submitted):
    signed_in(client, "demo_city")

    html = page_text(decide(client, submitted, "prepayment", "reject", "未见预付凭证"))

    assert "货款预付：已驳回" in html
    assert "未见预付凭证" in html
    assert 'id="total">25<' in html


def test_a_remark_on_an_item_is_kept_shown_to_the_hospital_and_exported(client, submitted):
    signed_in(client, "demo_city")
    remark = "已核对银行回单，预付比例为50%"

    html = page_text(decide(client, submitted, "prepayment", "pass", remark=remark))

    assert "货款预付：已通过" in html and f'value="{remark}"' in html and "<th>备注</th>" in html
    assert Answer.objects.get(assessment=submitted, item="prepayment").remark == remark
    rows = exported(client.get(reverse("assessment:review_policy"), {"export": "xlsx"}))
    assert [row[9] for row in rows] == [f"货款预付：{remark}"]  # 备注, after 审核提交时间
    signed_in(client, "demo_hospital")
    view = page_text(client.get(reverse("assessment:view_policy_detail", args=[submitted.pk])))
    assert remark in view and 'name="remark"' not in view
    page = page_text(client.get(reverse("assessment:self_assessment", args=[submitted.batch_id, 2024])))
    assert remark in page


def test_a_stale_page_is_told_to_refresh(client, submitted):
    signed_in(client, "demo_city")
    seen = Assessment.objects.get(pk=submitted.pk).version
    decide(client, submitted, "prepayment", "pass", version=seen)

    html = page_text(decide(client, submitted, "price_violations", "pass", version=seen))

    assert "该考核已被他人修改（或已提交），请刷新页面后查看最新状态。" in html
    assert Answer.objects.get(assessment=submitted, item="price_violations").decision == ""


def test_submitting_needs_every_item_reviewed_then_is_final(client, submitted):
    signed_in(client, "demo_city")
    url = reverse("assessment:review_submit", args=[submitted.pk, 1])
    decide(client, submitted, "prepayment", "reject", "未见预付凭证")

    html = page_text(client.post(url, {"version": Assessment.objects.get(pk=submitted.pk).version}, follow=True))
    assert "还有 4 项未审核" in html

    for item in ("drug_cost_growth", "policy_violations", "price_violations", "circulation_violations"):
        decide(client, submitted, item, "pass")
    page = page_text(client.get(reverse("assessment:review_policy_detail", args=[submitted.pk])))
    assert 'data-confirm="提交后得分不能修改，确定提交？"' in page
    html = page_text(client.post(url, {"version": Assessment.objects.get(pk=submitted.pk).version}, follow=True))

    assert "落实集采政策评分审核已提交" in html
    assert 'name="decision"' not in html
    assert Assessment.objects.get(pk=submitted.pk).part1_review == Assessment.Review.DONE
    assert "不能修改" in page_text(decide(client, submitted, "prepayment", "pass"))
    assert Answer.objects.get(assessment=submitted, item="prepayment").decision == REJECT


# --- Part 2: products ------------------------------------------------------------------------------------------


def test_part_2_stays_closed_until_part_1_is_submitted(client, submitted):
    signed_in(client, "demo_city")
    products = reverse("assessment:review_task_products", args=[submitted.pk])
    product = services.products_of(submitted.hospital, submitted.batch, 2024).first()

    assert "落实集采政策评分审核提交后，才能审核集采任务完成情况" in page_text(client.get(products))
    assert "请先审核落实集采政策评分" in page_text(client.get(reverse("assessment:review_tasks")))
    detail = client.get(reverse("assessment:review_task_product", args=[submitted.pk, product.pk]))
    assert detail.status_code == 302 and detail["Location"] == products
    submit = reverse("assessment:review_submit", args=[submitted.pk, 2])
    html = page_text(client.post(submit, {"version": 99}, follow=True))
    assert Assessment.objects.get(pk=submitted.pk).part2_review == Assessment.Review.WAITING
    assert "请刷新页面" in html or "才能审核集采任务完成情况" in html


def test_the_review_list_export_names_its_filters_as_the_form_shows_them(client, across_the_province):
    signed_in(client, "demo_city")
    query = {"batch": Batch.objects.get(name=BATCH).code, "status": "pending", "export": "1"}

    sheet = openpyxl.load_workbook(io.BytesIO(client.get(reverse("assessment:review_policy"), query).getvalue())).active

    assert sheet.cell(1, 1).value == "落实集采政策评分审核"
    assert sheet.cell(5, 1).value == f"筛选条件：带量批次 {BATCH}；审核状态 待审核"
    year = sheet.cell(HEADER_ROWS + 2, 6)
    assert (year.value, year.number_format) == (2024, "0")  # a year, not 2,024


def test_the_product_list_shows_each_products_score_and_ratio_from_the_core(client, submitted):
    assessment = review_part1(submitted, reject="prepayment")
    signed_in(client, "demo_city")

    html = page_text(client.get(reverse("assessment:review_task_products", args=[assessment.pk])))

    results = services.product_results(assessment)
    assert listed(html) == len(results)
    for result in results:
        assert result["product"].generic_name in html
    first = results[0]
    assert first["core"].part1 == 25
    export = exported(client.get(reverse("assessment:review_task_products", args=[assessment.pk]), {"export": "1"}))
    assert [(row[2], row[9]) for row in export] == [(r["product"].generic_name, float(r["score"])) for r in results]
    assert [row[11] for row in export] == [float(r["ratio"]) for r in results]  # a number, shown as a percent


def test_the_product_list_filters_by_company_generic_name_and_batch_kind(client, submitted):
    assessment = review_part1(submitted)
    signed_in(client, "demo_city")
    url = reverse("assessment:review_task_products", args=[assessment.pk])

    assert listed(page_text(client.get(url, {"generic": "他汀"}))) == 2
    assert listed(page_text(client.get(url, {"company": "华海"}))) == 2
    assert listed(page_text(client.get(url, {"kind": "provincial"}))) == 0
    assert listed(page_text(client.get(url, {"kind": "national"}))) == len(services.product_results(assessment))


def test_a_consumables_batch_speaks_of_consumables(client, make_user):
    stents = Batch.objects.get(category=Batch.Category.CONSUMABLE)
    hospital = (
        Hospital.objects.filter(platformrecord__product__batch=stents, city__code="140100", province_direct=False)
        .distinct()
        .first()
    )
    assessment = review_part1(submit_self_assessment(hospital_user(hospital.name, make_user), stents.name))
    signed_in(client, "demo_city")
    url = reverse("assessment:review_task_products", args=[assessment.pk])

    html = page_text(client.get(url))
    headers = openpyxl.load_workbook(io.BytesIO(client.get(url, {"export": "xlsx"}).getvalue())).active[HEADER_ROWS + 1]

    assert "耗材通用名" in html and "规格型号" in html and "药品" not in html.split("<h1>")[1].split("</table>")[0]
    assert "耗材通用名" in [cell.value for cell in headers] and "药品剂型" not in [cell.value for cell in headers]
    assert listed(html) == services.products_of(hospital, stents, 2024).count()


def test_a_products_platform_items_and_veto_are_shown_read_only_with_their_figures(client, submitted):
    assessment = review_part1(submitted)
    signed_in(client, "demo_city")
    result = services.product_results(assessment)[0]

    html = page_text(client.get(reverse("assessment:review_task_product", args=[assessment.pk, result["product"].pk])))

    assert "约定采购量完成" in html and "一票否决" in html
    assert "实际采购量：" in html and "约定采购量：" in html
    assert "30天回款率" in html and "平台提供，无需审核" in html
    assert 'name="decision"' not in html  # the shanxi scheme has no self-reported Part 2 item
    assert f'id="score">{floatformat(result["score"], -2)}<' in html


def test_submitting_part_2_stores_the_scores_and_the_hospital_sees_them(client, submitted):
    assessment = review_part1(submitted, reject="prepayment")
    signed_in(client, "demo_city")
    url = reverse("assessment:review_submit", args=[assessment.pk, 2])

    html = page_text(client.post(url, {"version": Assessment.objects.get(pk=assessment.pk).version}, follow=True))

    assert "集采任务完成情况评分审核已提交" in html
    scores = ProductScore.objects.filter(assessment=assessment)
    assert scores.count() == services.products_of(assessment.hospital, assessment.batch, 2024).count()
    signed_in(client, "demo_hospital")
    view = page_text(client.get(reverse("assessment:view_task_products", args=[assessment.pk])))
    assert "已审核" in view
    for score in scores:
        assert score.product.generic_name in view
    policy = page_text(client.get(reverse("assessment:view_policy_detail", args=[assessment.pk])))
    assert "未见预付凭证" in policy and 'name="decision"' not in policy


# --- 退回重审 -----------------------------------------------------------------------------------------------------


def test_only_the_province_reopens_with_a_reason_and_everyone_concerned_sees_it(client, submitted):
    assessment = review_part1(submitted)
    url = reverse("assessment:review_reopen", args=[assessment.pk, 1])
    for name in ("demo_city", "demo_district", "demo_hospital"):
        signed_in(client, name)
        assert client.post(url, {"reason": "复核"}).status_code == 404
    signed_in(client, "demo_province")
    view = page_text(client.get(reverse("assessment:view_policy_detail", args=[assessment.pk])))
    assert "退回重审" in view and "data-confirm=" in view
    assert f'name="version" value="{seen(assessment)}"' in view

    assert "须填写原因" in page_text(client.post(url, {"reason": " ", "version": seen(assessment)}, follow=True))
    assert "请刷新页面" in page_text(client.post(url, {"reason": "附件与填报不符"}, follow=True))  # no version: stale
    assert Assessment.objects.get(pk=assessment.pk).part1_review == Assessment.Review.DONE
    html = page_text(client.post(url, {"reason": "附件与填报不符", "version": seen(assessment)}, follow=True))

    assert "已退回重审" in html
    assert Assessment.objects.get(pk=assessment.pk).part1_review == Assessment.Review.PENDING
    signed_in(client, "demo_city")
    review = page_text(client.get(reverse("assessment:review_policy_detail", args=[assessment.pk])))
    assert "附件与填报不符" in review and 'name="decision"' in review
    signed_in(client, "demo_hospital")
    assert "附件与填报不符" in page_text(client.get(reverse("assessment:view_policy_detail", args=[assessment.pk])))


def test_the_reopen_form_is_the_provinces_alone(client, submitted):
    assessment = review_part1(submitted)
    signed_in(client, "demo_city")
    assert "退回重审" not in page_text(client.get(reverse("assessment:view_policy_detail", args=[assessment.pk])))


# --- menus -----------------------------------------------------------------------------------------------------


MENUS = [
    ("demo_city", ["落实集采政策评分审核", "集采任务完成情况评分审核", "评分查看"]),
    ("demo_hospital", ["评分查看"]),
    ("demo_platform", []),
    ("demo_auditor", []),
]


@pytest.mark.parametrize(("name", "expected"), MENUS)
def test_the_menu_offers_review_to_bureaus_and_viewing_to_hospitals(client, name, expected):
    html = page_text(signed_in(client, name).get("/"))
    nav = re.search(r"<nav>(.*?)</nav>", html, re.S).group(1)
    shown = [label for label in ("落实集采政策评分审核", "集采任务完成情况评分审核", "评分查看") if label in nav]
    assert shown == expected


# --- a scheme whose Part 2 items the hospital reports (Wuhan) ---------------------------------------------------------


def test_self_reported_part_2_items_are_reviewed_on_their_products_page(client):
    batch = Batch.objects.get(name=BATCH)
    Batch.objects.filter(pk=batch.pk).update(rule_set=RuleSetVersion.objects.get(code="wuhan"))
    account = user("demo_hospital")
    assessment = services.open_assessment(account, account.hospital, Batch.objects.get(pk=batch.pk), 2024)
    rule_set = scoring.rule_set_for(assessment)
    products = list(services.products_of(account.hospital, batch, 2024))
    answers = {
        (item.code, product.pk): {item.rule.input: str(item.points)}
        for product in products
        for item in scoring.reviewed_items(rule_set, 2)
    }
    services.save_answers(account, assessment, answers, version=seen(assessment))
    assessment = services.submit_assessment(account, assessment, version=seen(assessment))
    # the Wuhan scheme has no Part 1 item
    assessment = services.submit_review(user("demo_city"), assessment, 1, version=seen(assessment))
    signed_in(client, "demo_city")
    product = products[0]
    page = reverse("assessment:review_task_product", args=[assessment.pk, product.pk])

    assert page_text(client.get(page)).count('name="decision" value="reject"') == len(rule_set.items)
    answer = Answer.objects.get(assessment=assessment, product=product, item="payment_30d")
    post = reverse("assessment:review_answer", args=[assessment.pk, answer.pk])
    version = Assessment.objects.get(pk=assessment.pk).version
    refused = page_text(client.post(post, {"decision": "reject", "version": version}, follow=True))
    assert "驳回须填写驳回原因" in refused
    html = page_text(
        client.post(post, {"decision": "reject", "reason": "回款凭证不全", "version": version}, follow=True)
    )
    assert "30天回款率得分：已驳回" in html and "回款凭证不全" in html
    assert 'id="score">80<' in html  # 100 less the rejected 20

    submit = reverse("assessment:review_submit", args=[assessment.pk, 2])
    version = Assessment.objects.get(pk=assessment.pk).version
    undecided = len(products) * len(rule_set.items) - 1
    assert f"还有 {undecided} 项未审核" in page_text(client.post(submit, {"version": version}, follow=True))
