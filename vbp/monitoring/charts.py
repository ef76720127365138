"""The figures as charts: each a small table of the user's regions (or batches, or distributors) and the same
numbers drawn by ECharts beside it (vbp/web/static/web/charts.js). Ratios are exact fractions, shown half-up.

A province user's rows are its cities; a city's, its districts; anyone else's (a district, a hospital, the
remote-settlement platform), the hospitals they see. The database does the sums, so a chart costs a query
whatever the number of rows.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models import Count, Sum

from vbp.accounts.models import Role
from vbp.catalog.models import Hospital
from vbp.monitoring.models import (
    DeliveryFigure,
    MonthlyFigure,
    OrderLineFigure,
    ProgressPeriod,
    Snapshot,
)

MAX_BARS = 30


@dataclass
class Chart:
    """A chart and its table: a title, the row labels, and columns of values (ratios or counts)."""

    id: str
    title: str
    label: str  # the header of the label column
    categories: list[str] = field(default_factory=list)
    series: list[tuple[str, list]] = field(default_factory=list)  # (name, values)
    percent: bool = True

    def data(self) -> dict:
        def plain(value):
            return float(value) if isinstance(value, Fraction) else value

        return {
            "title": self.title,
            "categories": self.categories,
            "percent": self.percent,
            "series": [{"name": name, "values": [plain(value) for value in values]} for name, values in self.series],
        }

    def rows(self) -> list[tuple[str, list]]:
        return [(label, [values[index] for _, values in self.series]) for index, label in enumerate(self.categories)]


def region_of(user) -> tuple[str, str]:
    """How a user's rows group: the label of the group column, and the path from a figure to the group's name."""
    if user.role == Role.PROVINCE:
        return "地市", "hospital__city__name"
    if user.role == Role.CITY:
        return "区县", "hospital__district__name"
    return "医疗机构", "hospital__name"


def elapsed_share(starts: datetime.date, ends: datetime.date, as_of: datetime.date) -> Fraction:
    """序时进度 exactly: the share of the contract period passed by ``as_of``, between 0 and 1 (figures.sql's rule)."""
    period = (ends - starts).days + 1
    passed = (min(as_of, ends) - starts).days + 1
    return Fraction(min(max(passed, 0), period), period)


def progress_by_region(user, snapshot: Snapshot) -> Chart:
    """完成进度 against 序时进度 per region: Σ winning ÷ Σ agreed against Σ (agreed × 序时进度) ÷ Σ agreed.

    The database sums per region and contract period (from the per-hospital sums the refresh keeps); the few
    periods are weighed here, exactly.
    """
    label, path = region_of(user)
    agreed, winning, expected = defaultdict(int), defaultdict(int), defaultdict(Fraction)
    figures = ProgressPeriod.objects.visible_to(user).filter(snapshot=snapshot)
    sums = figures.values(path, "starts", "ends").annotate(agreed_sum=Sum("agreed"), winning_sum=Sum("winning"))
    for row in sums.order_by():
        name = row[path] or "（未填）"
        agreed[name] += row["agreed_sum"]
        winning[name] += row["winning_sum"]
        expected[name] += row["agreed_sum"] * elapsed_share(row["starts"], row["ends"], snapshot.as_of)
    names = sorted(agreed)[:MAX_BARS]
    chart = Chart("chart-progress", f"完成进度与序时进度（按{label}）", label, names)
    chart.series = [
        ("完成进度", [Fraction(winning[name], agreed[name]) for name in names]),
        ("序时进度", [expected[name] / agreed[name] for name in names]),
    ]
    return chart


def monthly_volumes(user, snapshot: Snapshot) -> Chart:
    """中选 and 非中选 volume ordered per month, over the user's hospitals."""
    rows = (
        MonthlyFigure.objects.visible_to(user)
        .filter(snapshot=snapshot)
        .values("month")
        .annotate(winning_sum=Sum("winning"), nonwinning_sum=Sum("nonwinning"))
        .order_by("month")
    )
    months = list(rows)
    chart = Chart("chart-monthly", "中选与非中选产品采购数量（按月）", "月份", percent=False)
    chart.categories = [f"{row['month']:%Y-%m}" for row in months]
    chart.series = [
        ("中选产品采购数量", [row["winning_sum"] for row in months]),
        ("非中选产品采购数量", [row["nonwinning_sum"] for row in months]),
    ]
    return chart


def late_by_region(user, snapshot: Snapshot) -> Chart:
    """逾期回款 order lines per region."""
    label, path = region_of(user)
    lines = OrderLineFigure.objects.visible_to(user).filter(snapshot=snapshot, kind=OrderLineFigure.Kind.LATE)
    counts = {
        row[path] or "（未填）": row["count"] for row in lines.values(path).annotate(count=Count("pk")).order_by()
    }
    names = sorted(counts, key=lambda name: (-counts[name], name))[:MAX_BARS]
    chart = Chart("chart-late", f"逾期回款订单行数（按{label}）", label, names, percent=False)
    chart.series = [("逾期回款订单行", [counts[name] for name in names])]
    return chart


def delivery_by_distributor(user, snapshot: Snapshot) -> Chart:
    """配送率 and 48小时内配送率 of each distributor over the user's hospitals."""
    totals = defaultdict(lambda: [0, 0, 0])
    for distributor, lines, delivered, fast in (
        DeliveryFigure.objects.visible_to(user)
        .filter(snapshot=snapshot)
        .values_list("distributor", "line_count", "delivered_count", "within_48h")
    ):
        total = totals[distributor]
        total[0] += lines
        total[1] += delivered
        total[2] += fast
    names = sorted(totals, key=lambda name: (Fraction(totals[name][2], totals[name][0]), name))[:MAX_BARS]
    chart = Chart("chart-delivery", "配送企业配送率", "配送企业", names)
    chart.series = [
        ("配送率", [Fraction(totals[name][1], totals[name][0]) for name in names]),
        ("48小时内配送率", [Fraction(totals[name][2], totals[name][0]) for name in names]),
    ]
    return chart


def delivery_by_level(user, snapshot: Snapshot) -> Chart:
    """配送率 and 48小时内配送率 per hospital level (seed 003 §2: supply unequal between levels of hospital)."""
    rows = (
        DeliveryFigure.objects.visible_to(user)
        .filter(snapshot=snapshot)
        .values("hospital__level")
        .annotate(lines=Sum("line_count"), delivered=Sum("delivered_count"), fast=Sum("within_48h"))
        .order_by("hospital__level")
    )
    labels = dict(Hospital.Level.choices)
    found = [row for row in rows if row["lines"]]
    chart = Chart("chart-delivery-level", "不同等级医疗机构配送率", "医院等级")
    chart.categories = [labels.get(row["hospital__level"], row["hospital__level"]) for row in found]
    chart.series = [
        ("配送率", [Fraction(row["delivered"], row["lines"]) for row in found]),
        ("48小时内配送率", [Fraction(row["fast"], row["lines"]) for row in found]),
    ]
    return chart
