"""The assessment path through its services: fill, submit, review item by item, submit, score, reopen."""

import datetime
import inspect
from decimal import Decimal

import pytest
from django.utils import timezone

from vbp.accounts.models import User
from vbp.assessment import services
from vbp.assessment.models import Answer, Assessment, ProductScore
from vbp.audit.models import AuditEvent
from vbp.catalog.models import Batch

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

PART1 = {
    ("prepayment", None): {"prepayment": "完成"},
    ("drug_cost_growth", None): {
        "outpatient_drug_cost": "95.5",
        "outpatient_drug_cost_last_year": "100",
        "inpatient_drug_cost": "1300",
        "inpatient_drug_cost_last_year": "1200",
    },
    ("policy_violations", None): {"policy_violation_count": "0"},
    ("price_violations", None): {"price_violation_count": "0"},
    ("circulation_violations", None): {"circulation_violation_count": "1"},
}


def user(name: str) -> User:
    return User.objects.get(username=name)


def seen(assessment) -> int:
    """The version a page would show now: what a caller acting on the current state passes."""
    return Assessment.objects.values_list("version", flat=True).get(pk=assessment.pk)


@pytest.fixture
def assessment():
    hospital_user = user("demo_hospital")
    batch = Batch.objects.get(name="国家第一批集中带量采购")
    return services.open_assessment(hospital_user, hospital_user.hospital, batch, 2024)


def attach(assessment):
    assessment.attachments.create(
        item="drug_cost_growth",
        file_name="报表.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        stored_as=f"test-{assessment.pk}",
        uploaded_by=user("demo_hospital"),
    )


def filled(assessment):
    services.save_answers(user("demo_hospital"), assessment, PART1, version=seen(assessment))
    attach(assessment)
    return services.submit_assessment(user("demo_hospital"), assessment, version=seen(assessment))


def test_answers_are_scored_by_the_core_as_they_are_saved(assessment):
    services.save_answers(user("demo_hospital"), assessment, PART1, version=seen(assessment))
    points = dict(Answer.objects.values_list("item", "self_points"))
    expected = {"prepayment": 20, "drug_cost_growth": 5, "policy_violations": 5, "price_violations": 5}
    assert points == {**expected, "circulation_violations": 0}


def test_a_malformed_answer_is_refused_with_its_item_and_nothing_is_saved(assessment):
    bad = {**PART1, ("prepayment", None): {"prepayment": "大概完成"}}
    with pytest.raises(services.AssessmentRefused, match="货款预付"):
        services.save_answers(user("demo_hospital"), assessment, bad, version=seen(assessment))
    assert not Answer.objects.exists()


def test_submitting_needs_every_item_and_the_attachment(assessment):
    services.save_answers(user("demo_hospital"), assessment, PART1, version=seen(assessment))
    with pytest.raises(services.AssessmentRefused, match="卫生健康财务报表"):
        services.submit_assessment(user("demo_hospital"), assessment, version=seen(assessment))
    attach(assessment)
    submitted = services.submit_assessment(user("demo_hospital"), assessment, version=seen(assessment))
    assert (submitted.status, submitted.part1_review) == (Assessment.Status.SUBMITTED, Assessment.Review.PENDING)
    with pytest.raises(services.AssessmentRefused, match="已提交"):
        services.save_answers(user("demo_hospital"), submitted, PART1, version=seen(submitted))


def test_nothing_can_be_filled_after_the_deadline(assessment):
    Batch.objects.filter(pk=assessment.batch_id).update(fill_deadline=timezone.now() - datetime.timedelta(hours=1))
    with pytest.raises(services.AssessmentRefused, match="已过填报截止时间"):
        services.save_answers(user("demo_hospital"), assessment, PART1, version=seen(assessment))


def decide(reviewer, answer, decision, reason="", remark=""):
    version = seen(answer.assessment)
    return services.review_answer(reviewer, answer, decision, reason, remark, version=version)


