"""A head start for a new user's walk through the demo (`load_demo --reviewed`, which `make run` uses).

The two demo hospitals' self-assessments of 国家第一批 for the demo year are filled,
submitted and reviewed by their city bureaus through the same services the pages call,
so the walk can go on from reviewed scores: the province's payment ratio, the visits,
the bureau's 确认, an appeal. Nothing here computes a score or an amount itself.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from vbp.accounts.models import User
from vbp.assessment import services
from vbp.assessment.attachments import store_attachment
from vbp.assessment.models import Answer, Assessment
from vbp.catalog.models import Batch
from vbp.demo.pdf import demo_pdf
from vbp.demo.province import DATA_YEAR

BATCH = "国家第一批集中带量采购"
REVIEWS = (("demo_hospital", "demo_city"), ("demo_hospital2", "demo_city2"))  # hospital, its reviewing bureau
ANSWERS = {
    ("prepayment", None): {"prepayment": "完成"},
    ("drug_cost_growth", None): {
        "outpatient_drug_cost": "182.40",
        "outpatient_drug_cost_last_year": "190.15",
        "inpatient_drug_cost": "2315.80",
        "inpatient_drug_cost_last_year": "2290.00",
    },
    ("policy_violations", None): {"policy_violation_count": "0"},
    ("price_violations", None): {"price_violation_count": "0"},
    ("circulation_violations", None): {"circulation_violation_count": "0"},
}


def review_demo_assessments() -> int:
    """Fill, submit and review both parts for each demo hospital; the number of assessments reviewed."""
    batch = Batch.objects.get(name=BATCH)
    with transaction.atomic():
        for hospital_name, reviewer_name in REVIEWS:
            hospital, reviewer = User.objects.get(username=hospital_name), User.objects.get(username=reviewer_name)
            assessment = services.open_assessment(hospital, hospital.hospital, batch, DATA_YEAR)
            assessment = services.save_answers(hospital, assessment, ANSWERS, version=assessment.version)
            report = SimpleUploadedFile("卫生健康财务报表.pdf", demo_pdf(["Financial report 2024", "Demo data only."]))
            store_attachment(hospital, assessment, "drug_cost_growth", report, version=assessment.version)
            assessment = services.submit_assessment(hospital, assessment, version=assessment.version)
            for part in (1, 2):
                review_part(reviewer, assessment, part)
                assessment = services.submit_review(reviewer, assessment, part, version=current_version(assessment))
    return len(REVIEWS)


def review_part(reviewer, assessment: Assessment, part: int, rejected: dict[str, str] | None = None) -> None:
    """通过 each of the part's items the hospital reported (or 驳回 those in ``rejected``, item → reason), one at a
    time, each with the version the page would show."""
    rejected = rejected or {}
    for answer in assessment.answers.filter(product__isnull=(part == 1)).order_by("product", "item"):
        reason = rejected.get(answer.item, "")
        decision = Answer.Decision.REJECT if reason else Answer.Decision.PASS
        services.review_answer(reviewer, answer, decision, reason, version=current_version(assessment))


def current_version(assessment: Assessment) -> int:
    """The assessment's version as a page opened now would carry it."""
    return Assessment.objects.values_list("version", flat=True).get(pk=assessment.pk)
