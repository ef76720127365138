"""Reads the funding pages share: the year in question, the hospitals each list holds, visits, shares and amounts
as rows.

Nothing here writes (the verbs are in services.py) and nothing computes money: shares
come from the core's ``pool_shares``, amounts from the stored sheets the core filled.
Who may use a page is vbp.permissions' business; which rows a user reaches, vbp.accounts.scope's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Max, Prefetch, Sum

from vbp import permissions
from vbp.accounts.models import Role
from vbp.accounts.scope import NOTHING
from vbp.catalog.models import Batch, Hospital
from vbp.core.money import round_fraction
from vbp.core.retention import pool_shares
from vbp.funding import services
from vbp.funding.models import AmountSheet, Entry, PayRatio, VisitProof, VisitReport
from vbp.platformdata.models import PlatformRecord
from vbp.regions.models import Pool
from vbp.rulesets.services import rule_set_of


def assessment_year(request) -> int:
    """The year the query string asks for (through its form: a bad one is ignored), else the latest year of platform
    data. For vbp/api/views.py; the pages read the year through their query forms."""
    from vbp.funding.forms import YearQuery

    return YearQuery(request.GET).chosen_year


def latest_year() -> int:
    """The latest assessment year with platform data (the demo's 2024), or 2024 before any is imported."""
    return PlatformRecord.objects.aggregate(year=Max("year"))["year"] or 2024


def years() -> list[int]:
    return sorted(set(PlatformRecord.objects.values_list("year", flat=True).distinct()), reverse=True) or [2024]


def goods(batch: Batch | None) -> str:
    """What a batch procures, in the pages' words: 耗材 for a consumables batch, else 药品."""
    return "耗材" if batch is not None and batch.category == Batch.Category.CONSUMABLE else "药品"


# --- visits -----------------------------------------------------------------------------------------


def visit_hospitals(user):
    """Every hospital whose visits this user keeps: itself; a bureau's pools' hospitals; province-direct ones."""
    return own_visit_hospitals(user) | capital_visit_hospitals(user)


def own_visit_hospitals(user):
    """The rows of 住院人次维护: the hospital itself; the province's 省直 and the platform's other cities at the
    province-direct hospitals; a city bureau's own pool's hospitals (not the province-direct ones: see below)."""
    hospitals = Hospital.objects.visible_to(user).select_related("city", "district", "home_pool")
    if not permissions.keeps_visits(user):
        return hospitals.filter(NOTHING)
    match user.role:
        case Role.HOSPITAL:
            return hospitals
        case Role.CITY:
            return hospitals.filter(home_pool__region_id=user.region_id, province_direct=False)
        case Role.PROVINCE | Role.REMOTE_PLATFORM:
            return hospitals.filter(province_direct=True)
    return hospitals.filter(NOTHING)


def capital_visit_hospitals(user):
    """The rows of (太原市)省内异地参保患者住院人次维护: the province-direct hospitals in the capital bureau's city."""
    hospitals = Hospital.objects.visible_to(user).select_related("city", "district", "home_pool")
    if not permissions.keeps_capital_visits(user):
        return hospitals.filter(NOTHING)
    return hospitals.filter(province_direct=True)


@dataclass
class VisitRow:
    """One hospital of a visits list, as ``user`` keeps it: the total, the user's own pools, the proof."""

    hospital: Hospital
    year: int
    report: VisitReport | None
    mine: list[Pool]  # the pools the user enters at this hospital
    entered: dict[int, int]  # pool id → visits
    submitted: set[int]  # pool ids
    proofs: list[VisitProof] = field(default_factory=list)
    page: object = None  # the list page showing the row (its cells' forms need the page's CSRF token)

    @property
    def total(self) -> int | None:
        return self.report.total_visits if self.report else None

    @property
    def version(self) -> int:
        return self.report.version if self.report else 1

    @property
    def total_submitted(self) -> bool:
        return bool(self.report and self.report.status == Entry.SUBMITTED)

    @property
    def shown_total(self) -> int | None:
        """The total as the bureaus see it: only once the hospital has submitted it."""
        return self.total if self.total_submitted else None

    @property
    def my_status(self) -> str:
        """The user's own part: 待填报 until all of their pools are submitted."""
        if not self.mine:
            return Entry.SUBMITTED.label if self.total_submitted else Entry.DRAFT.label
        return Entry.SUBMITTED.label if self.mine_submitted else Entry.DRAFT.label

    @property
    def state(self) -> str:
        """The status's css state (the user's own part, as ``my_status`` says it)."""
        return Entry.SUBMITTED if self.my_status == Entry.SUBMITTED.label else Entry.DRAFT

    @property
    def mine_submitted(self) -> bool:
        return bool(self.mine) and all(pool.pk in self.submitted for pool in self.mine)

    @property
    def my_visits(self) -> int | None:
        values = [self.entered[pool.pk] for pool in self.mine if pool.pk in self.entered]
        return sum(values) if values else None

    @property
    def cell_pool(self) -> Pool | None:
        """The one pool the user enters here, edited in the list's grid (the platform's ten are on the hospital's
        page); None when the user has none or several."""
        return self.mine[0] if len(self.mine) == 1 else None

    @property
    def editable(self) -> bool:
        """The grid cell takes a count: the hospital's total is submitted and the user's pool is not yet."""
        return self.cell_pool is not None and self.total_submitted and not self.mine_submitted

    @property
    def submittable(self) -> bool:
        """The row can be selected for 提交: its grid cell is entered and not yet submitted."""
        return self.editable and all(pool.pk in self.entered for pool in self.mine)

    @property
    def areas_done(self) -> list[str]:
        """已填报区域: the user's pools entered so far."""
        return [pool.name for pool in self.mine if pool.pk in self.entered]


def visit_rows(user, hospitals, year: int) -> list[VisitRow]:
    """The rows of ``hospitals`` (a page of them) for ``user``, in a few queries."""
    hospitals = list(hospitals)
    reports = {
        report.hospital_id: report
        for report in VisitReport.objects.filter(hospital__in=hospitals, year=year).prefetch_related(
            "pools", Prefetch("proofs", queryset=VisitProof.objects.order_by("uploaded_at"))
        )
    }
    every_pool = list(Pool.objects.order_by("-province_level", "code"))
    rows = []
    for hospital in hospitals:
        report = reports.get(hospital.pk)
        pools = list(report.pools.all()) if report else []
        mine = [
            pool
            for pool in services.required_pools(hospital, every_pool)
            if permissions.enters_pool_visits(user, hospital, pool)
        ]
        entered = {row.pool_id: row.visits for row in pools}
        submitted = {row.pool_id for row in pools if row.status == Entry.SUBMITTED}
        proofs = list(report.proofs.all()) if report else []
        rows.append(VisitRow(hospital, year, report, mine, entered, submitted, proofs))
    return rows


# --- shares -----------------------------------------------------------------------------------------


@dataclass
class ShareRow:
    """参保患者住院人次及占比 of one hospital (seed 000 §2.5)."""

    hospital: Hospital
    total: int | None
    own: int | None  # 各统筹地区参保患者在院住院人次: its own pool (省直 for a province-direct hospital)
    capital: int | None  # 太原市异地患者在省直医院住院人次
    others: int | None  # 其他地市异地患者在省直医院住院人次
    by_pool: list[PoolShare]
    share: Decimal | None  # the hospital's total share, once every pool is submitted
    year: int = 0


@dataclass
class PoolShare:
    """One pool's line of a hospital's shares (异地医保参保者在省直医院住院人数)."""

    pool: Pool
    hospital: Hospital
    visits: int | None
    share: Decimal | None


def share_row(hospital: Hospital, report: VisitReport | None, every_pool: list[Pool], rule_set) -> ShareRow:
    submitted = {}
    if report is not None and report.status == Entry.SUBMITTED:
        submitted = {row.pool_id: row.visits for row in report.pools.all() if row.status == Entry.SUBMITTED}
    required = services.required_pools(hospital, every_pool)
    complete = all(pool.pk in submitted for pool in required)
    shares = {}
    if complete and report.total_visits:
        shares = pool_shares({pool.name: submitted[pool.pk] for pool in required}, report.total_visits, rule_set)
    by_pool = [PoolShare(pool, hospital, submitted.get(pool.pk), _shown(shares.get(pool.name))) for pool in required]
    own = submitted.get(hospital.home_pool_id)
    capital = others = None
    if hospital.province_direct:
        capital = next((line.visits for line in by_pool if line.pool.region_id == hospital.city_id), None)
        rest = [
            line.visits for line in by_pool if not line.pool.province_level and line.pool.region_id != hospital.city_id
        ]
        others = sum(rest) if rest and None not in rest else None
    total = report.total_visits if report and report.status == Entry.SUBMITTED else None
    share = _shown(sum(shares.values(), Fraction(0))) if shares else None
    return ShareRow(hospital, total, own, capital, others, by_pool, share, report.year if report else 0)


def _shown(share: Fraction | None) -> Decimal | None:
    """A share for the page: exact as the rule set cut it, else to 8 decimals of the ratio."""
    return None if share is None else round_fraction(share, 8, "half_up").normalize()


def share_rows(hospitals, year: int) -> list[ShareRow]:
    hospitals = list(hospitals)
    reports = {
        report.hospital_id: report
        for report in VisitReport.objects.filter(hospital__in=hospitals, year=year).prefetch_related("pools")
    }
    every_pool = list(Pool.objects.order_by("-province_level", "code"))
    rule_set = share_rule_set()
    rows = [share_row(hospital, reports.get(hospital.pk), every_pool, rule_set) for hospital in hospitals]
    for row in rows:
        row.year = year
    return rows


def share_rule_set():
    """Shares are cut as the province's batches' rule set says (all batches of the demo use one); default if none."""
    batch = Batch.objects.exclude(rule_set=None).select_related("rule_set").order_by("cycle_start").first()
    if batch is None:
        from vbp.presets import load_preset

        return load_preset("default")
    return rule_set_of(batch.rule_set)


# --- payment ratios -------------------------------------------------------------------------------


@dataclass
class RatioRow:
    """One batch's payment ratio of the year (an unsaved empty one until the province enters it)."""

    batch: Batch
    ratio: PayRatio
    page: object = None

    @property
    def submitted(self) -> bool:
        return self.ratio.status == Entry.SUBMITTED

    @property
    def state(self) -> str:
        return self.ratio.status

    @property
    def year(self) -> int:
        return self.ratio.year


def pay_ratio_rows(user, year: int) -> list[RatioRow]:
    ratios = {ratio.batch_id: ratio for ratio in PayRatio.objects.filter(year=year)}
    batches = Batch.objects.visible_to(user)
    return [RatioRow(batch, ratios.get(batch.pk) or PayRatio(batch=batch, year=year)) for batch in batches]


# --- amounts ----------------------------------------------------------------------------------------


def sheet_hospitals(user, batch: Batch | None, year: int):
    """Hospitals in scope with an assessment in the batch (or any batch) and year: the rows of the amount lists."""
    hospitals = Hospital.objects.visible_to(user).filter(assessment__year=year)
    if batch is not None:
        hospitals = hospitals.filter(assessment__batch=batch)
    return hospitals.distinct().select_related("city", "district").order_by("code")


def published(user, sheet: AmountSheet | None) -> AmountSheet | None:
    """The sheet if ``user`` may see its figures: a bureau always, the hospital once it is confirmed (公布)."""
    if sheet is None or user.role != Role.HOSPITAL or sheet.status == AmountSheet.Status.CONFIRMED:
        return sheet
    return None


WAITING = "waiting"
AMOUNT_STATES = [(WAITING, "资料未齐"), *AmountSheet.Status.choices]


@dataclass
class AmountRow:
    """One hospital × batch of the year on the amount lists: its sheet (as far as the user may see it) and state."""

    hospital: Hospital
    batch: Batch
    year: int
    sheet: AmountSheet | None  # what the user may see of it (a hospital: only once confirmed)
    state: str  # WAITING, or the stored sheet's status
    reviews: bool = False  # the user confirms this hospital's amounts (the link says 审核, not 查看)

    @property
    def label(self) -> str:
        return dict(AMOUNT_STATES)[self.state]

    @property
    def decimals(self) -> int:
        return self.sheet.decimals if self.sheet else 2

    @property
    def awaits_review(self) -> bool:
        return self.reviews and self.state == AmountSheet.Status.PENDING


def amount_rows(user, hospitals, batch: Batch | None, year: int, state: str | None = None) -> list[AmountRow]:
    """``hospitals`` × their assessed batches of the year (only ``batch`` if given), in ``state`` if given."""
    hospitals = list(hospitals)
    sheets = AmountSheet.objects.filter(hospital__in=hospitals, year=year).select_related("batch")
    if batch is not None:
        sheets = sheets.filter(batch=batch)
    found = {(sheet.hospital_id, sheet.batch_id): sheet for sheet in sheets}
    assessed = assessed_batches(hospitals, batch, year)
    rows = []
    for hospital in hospitals:
        for each in assessed.get(hospital.pk, []):
            stored = found.get((hospital.pk, each.pk))
            current = stored.status if stored else WAITING
            if state and state != current:
                continue
            reviews = permissions.confirms_amounts(user, hospital)
            rows.append(AmountRow(hospital, each, year, published(user, stored), current, reviews))
    return rows


def assessed_batches(hospitals, batch: Batch | None, year: int) -> dict[int, list[Batch]]:
    """Each hospital's batches with an assessment in the year (only ``batch`` if given)."""
    from vbp.assessment.models import Assessment

    assessments = Assessment.objects.filter(hospital__in=hospitals, year=year).select_related("batch")
    if batch is not None:
        assessments = assessments.filter(batch=batch)
    found: dict[int, list[Batch]] = {}
    for assessment in assessments.order_by("batch__cycle_start", "batch__code"):
        found.setdefault(assessment.hospital_id, []).append(assessment.batch)
    return found


def city_summaries(rows: list[AmountRow]) -> list[dict]:
    """Per city: how many hospital × batch sheets are confirmed, pending, still missing inputs; confirmed payable."""
    cities: dict[int, dict] = {}
    for row in rows:
        city = row.hospital.city
        empty = {"city": city, "total": 0, WAITING: 0, "payable": Decimal(0)}
        summary = cities.setdefault(city.pk, {**empty, **dict.fromkeys(AmountSheet.Status.values, 0)})
        summary["total"] += 1
        summary[row.state] += 1
        if row.state == AmountSheet.Status.CONFIRMED:
            summary["payable"] += row.sheet.payable_total
    return sorted(cities.values(), key=lambda summary: summary["city"].code)


def batch_surpluses(user, year: int) -> list[dict]:
    """Per batch, the sheets in scope: how many hospitals, budget, surplus, payable, 职保 and 居保."""
    sheets = AmountSheet.objects.visible_to(user).filter(year=year)
    sums = {
        row["batch"]: row
        for row in sheets.values("batch").annotate(
            hospitals=Count("pk"),
            budget=Sum("budget_total"),
            surplus=Sum("surplus_total"),
            payable=Sum("payable_total"),
            employee=Sum("employee_amount"),
            resident=Sum("resident_amount"),
        )
    }
    empty = {"hospitals": 0, "budget": None, "surplus": None, "payable": None, "employee": None, "resident": None}
    return [{**sums.get(batch.pk, empty), "batch": batch, "year": year} for batch in Batch.objects.visible_to(user)]


# --- 待办 -------------------------------------------------------------------------------------------------


def funding_todos(user) -> list:
    """What waits for this user in funding: ratios to submit, visits to enter, amounts to confirm."""
    from django.urls import reverse

    from vbp.assessment.selectors import Todo

    if not permissions.sees_business_data(user):
        return []
    year = latest_year()
    todos = []
    if permissions.keeps_pay_ratios(user):
        open_ratios = Batch.objects.count() - PayRatio.objects.filter(year=year, status=Entry.SUBMITTED).count()
        if open_ratios:
            url = reverse("funding:pay_ratios")
            todos.append(Todo(f"{year}年度医保基金平均支付比例待提交", url, count=open_ratios))
    lists = [(own_visit_hospitals(user), "funding:visits"), (capital_visit_hospitals(user), "funding:capital_visits")]
    for hospitals, url_name in lists:
        waiting = [row for row in visit_rows(user, hospitals, year) if _my_visits_waiting(user, row)]
        if waiting:
            text = "上一年度住院总人次待填报" if user.role == Role.HOSPITAL else "参保患者住院人次待填报"
            todos.append(Todo(f"{year}年度{text}", reverse(url_name), count=len(waiting)))
    if permissions.sees_amounts(user) and user.role != Role.HOSPITAL:
        sheets = AmountSheet.objects.visible_to(user).filter(status=AmountSheet.Status.PENDING)
        pending = [
            sheet for sheet in sheets.select_related("hospital") if permissions.confirms_amounts(user, sheet.hospital)
        ]
        if pending:
            url = reverse("funding:amounts") + f"?year={year}&status={AmountSheet.Status.PENDING}"
            todos.append(Todo("医保资金留用金额待确认", url, count=len(pending)))
    return todos


def _my_visits_waiting(user, row: VisitRow) -> bool:
    if user.role == Role.HOSPITAL:
        return not row.total_submitted and row.hospital.assessment_set.exists()
    return row.total_submitted and any(pool.pk not in row.submitted for pool in row.mine)
