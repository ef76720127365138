"""`load_demo --reviewed` (what `make run` loads): the demo hospitals' scores reviewed, ready for the funding steps."""

from io import StringIO

import pytest
from django.core.management import call_command

from vbp.accounts.models import User
from vbp.assessment.models import Assessment, ProductScore
from vbp.catalog.models import Batch
from vbp.funding import services as funding

pytestmark = pytest.mark.django_db


def test_the_demo_hospitals_come_with_both_reviews_submitted_and_scores_stored():
    out = StringIO()
    call_command("load_demo", "--reviewed", stdout=out)
    assert "已提交并审核 2 家演示医疗机构" in out.getvalue()
    batch = Batch.objects.get(name="国家第一批集中带量采购")
    for name in ("demo_hospital", "demo_hospital2"):
        hospital = User.objects.get(username=name).hospital
        assessment = Assessment.objects.get(hospital=hospital, batch=batch, year=2024)
        assert (assessment.part1_review, assessment.part2_review) == ("done", "done")
        assert ProductScore.objects.filter(assessment=assessment).count() == assessment.scores.count() > 0
        assert assessment.attachments.get().file_name == "卫生健康财务报表.pdf"
        missing = funding.gather_inputs(hospital, batch, 2024).missing
        assert missing[0] == "本批次医保基金平均支付比例未提交"  # the walk goes on from here
    assert Assessment.objects.count() == 2
