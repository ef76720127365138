"""The quarterly 通报 (seed 003 §3): per city, the hospitals with a flag and the distributors that deliver badly.

The figures are those of the quarter's last day (or today, while the quarter runs), computed on the spot by the
shared SQL over the stored order lines of the hospitals the user oversees (and, if asked, of one city); a
distributor is named when its 配送率 or 48小时内配送率 over those hospitals' lines falls
below the floors of the settings (VBP_DELIVERY_RATE_FLOOR, VBP_DELIVERY_48H_FLOOR).

A hospital is named when, over all its agreements, it has bought less than 序时进度 asks (Σ 中选采购数量 <
Σ 约定采购量 × 序时进度), when any generic's non-winning purchases exceed its winning ones, when its 按期回款率 (of the
amount received more than 30 days before the monitoring date, the share paid within 30 days) is below
VBP_PAYMENT_30D_FLOOR, or when it bought anything offline.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.utils import timezone

from vbp.catalog.models import Hospital
from vbp.monitoring.aggregate import figures_of
from vbp.monitoring.charts import elapsed_share
from vbp.ui.templatetags.vbp_format import percent

QUARTER_ENDS = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}
# the views of order lines a hospital is named for, and where their count and amount go
LINE_FLAGS = (("late_payments", "late_lines", "late_amount"), ("offline_lines", "offline_lines", "offline_amount"))


@dataclass
class HospitalFlags:
    city: str
    code: str
    name: str
    level: str
    agreed: int = 0  # Σ 约定采购量 of its agreements
    winning: int = 0  # Σ 中选采购数量 within their periods
    expected: Fraction = Fraction(0)  # Σ 约定采购量 × 序时进度: what it should have bought by the monitoring date
    nonwinning_over: int = 0  # agreements buying more non-winning than winning
    due: Decimal = Decimal(0)  # 入库金额 of the lines whose 30 days have run out
    paid_on_time: Decimal = Decimal(0)  # of those, paid within their 30 days
    late_lines: int = 0
    late_amount: Decimal = Decimal(0)
    offline_lines: int = 0
    offline_amount: Decimal = Decimal(0)

    @property
    def completion(self) -> Fraction | None:
        return Fraction(self.winning, self.agreed) if self.agreed else None

    @property
    def schedule(self) -> Fraction | None:
        return self.expected / self.agreed if self.agreed else None

    @property
    def on_time_rate(self) -> Fraction | None:
        """按期回款率: of the amount whose 30 days have run out, the share paid within them."""
        return Fraction(self.paid_on_time) / Fraction(self.due) if self.due else None

    @property
    def behind(self) -> bool:
        return bool(self.agreed) and self.winning < self.expected

    @property
    def pays_late(self) -> bool:
        rate = self.on_time_rate
        return rate is not None and rate < Fraction(Decimal(settings.VBP_PAYMENT_30D_FLOOR))

    @property
    def reasons(self) -> str:
        said = []
        if self.behind:
            said.append(f"采购进度低于序时进度（完成 {percent(self.completion)}，序时 {percent(self.schedule)}）")
        if self.nonwinning_over:
            said.append(f"{self.nonwinning_over} 个品种非中选产品采购数量超过中选产品")
        if self.pays_late:
            said.append(f"按期回款率 {percent(self.on_time_rate)}（逾期回款 {self.late_lines} 笔）")
        if self.offline_lines:
            said.append(f"线下采购 {self.offline_lines} 笔")
        return "；".join(said)


@dataclass
class DistributorFlags:
    distributor: str
    lines: int
    delivered: int
    within_48h: int

    @property
    def delivery_rate(self) -> Fraction:
        return Fraction(self.delivered, self.lines)

    @property
    def within_48h_rate(self) -> Fraction:
        return Fraction(self.within_48h, self.lines)

    @property
    def reasons(self) -> str:
        said = []
        if self.delivery_rate < Fraction(Decimal(settings.VBP_DELIVERY_RATE_FLOOR)):
            said.append("配送率偏低")
        if self.within_48h_rate < Fraction(Decimal(settings.VBP_DELIVERY_48H_FLOOR)):
            said.append("48小时内配送率偏低")
        return "、".join(said)


@dataclass
class Bulletin:
    year: int
    quarter: int
    as_of: datetime.date
    lines: int
    hospitals: list[HospitalFlags] = field(default_factory=list)  # flagged ones, by city and code
    distributors: list[DistributorFlags] = field(default_factory=list)  # flagged ones, worst first
    hospitals_checked: int = 0
    distributors_checked: int = 0

    @property
    def by_city(self) -> list[tuple[str, list[HospitalFlags]]]:
        cities: dict[str, list[HospitalFlags]] = {}
        for flags in self.hospitals:
            cities.setdefault(flags.city, []).append(flags)
        return list(cities.items())


def quarter_end(year: int, quarter: int) -> datetime.date:
    month, day = QUARTER_ENDS[quarter]
    return datetime.date(year, month, day)


def bulletin(hospitals, year: int, quarter: int) -> Bulletin:
    """The 通报 of ``hospitals`` (a queryset, already in the user's scope) for a quarter of ``year``."""
    as_of = min(quarter_end(year, quarter), timezone.localdate())
    known = {
        hospital.code: hospital for hospital in hospitals.select_related("city").only("code", "name", "level", "city")
    }
    connection = figures_of(year, as_of, hospitals=list(known))
    try:
        flags = {code: _hospital(hospital) for code, hospital in known.items()}
        for code, starts, ends, agreed, winning in connection.execute(
            "SELECT hospital, starts, ends, sum(agreed), sum(winning) FROM progress WHERE agreed > 0"
            " GROUP BY hospital, starts, ends"
        ).fetchall():
            flags[code].agreed += int(agreed)
            flags[code].winning += int(winning)
            flags[code].expected += int(agreed) * elapsed_share(starts, ends, as_of)
        for code, over in connection.execute(
            "SELECT hospital, count(*) FILTER (WHERE nonwinning_over) FROM progress GROUP BY hospital"
        ).fetchall():
            flags[code].nonwinning_over = over
        for code, due, on_time in connection.execute(
            "SELECT hospital, due_total, paid_on_time FROM payments_due"
        ).fetchall():
            flags[code].due, flags[code].paid_on_time = due, on_time
        for view, count, amount in LINE_FLAGS:
            for code, lines, total in connection.execute(
                f"SELECT hospital, count(*), sum(amount) FROM {view} GROUP BY hospital"  # noqa: S608 (our names)
            ).fetchall():
                setattr(flags[code], count, lines)
                setattr(flags[code], amount, total)
        distributors = [
            DistributorFlags(*row)
            for row in connection.execute(
                "SELECT distributor, sum(line_count), sum(delivered_count), sum(within_48h)"
                " FROM delivery_by_hospital GROUP BY distributor"
            ).fetchall()
        ]
        (lines,) = connection.execute("SELECT count(*) FROM lines").fetchall()[0]
    finally:
        connection.close()
    flagged = sorted((f for f in flags.values() if f.reasons), key=lambda f: (f.city, f.code))
    bad = sorted((d for d in distributors if d.reasons), key=lambda d: (d.within_48h_rate, d.distributor))
    return Bulletin(year, quarter, as_of, lines, flagged, bad, len(flags), len(distributors))


def _hospital(hospital: Hospital) -> HospitalFlags:
    city = hospital.city.name if hospital.city else "省直属"
    return HospitalFlags(city, hospital.code, hospital.name, hospital.get_level_display())
