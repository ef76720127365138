"""Reads the funding pages share: who sees which pages, the year in question, visits and shares as rows.

Nothing here writes (the verbs are in services.py) and nothing computes money: shares
come from the core's ``pool_shares``, amounts from the stored sheets the core filled.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Max, Q, Sum

from vbp.accounts.models import Role
from vbp.accounts.scope import NOTHING
from vbp.catalog.models import Batch, Hospital
from vbp.core.money import round_fraction
from vbp.core.retention import pool_shares
from vbp.funding import services
from vbp.funding.models import AmountSheet, Entry, PayRatio, VisitReport
from vbp.platformdata.models import PlatformRecord
from vbp.regions.models import Pool, Region
from vbp.rulesets.services import rule_set_of

BUREAUS = (Role.PROVINCE, Role.CITY, Role.DISTRICT)


def _active(user, roles) -> bool:
    return user.is_authenticated and user.is_active and user.role in roles


def keeps_visits(user) -> bool:
    """住院人次维护: the hospital (its total), the pools' bureaus and the remote-settlement platform."""
    return _active(user, (Role.HOSPITAL, Role.PROVINCE, Role.CITY, Role.REMOTE_PLATFORM))


def sees_shares(user) -> bool:
    return _active(user, (*BUREAUS, Role.REMOTE_PLATFORM, Role.HOSPITAL))


def sees_amounts(user) -> bool:
    """留用金额: the bureaus of the hospital's region, and the hospital for its own."""
    return _active(user, (*BUREAUS, Role.HOSPITAL))


def sees_overview(user) -> bool:
    return _active(user, (Role.PROVINCE,))


def sees_surplus(user) -> bool:
    """Wuhan's 医疗机构结余金额 and the calculation workbook: the bureaus."""
    return _active(user, BUREAUS)


def assessment_year(request) -> int:
    """The year asked for, else the latest year of platform data (the demo's 2024)."""
    asked = request.GET.get("year", "")
    if asked.isdigit():
        return int(asked)
    return latest_year()


def latest_year() -> int:
    """The latest assessment year with platform data (the demo's 2024), or 2024 before any is imported."""
    return PlatformRecord.objects.aggregate(year=Max("year"))["year"] or 2024


def years() -> list[int]:
    return sorted(set(PlatformRecord.objects.values_list("year", flat=True).distinct()), reverse=True) or [2024]


# --- visits -----------------------------------------------------------------------------------------


def visit_hospitals(user):
    """The hospitals whose visits this user keeps: itself; the hospitals of a bureau's pools; province-direct ones."""
    hospitals = Hospital.objects.visible_to(user).select_related("city", "district", "home_pool")
    match user.role:
        case Role.HOSPITAL:
            return hospitals
        case Role.CITY:
            return hospitals.filter(Q(home_pool__region_id=user.region_id) | Q(province_direct=True))
        case Role.PROVINCE | Role.REMOTE_PLATFORM:
            return hospitals.filter(province_direct=True)
    return hospitals.filter(NOTHING)


@dataclass
class VisitRow:
    hospital: Hospital
    report: VisitReport | None
    mine: list[Pool]
    entered: dict[int, int]  # pool id → visits
    submitted: set[int]  # pool ids

    @property
    def total(self):
        return self.report.total_visits if self.report else None

    @property
    def total_submitted(self) -> bool:
        return bool(self.report and self.report.status == Entry.SUBMITTED)

    @property
    def my_status(self) -> str:
        """The user's own part: 待填报 until all of their pools are submitted."""
        if not self.mine:
            return Entry.SUBMITTED.label if self.total_submitted else Entry.DRAFT.label
        done = all(pool.pk in self.submitted for pool in self.mine)
        return Entry.SUBMITTED.label if done else Entry.DRAFT.label

    @property
    def my_visits(self) -> int | None:
        values = [self.entered[pool.pk] for pool in self.mine if pool.pk in self.entered]
        return sum(values) if values else None


