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
from vbp.catalog.models import Batch
from vbp.demo.province import DATA_YEAR

BATCH = "国家第一批集中带量采购"
REVIEWS = (("demo_hospital", "demo_city"), ("demo_hospital2", "demo_city2"))  # hospital, its reviewing bureau
ANSWERS = {
    ("prepayment", None): {"prepayment": "完成"},
    ("drug_cost_growth", None): {
        "outpatient_drug_cost": "182.40", "outpatient_drug_cost_last_year": "190.15",
        "inpatient_drug_cost": "2315.80", "inpatient_drug_cost_last_year": "2290.00",
    },
    ("policy_violations", None): {"policy_violation_count": "0"},
    ("price_violations", None): {"price_violation_count": "0"},
    ("circulation_violations", None): {"circulation_violation_count": "0"},
}  # fmt: skip
REPORT = b"%PDF-1.4\n% demo financial report\n%%EOF\n"


def review_demo_assessments() -> int:
    """Fill, submit and review both parts for each demo hospital; the number of assessments reviewed."""
    batch = Batch.objects.get(name=BATCH)
    with transaction.atomic():
        for hospital_name, reviewer_name in REVIEWS:
            hospital, reviewer = User.objects.get(username=hospital_name), User.objects.get(username=reviewer_name)
            assessment = services.open_assessment(hospital, hospital.hospital, batch, DATA_YEAR)
            services.save_answers(hospital, assessment, ANSWERS)
            report = SimpleUploadedFile("卫生健康财务报表.pdf", REPORT)
            store_attachment(hospital, assessment, "drug_cost_growth", report)
            assessment = services.submit_assessment(hospital, assessment)
            for part in (1, 2):
                for answer in assessment.answers.filter(product__isnull=(part == 1)):
                    services.review_answer(reviewer, answer, "pass")
                assessment = services.submit_review(reviewer, assessment, part)
    return len(REVIEWS)