def test_the_city_bureau_reviews_rejects_with_a_reason_and_part_2_then_opens(assessment):
    assessment = filled(assessment)
    city = user("demo_city")
    answers = {answer.item: answer for answer in assessment.answers.all()}
    with pytest.raises(services.AssessmentRefused, match="驳回须填写驳回原因"):
        decide(city, answers["prepayment"], Answer.Decision.REJECT)
    with pytest.raises(services.AssessmentRefused, match="集采任务完成情况"):
        services.submit_review(city, assessment, 2, version=seen(assessment))
    decide(city, answers["prepayment"], Answer.Decision.REJECT, "未见预付凭证", "与银行流水核对")
    for code in ("drug_cost_growth", "policy_violations", "price_violations"):
        decide(city, answers[code], Answer.Decision.PASS)
    with pytest.raises(services.AssessmentRefused, match="还有 1 项未审核"):
        services.submit_review(city, assessment, 1, version=seen(assessment))
    decide(city, answers["circulation_violations"], Answer.Decision.PASS)

    assessment = services.submit_review(city, assessment, 1, version=seen(assessment))
    assert assessment.part2_review == Assessment.Review.PENDING
    assert Answer.objects.get(pk=answers["prepayment"].pk).remark == "与银行流水核对"
    assessment = services.submit_review(city, assessment, 2, version=seen(assessment))

    scores = ProductScore.objects.filter(assessment=assessment)
    assert scores.exists()
    for score in scores:  # Part 1: prepayment rejected (0) + 5 + 5 + 5 + 0 = 15
        assert score.part1 == Decimal(15)
        assert score.score == score.part1 + score.part2
        assert score.rule_set_id == assessment.rule_set_id
        bands = Decimal("0.5") if score.score >= 80 else Decimal("0.4") if score.score >= 60 else Decimal(0)
        assert score.retention_ratio == (0 if score.vetoed else bands)


def test_only_the_reviewing_bureau_reviews(assessment):
    assessment = filled(assessment)
    answer = assessment.answers.first()
    for name in ("demo_city2", "demo_province", "demo_hospital", "demo_platform", "demo_auditor"):
        with pytest.raises(services.AssessmentRefused):
            decide(user(name), answer, Answer.Decision.PASS)


def test_a_stale_page_is_told_plainly(assessment):
    shown = assessment.version
    services.save_answers(user("demo_hospital"), assessment, PART1, version=shown)
    with pytest.raises(services.StaleAssessment, match="请刷新页面"):
        services.save_answers(user("demo_hospital"), assessment, PART1, version=shown)


def test_every_verb_requires_the_version_the_user_saw(assessment):
    for verb in (services.save_answers, services.submit_assessment, services.submit_review, services.reopen_review):
        assert inspect.signature(verb).parameters["version"].default is inspect.Parameter.empty, verb.__name__
    assert inspect.signature(services.review_answer).parameters["version"].default is inspect.Parameter.empty


def test_only_the_province_reopens_with_a_reason_and_it_is_audited(assessment):
    assessment = filled(assessment)
    city = user("demo_city")
    for answer in assessment.answers.all():
        decide(city, answer, Answer.Decision.PASS)
    assessment = services.submit_review(city, assessment, 1, version=seen(assessment))
    with pytest.raises(services.AssessmentRefused, match="只有省医保局"):
        services.reopen_review(city, assessment, 1, "复核", version=seen(assessment))
    with pytest.raises(services.AssessmentRefused, match="须填写原因"):
        services.reopen_review(user("demo_province"), assessment, 1, " ", version=seen(assessment))

    assessment = services.reopen_review(
        user("demo_province"), assessment, 1, "附件与填报不符", version=seen(assessment)
    )

    Review = Assessment.Review
    assert (assessment.part1_review, assessment.part2_review) == (Review.PENDING, Review.WAITING)
    assert assessment.reopens.get().reason == "附件与填报不符"
    assert AuditEvent.objects.filter(message__contains="附件与填报不符", username="demo_province").exists()
