"""工作台: the state of the cycle and this quarter's monitoring flags, on the home page of every business user.

Each figure counts what the user oversees only (the one scope); the rows are the user's cities (province),
districts (city) or hospitals (anyone else), as the monitoring charts group them. Every count is one query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from vbp.assessment.models import Assessment
from vbp.funding.models import AmountSheet
from vbp.monitoring.charts import region_of
from vbp.monitoring.lists import current_snapshot
from vbp.monitoring.models import OrderLineFigure, ProgressFigure

Review = Assessment.Review


@dataclass
class RegionRow:
    name: str
    assessments: int = 0
    reviewed: int = 0  # both parts reviewed
    sheets: int = 0
    confirmed: int = 0
    retained: Decimal = Decimal(0)  # 留用金额 of the confirmed sheets


@dataclass
class Workbench:
    year: int | None
    label: str  # the header of the region column
    rows: list[RegionRow] = field(default_factory=list)
    flags: dict[str, int] = field(default_factory=dict)  # this quarter's monitoring flags, by page
    as_of: object = None

    @property
    def total(self) -> RegionRow:
        total = RegionRow("合计")
        for row in self.rows:
            total.assessments += row.assessments
            total.reviewed += row.reviewed
            total.sheets += row.sheets
            total.confirmed += row.confirmed
            total.retained += row.retained
        return total


def workbench(user) -> Workbench:
    label, path = region_of(user)
    assessments = Assessment.objects.visible_to(user)
    year = assessments.order_by("-year").values_list("year", flat=True).first()
    rows: dict[str, RegionRow] = {}

    def row(name) -> RegionRow:
        return rows.setdefault(name or "（未填）", RegionRow(name or "（未填）"))

    if year is not None:
        done = Q(part1_review=Review.DONE, part2_review=Review.DONE)
        for item in (
            assessments.filter(year=year).values(path).annotate(n=Count("pk"), done=Count("pk", filter=done)).order_by()
        ):
            found = row(item[path])
            found.assessments, found.reviewed = item["n"], item["done"]
        confirmed = Q(status=AmountSheet.Status.CONFIRMED)
        sheets = AmountSheet.objects.visible_to(user).filter(year=year).values(path)
        for item in sheets.annotate(
            n=Count("pk"), confirmed=Count("pk", filter=confirmed), retained=Sum("retained_total", filter=confirmed)
        ).order_by():
            found = row(item[path])
            found.sheets, found.confirmed, found.retained = item["n"], item["confirmed"], item["retained"] or 0
    bench = Workbench(year, label, sorted(rows.values(), key=lambda r: r.name))
    snapshot = current_snapshot()
    if snapshot is not None:
        progress = ProgressFigure.objects.visible_to(user).filter(snapshot=snapshot)
        lines = OrderLineFigure.objects.visible_to(user).filter(snapshot=snapshot)
        counted = progress.aggregate(
            behind=Count("pk", filter=Q(behind=True)), over=Count("pk", filter=Q(nonwinning_over=True))
        )
        counted |= lines.aggregate(
            late=Count("pk", filter=Q(kind=OrderLineFigure.Kind.LATE)),
            offline=Count("pk", filter=Q(kind=OrderLineFigure.Kind.OFFLINE)),
        )
        bench.flags, bench.as_of = counted, snapshot.as_of
    return bench
