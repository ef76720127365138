"""No lost work under concurrency: two people act on one assessment at the same moment, in real threads.

Each thread has its own database connection, so the row lock and the version check
in vbp.assessment.services are what decide; every case ends in one consistent state
and the loser is told plainly. Run on both databases; PostgreSQL is the one that
really runs the two transactions side by side (SQLite serialises writers).
"""

import pytest
from django.core.management import call_command
from threads import at_once

from vbp.accounts.models import User
from vbp.assessment import services
from vbp.assessment.models import Answer, Assessment
from vbp.catalog.models import Batch

pytestmark = pytest.mark.django_db(transaction=True)

PART1 = {
    ("prepayment", None): {"prepayment": "完成"},
    ("drug_cost_growth", None): {
        "outpatient_drug_cost": "95",
        "outpatient_drug_cost_last_year": "100",
        "inpatient_drug_cost": "1100",
        "inpatient_drug_cost_last_year": "1200",
    },
    ("policy_violations", None): {"policy_violation_count": "0"},
    ("price_violations", None): {"price_violation_count": "0"},
    ("circulation_violations", None): {"circulation_violation_count": "0"},
}


def user(name: str) -> User:
    return User.objects.get(username=name)


def seen(assessment) -> int:
    return Assessment.objects.values_list("version", flat=True).get(pk=assessment.pk)


def attach(assessment, hospital, stored_as: str) -> None:
    assessment.attachments.create(
        item="drug_cost_growth",
        file_name="报表.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        stored_as=stored_as,
        uploaded_by=hospital,
    )


@pytest.fixture
def submitted():
    call_command("load_demo", verbosity=0)
    hospital = user("demo_hospital")
    batch = Batch.objects.get(name="国家第一批集中带量采购")
    assessment = services.open_assessment(hospital, hospital.hospital, batch, 2024)
    services.save_answers(hospital, assessment, PART1, version=seen(assessment))
    attach(assessment, hospital, "concurrency")
    return services.submit_assessment(hospital, assessment, version=seen(assessment))


def winners_and_losers(outcomes):
    winners = [outcome for outcome in outcomes if isinstance(outcome, Assessment | Answer)]
    losers = [outcome for outcome in outcomes if isinstance(outcome, services.AssessmentRefused)]
    assert len(winners) + len(losers) == len(outcomes), outcomes  # nothing else went wrong
    return winners, losers


def test_a_double_clicked_submit_submits_once_and_the_second_click_is_told(submitted):
    city = user("demo_city")
    for answer in submitted.answers.all():
        services.review_answer(city, answer, Answer.Decision.PASS, version=seen(submitted))
    shown = seen(submitted)

    outcomes = at_once(*[lambda: services.submit_review(city, submitted, 1, version=shown)] * 2)

    winners, losers = winners_and_losers(outcomes)
    assert len(winners) == 1 and len(losers) == 1
    assert "刷新" in str(losers[0]) or "已提交" in str(losers[0])
    final = Assessment.objects.get(pk=submitted.pk)
    assert (final.part1_review, final.version) == (Assessment.Review.DONE, shown + 1)


def test_two_reviewers_deciding_the_same_item_leave_one_decision(submitted):
    answer = submitted.answers.get(item="prepayment")
    shown = submitted.version  # the city and the district bureau both review 小店区's hospital

    outcomes = at_once(
        lambda: services.review_answer(user("demo_city"), answer, Answer.Decision.PASS, version=shown),
        lambda: services.review_answer(
            user("demo_district"), answer, Answer.Decision.REJECT, "未见凭证", version=shown
        ),
    )

    winners, losers = winners_and_losers(outcomes)
    assert len(winners) == 1 and len(losers) == 1 and isinstance(losers[0], services.StaleAssessment)
    stored = Answer.objects.get(pk=answer.pk)
    assert stored.decision == winners[0].decision
    assert (stored.reason == "") == (stored.decision == Answer.Decision.PASS)


def test_a_save_racing_a_submit_ends_in_one_state():
    call_command("load_demo", verbosity=0)
    hospital = user("demo_hospital")
    batch = Batch.objects.get(name="国家第一批集中带量采购")
    assessment = services.open_assessment(hospital, hospital.hospital, batch, 2024)
    services.save_answers(hospital, assessment, PART1, version=seen(assessment))
    attach(assessment, hospital, "race")
    shown = seen(assessment)
    changed = {**PART1, ("prepayment", None): {"prepayment": "部分完成"}}

    outcomes = at_once(
        lambda: services.save_answers(hospital, assessment, changed, version=shown),
        lambda: services.submit_assessment(hospital, assessment, version=shown),
    )

    winners, losers = winners_and_losers(outcomes)
    assert len(winners) == 1 and len(losers) == 1
    final = Assessment.objects.get(pk=assessment.pk)
    prepayment = final.answers.get(item="prepayment").inputs["prepayment"]
    if final.status == Assessment.Status.SUBMITTED:  # the submit won: it submitted what was there before the save
        assert prepayment == "完成"
    else:  # the save won: still a draft, with the new answer
        assert prepayment == "部分完成"
