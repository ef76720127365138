"""工作台 on the home page: the cycle's state per region and this quarter's monitoring flags, each user's own only."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Q

from vbp.accounts.models import User
from vbp.assessment.models import Assessment
from vbp.catalog.models import Hospital
from vbp.funding.models import AmountSheet
from vbp.monitoring.models import OrderLineFigure, ProgressFigure
from vbp.web.workbench import workbench

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def mid_cycle(django_db_setup, django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", "--reviewed", "--orders", "3000", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.mark.parametrize(
    ("username", "label", "rows"),
    [("demo_province", "地市", 11), ("demo_city", "区县", None), ("demo_hospital", "医疗机构", 1)],
)
def test_the_cycle_per_region_adds_up_to_what_the_user_oversees(mid_cycle, username, label, rows):
    user = User.objects.get(username=username)

    bench = workbench(user)

    assert bench.label == label and bench.year == 2024
    if rows is not None:
        assert len(bench.rows) == rows
    assessments = Assessment.objects.visible_to(user).filter(year=2024)
    done = assessments.filter(part1_review=Assessment.Review.DONE, part2_review=Assessment.Review.DONE)
    sheets = AmountSheet.objects.visible_to(user).filter(year=2024)
    confirmed = sheets.filter(status=AmountSheet.Status.CONFIRMED)
    total = bench.total
    assert (total.assessments, total.reviewed) == (assessments.count(), done.count())
    assert (total.sheets, total.confirmed) == (sheets.count(), confirmed.count())
    assert total.retained == sum(sheet.retained_total for sheet in confirmed)
    assert total.assessments > 0


@pytest.mark.parametrize("username", ["demo_province", "demo_city", "demo_hospital", "demo_platform"])
def test_the_monitoring_flags_count_the_users_hospitals_only(mid_cycle, client, username):
    user = User.objects.get(username=username)
    progress = ProgressFigure.objects.visible_to(user)

    flags = workbench(user).flags

    assert flags["behind"] == progress.filter(behind=True).count()
    assert flags["over"] == progress.filter(nonwinning_over=True).count()
    late = Q(kind=OrderLineFigure.Kind.LATE)
    assert flags["late"] == OrderLineFigure.objects.visible_to(user).filter(late).count()
    others = ProgressFigure.objects.exclude(hospital__in=Hospital.objects.visible_to(user))
    assert flags["behind"] < ProgressFigure.objects.filter(behind=True).count() or not others.exists()
    client.force_login(user)
    page = client.get("/").content.decode()
    assert f"：{flags['behind']} 个品种" in page and 'id="workbench-cycle"' in page


def test_administrators_have_no_workbench(mid_cycle, client):
    client.force_login(User.objects.get(username="demo_sysadmin"))
    assert 'id="workbench"' not in client.get("/").content.decode()
