"""The chart of 完成进度 against 序时进度 per region reads the per-hospital period sums the refresh keeps: its numbers
are exactly those of the agreements themselves, for each kind of user, and follow a refresh as of another date."""

from __future__ import annotations

import datetime
from collections import defaultdict
from fractions import Fraction

import pytest

from tests.monitoring.test_order_import import csv_bytes, import_orders
from vbp.accounts.models import User
from vbp.demo.orders import demo_order_sheets
from vbp.monitoring import aggregate
from vbp.monitoring.charts import elapsed_share, progress_by_region, region_of
from vbp.monitoring.models import ProgressFigure, ProgressPeriod, Snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def expected(user, snapshot) -> dict[str, tuple[Fraction, Fraction]]:
    """Per region: (Σ winning ÷ Σ agreed, Σ agreed × 序时进度 ÷ Σ agreed), from every agreement with a volume."""
    _, path = region_of(user)
    agreed, winning, weighed = defaultdict(int), defaultdict(int), defaultdict(Fraction)
    figures = ProgressFigure.objects.visible_to(user).filter(snapshot=snapshot, agreed__gt=0)
    for name, starts, ends, volume, bought in figures.values_list(path, "starts", "ends", "agreed", "winning"):
        agreed[name] += volume
        winning[name] += bought
        weighed[name] += volume * elapsed_share(starts, ends, snapshot.as_of)
    return {name: (Fraction(winning[name], agreed[name]), weighed[name] / agreed[name]) for name in agreed}


@pytest.mark.parametrize("username", ["demo_province", "demo_city", "demo_district", "demo_hospital"])
def test_the_chart_is_exactly_what_the_agreements_give(username):
    import_orders(csv_bytes(demo_order_sheets(lines=3000, seed=9)["订单明细"]))
    user = User.objects.get(username=username)
    for as_of in (None, datetime.date(2024, 5, 31)):
        if as_of:
            aggregate.refresh(2024, as_of)
        snapshot = Snapshot.objects.get(year=2024)
        chart = progress_by_region(user, snapshot)
        completion, schedule = (values for _, values in chart.series)
        shown = {name: (completion[index], schedule[index]) for index, name in enumerate(chart.categories)}
        assert shown == expected(user, snapshot) and shown
    assert ProgressPeriod.objects.count() < ProgressFigure.objects.count() / 5  # a few rows a hospital
