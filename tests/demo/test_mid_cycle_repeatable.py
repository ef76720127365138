"""`load_demo --reviewed` twice gives the same mid-cycle rows (by codes and values, not ids, times or random file
names), another seed other rows; at the bench scale `--reviewed` reviews the walk's two hospitals only."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from vbp.accounts.models import User
from vbp.appeals.models import Appeal, AppealMessage
from vbp.assessment.models import Answer, Assessment, ProductScore
from vbp.audit.models import AuditEvent
from vbp.demo import generate
from vbp.funding.models import AmountSheet, PayRatio, PoolVisits, ProductAmount, VisitReport
from vbp.notices.models import Notice

pytestmark = pytest.mark.django_db


def digest() -> str:
    """A fingerprint of the mid-cycle rows, by codes and values."""
    parts = [
        User.objects.order_by("username").values_list("username", "role", "region__code", "hospital__code"),
        Assessment.objects.order_by("hospital__code", "batch__code").values_list(
            "hospital__code",
            "batch__code",
            "rule_set__code",
            "status",
            "part1_review",
            "part2_review",
            "version",
            "part1_reviewer__username",
            "part2_reviewer__username",
        ),
        Answer.objects.order_by(
            "assessment__hospital__code", "assessment__batch__code", "item", "product__variety_code"
        ).values_list(
            "assessment__hospital__code",
            "assessment__batch__code",
            "item",
            "product__variety_code",
            "inputs",
            "self_points",
            "decision",
            "reason",
            "reviewer__username",
        ),
        ProductScore.objects.order_by(
            "assessment__hospital__code", "product__batch__code", "product__variety_code"
        ).values_list(
            "assessment__hospital__code", "product__variety_code", "score", "vetoed", "retention_ratio", "bureau_score"
        ),
        VisitReport.objects.order_by("hospital__code").values_list(
            "hospital__code", "total_visits", "status", "employee_basis", "resident_basis", "version"
        ),
        PoolVisits.objects.order_by("report__hospital__code", "pool__code").values_list(
            "report__hospital__code", "pool__code", "visits", "status", "entered_by__username"
        ),
        PayRatio.objects.order_by("batch__code").values_list("batch__code", "percent", "status"),
        AmountSheet.objects.order_by("hospital__code", "batch__code").values_list(
            "hospital__code",
            "batch__code",
            "status",
            "payable_total",
            "employee_amount",
            "resident_amount",
            "pool_amounts",
            "confirmed_by__username",
            "version",
        ),
        ProductAmount.objects.order_by(
            "sheet__hospital__code", "product__batch__code", "product__variety_code"
        ).values_list("sheet__hospital__code", "product__variety_code", "payable_amount", "surplus"),
        Appeal.objects.order_by("hospital__code", "title").values_list("hospital__code", "title", "status", "version"),
        AppealMessage.objects.order_by("appeal__hospital__code", "pk").values_list("appeal__title", "kind", "text"),
        Notice.objects.order_by("title").values_list("title", "status", "pinned", "whole_province", "version"),
        AuditEvent.objects.order_by("kind", "object_type", "message", "username").values_list(
            "kind", "object_type", "message", "username"
        ),
    ]
    fingerprint = hashlib.sha256()
    for rows in parts:
        for row in rows:
            fingerprint.update(repr(row).encode())
    return fingerprint.hexdigest()


def loaded_digest(*options) -> str:
    with transaction.atomic():
        call_command("load_demo", "--reviewed", "--orders", "2000", *options, stdout=StringIO())
        fingerprint = digest()
        transaction.set_rollback(True)
    return fingerprint


def test_two_loads_give_the_same_rows_and_another_seed_other_rows():
    first = loaded_digest()
    assert loaded_digest() == first
    assert loaded_digest("--seed", "7") != first


def test_at_the_bench_scale_reviewed_only_reviews_the_walk(monkeypatch):
    small = generate.Scale(
        hospitals=len(generate.DEMO_HOSPITALS), products_per_batch=None, every_product=False, code_digits=2
    )
    monkeypatch.setitem(generate.SCALES, "bench", small)  # the bench scale's branch, without its million records
    out = StringIO()
    call_command("load_demo", "--scale", "bench", "--reviewed", "--orders", "0", stdout=out)
    assert "考核周期中途的演示数据只在 demo 规模载入" in out.getvalue()
    assert Assessment.objects.count() == 2 and not Notice.objects.exists() and not PayRatio.objects.exists()