def visit_rows(user, hospitals, year: int) -> list[VisitRow]:
    reports = {
        report.hospital_id: report
        for report in VisitReport.objects.filter(hospital__in=hospitals, year=year).prefetch_related("pools")
    }
    rows = []
    for hospital in hospitals:
        report = reports.get(hospital.pk)
        pools = list(report.pools.all()) if report else []
        rows.append(
            VisitRow(
                hospital, report, services.pools_entered_by(user, hospital) if user.role != Role.HOSPITAL else [],
                {row.pool_id: row.visits for row in pools}, {row.pool_id for row in pools if row.status == "submitted"},
            )
        )  # fmt: skip
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
    by_pool: list[tuple[Pool, int | None, Decimal | None]]
    share: Decimal | None  # the hospital's total share, once every pool is submitted


def share_row(hospital: Hospital, report: VisitReport | None, pools_by_id: dict[int, Pool], rule_set) -> ShareRow:
    submitted = {}
    if report is not None and report.status == Entry.SUBMITTED:
        submitted = {row.pool_id: row.visits for row in report.pools.all() if row.status == Entry.SUBMITTED}
    required = services.required_pools(hospital) if hospital.province_direct else [pools_by_id[hospital.home_pool_id]]
    complete = all(pool.pk in submitted for pool in required)
    shares = {}
    if complete and report.total_visits:
        shares = pool_shares({pool.name: submitted[pool.pk] for pool in required}, report.total_visits, rule_set)
    by_pool = [(pool, submitted.get(pool.pk), _shown(shares.get(pool.name))) for pool in required]
    own = submitted.get(hospital.home_pool_id)
    capital = others = None
    if hospital.province_direct:
        capital = next((count for pool, count, _ in by_pool if pool.region_id == hospital.city_id), None)
        rest = [count for pool, count, _ in by_pool if not pool.province_level and pool.region_id != hospital.city_id]
        others = sum(rest) if rest and None not in rest else None
    return ShareRow(
        hospital, report.total_visits if report and report.status == Entry.SUBMITTED else None, own, capital, others,
        by_pool, _shown(sum(shares.values(), Fraction(0))) if shares else None,
    )  # fmt: skip


def _shown(share: Fraction | None) -> Decimal | None:
    """A share for the page: exact as the rule set cut it, else to 8 decimals of the ratio."""
    return None if share is None else round_fraction(share, 8, "half_up").normalize()


def share_rows(hospitals, year: int) -> list[ShareRow]:
    reports = {
        report.hospital_id: report
        for report in VisitReport.objects.filter(hospital__in=hospitals, year=year).prefetch_related("pools")
    }
    pools_by_id = {pool.pk: pool for pool in Pool.objects.all()}
    rule_set = share_rule_set()
    return [share_row(hospital, reports.get(hospital.pk), pools_by_id, rule_set) for hospital in hospitals]


def share_rule_set():
    """Shares are cut as the province's batches' rule set says (all batches of the demo use one); default if none."""
    batch = Batch.objects.exclude(rule_set=None).select_related("rule_set").order_by("cycle_start").first()
    if batch is None:
        from vbp.presets import load_preset

        return load_preset("default")
    return rule_set_of(batch.rule_set)


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


def sheet_state(sheet: AmountSheet | None) -> tuple[str, str]:
    """(css state, label): 已确认 / 待确认, or 资料未齐 while inputs are missing."""
    if sheet is None:
        return "waiting", "资料未齐"
    return sheet.status, sheet.get_status_display()


def pay_ratio_rows(year: int) -> list[tuple[Batch, PayRatio | None]]:
    ratios = {ratio.batch_id: ratio for ratio in PayRatio.objects.filter(year=year)}
    return [(batch, ratios.get(batch.pk)) for batch in Batch.objects.all()]


def shown_filters(year: int, query: dict, batch: Batch | None = None, statuses: dict | None = None) -> dict:
    """The query form's values as an export's header shows them: codes as names."""
    shown = {"考核年度": year, **({"带量批次": batch.name} if batch else {})}
    for key, label in (("city", "地市"), ("district", "区县")):
        if query.get(key):
            region = Region.objects.filter(code=query[key]).first()
            shown[label] = region.name if region else query[key]
    if query.get("name"):
        shown["医疗机构名称"] = query["name"]
    if query.get("status"):
        shown["状态"] = (statuses or {}).get(query["status"], query["status"])
    return shown


