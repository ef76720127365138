"""The path from a self-assessment to computable amounts, through the services people use (shared by tests).

Each step is what one role does on its page: the hospital fills and submits, its bureau reviews
both parts, the province sets and submits the batch's payment ratio, the hospital enters its
total visits with proof, and each party enters and submits its pools' visits.
"""

from __future__ import annotations

from vbp import permissions
from vbp.accounts.models import Role, User
from vbp.assessment import services as assessment_services
from vbp.assessment.models import Assessment
from vbp.catalog.models import Batch, Hospital
from vbp.funding import services
from vbp.funding.models import Entry, VisitProof, VisitReport

YEAR = 2024
BATCH = "国家第一批集中带量采购"
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


def hospital_account(hospital: Hospital) -> User:
    """The hospital's own account (the demo has two; others get one made like the system administrator would)."""
    account = User.objects.filter(role=Role.HOSPITAL, hospital=hospital).first()
    if account is None:
        account = User.objects.create_user(
            f"h_{hospital.code}",
            password="Hosp-2024!x",
            role=Role.HOSPITAL,
            hospital=hospital,
            must_change_password=False,
        )
    return account


def reviewer_of(hospital: Hospital) -> User:
    """The bureau that reviews and confirms: the province for a province-direct hospital, else the city bureau."""
    if hospital.province_direct:
        return user("demo_province")
    account = User.objects.filter(role=Role.CITY, region=hospital.city).first()
    if account is None:
        account = User.objects.create_user(
            f"c_{hospital.city.code}",
            password="City-2024!x",
            role=Role.CITY,
            region=hospital.city,
            must_change_password=False,
        )
    return account


def reviewed(hospital: Hospital, batch_name: str = BATCH, year: int = YEAR) -> Assessment:
    """The hospital's assessment, submitted with a full Part 1, both parts reviewed (every item passed)."""
    account, reviewer = hospital_account(hospital), reviewer_of(hospital)
    batch = Batch.objects.get(name=batch_name)
    assessment = assessment_services.open_assessment(account, hospital, batch, year)
    assessment = assessment_services.save_answers(account, assessment, PART1, version=assessment.version)
    assessment.attachments.create(
        item="drug_cost_growth",
        file_name="报表.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        stored_as=f"steps-{assessment.pk}",
        uploaded_by=account,
    )
    assessment = assessment_services.submit_assessment(account, assessment, version=assessment.version)
    for answer in assessment.answers.filter(product=None):
        assessment_services.review_answer(reviewer, answer, "pass", version=_current(assessment))
    assessment = assessment_services.submit_review(reviewer, assessment, 1, version=_current(assessment))
    for answer in assessment.answers.exclude(product=None):
        assessment_services.review_answer(reviewer, answer, "pass", version=_current(assessment))
    return assessment_services.submit_review(reviewer, assessment, 2, version=_current(assessment))


def _current(assessment: Assessment) -> int:
    """The assessment's version now (each review of an answer moves it on), as the reviewer's page shows it."""
    assessment.refresh_from_db(fields=["version"])
    return assessment.version


def pay_ratio(batch_name: str = BATCH, percent: int = 70, year: int = YEAR) -> None:
    """The province sets and submits the batch's payment ratio (its recalculation is queued, not run here)."""
    batch = Batch.objects.get(name=batch_name)
    version = services.find_pay_ratio(batch, year).version
    ratio = services.save_pay_ratio(user("demo_province"), batch, year, percent, version=version)
    services.submit_pay_ratio(user("demo_province"), batch, year, version=ratio.version)


def total_visits(hospital: Hospital, total: int, year: int = YEAR) -> VisitReport:
    """The hospital enters and submits its last-year total, with a proof on file."""
    account = hospital_account(hospital)
    report = services.visit_report(hospital, year)
    report = services.save_total_visits(account, report, total, version=report.version)
    VisitProof.objects.create(
        report=report,
        file_name="住院人次.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        stored_as=f"proof-{report.pk}",
        uploaded_by=account,
    )
    return services.submit_total_visits(account, report, version=report.version)


def pool_visits(hospital: Hospital, counts: dict[str, int], year: int = YEAR) -> VisitReport:
    """Each party enters and submits its own pools of ``counts`` ({pool name: visits})."""
    report = services.visit_report(hospital, year)
    parties = {}
    for pool in services.required_pools(hospital):
        if pool.name in counts:
            parties.setdefault(_party_account(hospital, pool), {})[pool.pk] = counts[pool.name]
    for account, entries in parties.items():
        report = services.save_pool_visits(account, report, entries, version=report.version)
        report = services.submit_pool_visits(account, report, version=report.version)
    return report


def _party_account(hospital: Hospital, pool) -> User:
    party = permissions.pool_party(hospital, pool)
    if party == Role.PROVINCE:
        return user("demo_province")
    if party == Role.REMOTE_PLATFORM:
        return user("demo_platform")
    return reviewer_of(hospital) if not hospital.province_direct else user("demo_city")


def confirm(account: User, hospital: Hospital, batch_name: str = BATCH, year: int = YEAR):
    """``account`` confirms the hospital's computed amounts, of the version it sees now."""
    batch = Batch.objects.get(name=batch_name)
    sheet = services.AmountSheet.objects.get(hospital=hospital, batch=batch, year=year)
    return services.confirm_sheet(account, hospital, batch, year, version=sheet.version)


def ready(hospital: Hospital, total: int = 1000, own: int = 800, batch_name: str = BATCH) -> Assessment:
    """A hospital whose amounts can be confirmed: reviewed, the ratio submitted, its visits submitted."""
    assessment = reviewed(hospital, batch_name)
    if not services.PayRatio.objects.filter(batch=assessment.batch, year=YEAR, status=Entry.SUBMITTED).exists():
        pay_ratio(batch_name)
    total_visits(hospital, total)
    pool_visits(hospital, {hospital.home_pool.name: own})
    return assessment