def filter_hospitals(hospitals, query: dict):
    """The query form: city, district (codes) and name (contains)."""
    if query.get("city"):
        hospitals = hospitals.filter(city__code=query["city"])
    if query.get("district"):
        hospitals = hospitals.filter(district__code=query["district"])
    if query.get("name"):
        hospitals = hospitals.filter(name__contains=query["name"])
    return hospitals


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


def city_summaries(rows: list[dict]) -> list[dict]:
    """Per city: how many hospital × batch sheets are confirmed, pending, still missing inputs; confirmed payable."""
    cities: dict[int, dict] = {}
    for row in rows:
        city = row["hospital"].city
        summary = cities.setdefault(city.pk, {"city": city, "total": 0, "confirmed": 0, "pending": 0, "waiting": 0,
                                              "payable": Decimal(0)})  # fmt: skip
        summary["total"] += 1
        summary[row["state"]] += 1
        if row["state"] == "confirmed":
            summary["payable"] += row["sheet"].payable_total
    return sorted(cities.values(), key=lambda summary: summary["city"].code)


def batch_surpluses(user, year: int) -> list[dict]:
    """Per batch, the sheets in scope: how many hospitals, budget, surplus, payable, 职保 and 居保."""
    sheets = AmountSheet.objects.visible_to(user).filter(year=year)
    sums = {
        row["batch"]: row
        for row in sheets.values("batch").annotate(
            hospitals=Count("pk"), budget=Sum("budget_total"), surplus=Sum("surplus_total"),
            payable=Sum("payable_total"), employee=Sum("employee_amount"), resident=Sum("resident_amount"),
        )
    }  # fmt: skip
    empty = {"hospitals": 0, "budget": None, "surplus": None, "payable": None, "employee": None, "resident": None}
    return [{**sums.get(batch.pk, empty), "batch": batch} for batch in Batch.objects.all()]


def sheet_totals(sheets) -> dict:
    return sheets.aggregate(
        products=Sum("product_count"), budget=Sum("budget_total"), surplus=Sum("surplus_total"),
        payable=Sum("payable_total"), employee=Sum("employee_amount"), resident=Sum("resident_amount"),
    )  # fmt: skip


# --- 待办 -------------------------------------------------------------------------------------------------


def funding_todos(user) -> list:
    """What waits for this user in funding: ratios to submit, visits to enter, amounts to confirm."""
    from django.urls import reverse

    from vbp.assessment.selectors import Todo

    if not user.is_authenticated or not user.is_active:
        return []
    year = latest_year()
    todos = []
    if services.keeps_pay_ratios(user):
        open_ratios = Batch.objects.count() - PayRatio.objects.filter(year=year, status=Entry.SUBMITTED).count()
        if open_ratios:
            url = reverse("funding:pay_ratios")
            todos.append(Todo(f"{year}年度医保基金平均支付比例待提交", url, count=open_ratios))
    if keeps_visits(user):
        waiting = [row for row in visit_rows(user, visit_hospitals(user), year) if _my_visits_waiting(user, row)]
        if waiting:
            text = "上一年度住院总人次待填报" if user.role == Role.HOSPITAL else "参保患者住院人次待填报"
            todos.append(Todo(f"{year}年度{text}", reverse("funding:visits"), count=len(waiting)))
    if sees_amounts(user) and user.role != Role.HOSPITAL:
        pending = [sheet for sheet in AmountSheet.objects.visible_to(user).filter(status=AmountSheet.Status.PENDING)
                   .select_related("hospital") if services.confirms_amounts(user, sheet.hospital)]  # fmt: skip
        if pending:
            url = reverse("funding:amounts") + f"?year={year}&status=pending"
            todos.append(Todo("医保资金留用金额待确认", url, count=len(pending)))
    return todos


def _my_visits_waiting(user, row: VisitRow) -> bool:
    if user.role == Role.HOSPITAL:
        return not row.total_submitted and row.hospital.assessment_set.exists()
    return row.total_submitted and any(pool.pk not in row.submitted for pool in row.mine)
