"""Funding verbs: payment ratios, inpatient visits, computing, confirming and reopening retained amounts.

Each verb is one transaction, checks the actor and the state, and writes its audit
record. Every figure comes from the core (vbp.core.retention, vbp.core.totals): this
module only gathers the stored inputs and keeps what the core returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Prefetch
from django.utils import timezone

from vbp import jobs, permissions
from vbp.accounts.models import Role
from vbp.accounts.scope import hospital_filter
from vbp.assessment.models import Assessment, ProductScore
from vbp.audit.services import Kind, record_change, snapshot
from vbp.catalog.models import Batch, Hospital
from vbp.core.money import round_fraction
from vbp.core.retention import ProductRow, RowResult, compute_row, pool_shares
from vbp.core.rules import RuleSet
from vbp.core.totals import hospital_totals
from vbp.funding.models import (
    AmountReopen,
    AmountSheet,
    Entry,
    PayRatio,
    PoolVisits,
    ProductAmount,
    Recalculation,
    VisitReport,
)
from vbp.platformdata.models import PlatformRecord
from vbp.regions.models import Pool
from vbp.rulesets.services import rule_set_of

Review = Assessment.Review


class FundingRefused(Exception):
    """The actor may not do this now; the message says why, in the user's words."""


class StaleSheet(FundingRefused):
    def __init__(self):
        super().__init__("该留用金额已被他人修改（或已确认），请刷新页面后查看最新状态。")


# --- who answers for what ---------------------------------------------------------------------------

# Two predicates vbp.permissions does not have yet (they belong there, beside keeps_visits):


def required_pools(hospital: Hospital, every_pool: list[Pool] | None = None) -> list[Pool]:
    """The pools whose insured visits a hospital must have: its own, or all of them for a province-direct one."""
    if hospital.province_direct:
        return every_pool if every_pool is not None else list(Pool.objects.order_by("-province_level", "code"))
    if every_pool is not None:
        return [pool for pool in every_pool if pool.pk == hospital.home_pool_id]
    return [hospital.home_pool]


def pools_entered_by(user, hospital: Hospital, every_pool: list[Pool] | None = None) -> list[Pool]:
    """The pools whose visits ``user`` enters at ``hospital`` (none if the hospital is out of the user's scope)."""
    if not Hospital.objects.visible_to(user).filter(pk=hospital.pk).exists():
        return []
    required = required_pools(hospital, every_pool)
    return [pool for pool in required if permissions.enters_pool_visits(user, hospital, pool)]


# --- payment ratios ---------------------------------------------------------------------------------


class StaleRatio(FundingRefused):
    def __init__(self):
        super().__init__("该支付比例已被他人修改，请刷新页面后查看最新状态。")


def find_pay_ratio(batch: Batch, year: int) -> PayRatio:
    """The batch's ratio of the year, or an empty unsaved one (version 1, as a new row starts): reading writes
    nothing."""
    return PayRatio.objects.filter(batch=batch, year=year).first() or PayRatio(batch=batch, year=year)


def _locked_ratio(batch: Batch, year: int, version: int, *, create: bool = False) -> PayRatio | None:
    ratios = PayRatio.objects.select_for_update()
    ratio = ratios.get_or_create(batch=batch, year=year)[0] if create else ratios.filter(batch=batch, year=year).first()
    if ratio is not None and ratio.version != version:
        raise StaleRatio()
    return ratio


def save_pay_ratio(user, batch: Batch, year: int, percent: int, *, version: int) -> PayRatio:
    """The province bureau sets one integer 1–100 per batch and year, until it submits it."""
    if not permissions.keeps_pay_ratios(user):
        raise FundingRefused("只有省医保局可以维护医保基金平均支付比例")
    if type(percent) is not int or not 1 <= percent <= 100:
        raise FundingRefused("医保基金平均支付比例应为 1–100 的整数")
    with transaction.atomic():
        ratio = _locked_ratio(batch, year, version, create=True)
        if ratio.status == Entry.SUBMITTED:
            raise FundingRefused(f"{batch.name}的支付比例已提交，不能修改")
        before = snapshot(ratio, ["percent"])
        ratio.percent = percent
        ratio.version += 1
        ratio.save()
        record_change(user, Kind.UPDATE, ratio, before=before, after=snapshot(ratio, ["percent"]))
    return ratio


def submit_pay_ratio(user, batch: Batch, year: int, *, version: int) -> PayRatio:
    """提交: final; the batch's amounts can then be computed."""
    if not permissions.keeps_pay_ratios(user):
        raise FundingRefused("只有省医保局可以提交医保基金平均支付比例")
    with transaction.atomic():
        ratio = _locked_ratio(batch, year, version)
        if ratio is None or ratio.percent is None:
            raise FundingRefused(f"请先填写{batch.name}的支付比例")
        if ratio.status == Entry.SUBMITTED:
            raise FundingRefused(f"{batch.name}的支付比例已提交")
        ratio.status, ratio.submitted_by, ratio.submitted_at = Entry.SUBMITTED, user, timezone.now()
        ratio.version += 1
        ratio.save()
        record_change(user, Kind.STATUS, ratio, after=snapshot(ratio), message=f"提交支付比例 {ratio.percent}%")
        start_recalculation(user, batch, year)
    return ratio


def reopen_pay_ratio(user, batch: Batch, year: int, reason: str, *, version: int) -> PayRatio:
    """退回 a submitted ratio (province only, with a reason), while no amount of the batch is confirmed."""
    reason = _reopen_reason(user, reason)
    with transaction.atomic():
        ratio = _locked_ratio(batch, year, version)
        if ratio is None or ratio.status != Entry.SUBMITTED:
            raise FundingRefused("该支付比例尚未提交，无需退回")
        if AmountSheet.objects.filter(batch=batch, year=year, status=AmountSheet.Status.CONFIRMED).exists():
            raise FundingRefused("本批次已有确认的留用金额，须先退回这些留用金额")
        ratio.status, ratio.submitted_by, ratio.submitted_at = Entry.DRAFT, None, None
        ratio.version += 1
        ratio.save()
        record_change(user, Kind.STATUS, ratio, after=snapshot(ratio), message=f"退回支付比例：{reason}")
        AmountSheet.objects.filter(batch=batch, year=year).delete()  # none confirmed: they wait for the new ratio
    return ratio


def _reopen_reason(user, reason: str) -> str:
    if not permissions.reopens_submitted_data(user):
        raise FundingRefused("只有省医保局可以退回已提交的数据")
    reason = reason.strip()
    if not reason:
        raise FundingRefused("退回须填写原因")
    return reason


# --- inpatient visits -------------------------------------------------------------------------------


class StaleVisits(FundingRefused):
    def __init__(self):
        super().__init__("住院人次已被他人修改，请刷新页面后查看最新状态。")


def visit_report(hospital: Hospital, year: int) -> VisitReport:
    """The hospital's report of the year, made (empty) if it has none yet: for the verbs that write to it."""
    report, _ = VisitReport.objects.get_or_create(hospital=hospital, year=year)
    return report


def find_visit_report(hospital: Hospital, year: int) -> VisitReport:
    """The hospital's report of the year, or an empty unsaved one: reading a page writes nothing."""
    return VisitReport.objects.filter(hospital=hospital, year=year).first() or VisitReport(hospital=hospital, year=year)


def save_total_visits(user, report: VisitReport, total: int, *, version: int) -> VisitReport:
    """The hospital enters its last-year total (上一年度住院总人次), until it submits it."""
    if type(total) is not int or total <= 0:
        raise FundingRefused("上一年度住院总人次应为大于 0 的整数")
    with transaction.atomic():
        report = _locked_report(report, version)
        check_own_hospital(user, report)
        if report.status == Entry.SUBMITTED:
            raise FundingRefused("住院总人次已提交，不能修改")
        before = snapshot(report, ["total_visits"])
        report.total_visits = total
        return _bump(report, user, Kind.UPDATE, "填报上一年度住院总人次", before)


def submit_total_visits(user, report: VisitReport, *, version: int) -> VisitReport:
    """提交 the total with its proof; the bureaus can then enter their insured's visits."""
    with transaction.atomic():
        report = _locked_report(report, version)
        check_own_hospital(user, report)
        if report.status == Entry.SUBMITTED:
            raise FundingRefused("住院总人次已提交")
        if report.total_visits is None:
            raise FundingRefused("请先填写上一年度住院总人次")
        if not report.proofs.exists():
            raise FundingRefused("请先上传住院总人次的证明材料（附件）")
        report.status, report.submitted_at = Entry.SUBMITTED, timezone.now()
        report = _bump(report, user, Kind.STATUS, f"提交上一年度住院总人次 {report.total_visits}")
        refresh_hospital(report.hospital, report.year)
        return report


def save_pool_visits(user, report: VisitReport, counts: dict[int, int], *, version: int) -> VisitReport:
    """The user's pools' visits at the hospital (``{pool id: count}``), all or none.

    A count above the hospital's total, or pools together above it, is refused.
    """
    with transaction.atomic():
        report = _locked_report(report, version)
        mine = {pool.pk: pool for pool in pools_entered_by(user, report.hospital)}
        if not mine:
            raise FundingRefused("无权填报该医疗机构的参保患者住院人次")
        if report.status != Entry.SUBMITTED:
            raise FundingRefused("医疗机构尚未提交上一年度住院总人次，暂不能填报")
        values = {}
        for pool_id, value in counts.items():
            pool = mine.get(pool_id)
            if pool is None:
                raise FundingRefused("无权填报该统筹区的住院人次")
            if type(value) is not int or value < 0:
                raise FundingRefused(f"{pool.name}住院人次应为不小于 0 的整数")
            if value > report.total_visits:
                raise FundingRefused(f"{pool.name}住院人次 {value} 超过医疗机构住院总人次 {report.total_visits}")
            values[pool.pk] = value
        stored = {row.pool_id: row for row in report.pools.select_for_update()}
        if any(stored[pk].status == Entry.SUBMITTED for pk in values if pk in stored):
            raise FundingRefused("已提交的住院人次不能修改")
        together = sum(values.values()) + sum(row.visits for pk, row in stored.items() if pk not in values)
        if together > report.total_visits:
            raise FundingRefused(f"各统筹区住院人次合计 {together} 超过医疗机构住院总人次 {report.total_visits}")
        before = {mine[pk].name: stored[pk].visits for pk in values if pk in stored}
        for pk, value in values.items():
            PoolVisits.objects.update_or_create(
                report=report, pool_id=pk, defaults={"visits": value, "entered_by": user}
            )
        after = {mine[pk].name: value for pk, value in values.items()}
        return _bump(report, user, Kind.UPDATE, "填报参保患者住院人次", before, after)


def submit_pool_visits(user, report: VisitReport, *, version: int) -> VisitReport:
    """提交 the user's pools at the hospital: every one of them entered (the platform: all ten cities)."""
    with transaction.atomic():
        report = _locked_report(report, version)
        mine = pools_entered_by(user, report.hospital)
        if not mine:
            raise FundingRefused("无权提交该医疗机构的参保患者住院人次")
        rows = {row.pool_id: row for row in report.pools.select_for_update()}
        missing = [pool.name for pool in mine if pool.pk not in rows]
        if missing:
            raise FundingRefused("尚未填报：" + "、".join(missing))
        if all(rows[pool.pk].status == Entry.SUBMITTED for pool in mine):
            raise FundingRefused("住院人次已提交")
        PoolVisits.objects.filter(pk__in=[rows[pool.pk].pk for pool in mine]).update(status=Entry.SUBMITTED)
        names = "、".join(pool.name for pool in mine)
        report = _bump(report, user, Kind.STATUS, f"提交参保患者住院人次（{names}）")
        refresh_hospital(report.hospital, report.year)
        return report


def reopen_visits(user, report: VisitReport, reason: str, *, version: int) -> VisitReport:
    """退回 a hospital's submitted visits (province only, with a reason): the total and every pool go back to
    待填报, in the seed's order again; refused while any of the hospital's amounts of the year is confirmed."""
    reason = _reopen_reason(user, reason)
    with transaction.atomic():
        report = _locked_report(report, version)
        if report.status != Entry.SUBMITTED:
            raise FundingRefused("住院总人次尚未提交，无需退回")
        confirmed = AmountSheet.objects.filter(
            hospital=report.hospital, year=report.year, status=AmountSheet.Status.CONFIRMED
        )
        if confirmed.exists():
            raise FundingRefused("该医疗机构已有确认的留用金额，须先退回这些留用金额")
        report.status, report.submitted_at = Entry.DRAFT, None
        report.pools.update(status=Entry.DRAFT)
        report = _bump(report, user, Kind.STATUS, f"退回住院人次：{reason}")
        refresh_hospital(report.hospital, report.year)
        return report


def check_own_hospital(user, report: VisitReport) -> None:
    if not permissions.enters_total_visits(user, report.hospital):
        raise FundingRefused("只有该医疗机构本身可以填报住院总人次")


def _locked_report(report: VisitReport, version: int) -> VisitReport:
    """The report, locked, if it is still the version the page showed; else the user is told to refresh."""
    current = VisitReport.objects.select_for_update().select_related("hospital").get(pk=report.pk)
    if current.version != version:
        raise StaleVisits()
    return current


def _bump(report: VisitReport, user, kind, message: str, before=None, after=None) -> VisitReport:
    report.version += 1
    report.save()
    record_change(user, kind, report, before=before, after=after or snapshot(report), message=message)
    return report


# --- retained amounts -------------------------------------------------------------------------------


@dataclass
class SheetInputs:
    """Everything one hospital's amounts need, gathered from the database, or what is still missing."""

    hospital: Hospital
    batch: Batch
    year: int
    missing: list[str]
    assessment: Assessment | None = None
    rule_set: RuleSet | None = None
    pay_ratio: int | None = None
    report: VisitReport | None = None
    visits: dict[str, int] | None = None
    scores: list[ProductScore] = field(default_factory=list)
    records: dict[int, PlatformRecord] = field(default_factory=dict)


def gather_inputs(hospital: Hospital, batch: Batch, year: int) -> SheetInputs:
    """The inputs of a hospital's sheet and, in the page's words, which of them are not submitted yet."""
    return gather_many([hospital], batch, year)[hospital.pk]


def gather_many(hospitals, batch: Batch, year: int) -> dict[int, SheetInputs]:
    """``gather_inputs`` for many hospitals at once, in a few queries (a recalculation reads a batch this way)."""
    ids = [hospital.pk for hospital in hospitals]
    assessments = {
        assessment.hospital_id: assessment
        for assessment in Assessment.objects.filter(hospital_id__in=ids, batch=batch, year=year).select_related(
            "rule_set"
        )
    }
    parsed = {pk: rule_set_of(a.rule_set) for pk, a in {a.rule_set_id: a for a in assessments.values()}.items()}
    ratio = PayRatio.objects.filter(batch=batch, year=year, status=Entry.SUBMITTED).first()
    reports = {
        report.hospital_id: report
        for report in VisitReport.objects.filter(hospital_id__in=ids, year=year).prefetch_related(
            Prefetch("pools", queryset=PoolVisits.objects.select_related("pool"))
        )
    }
    every_pool = list(Pool.objects.order_by("-province_level", "code"))
    scores: dict[int, list[ProductScore]] = {}
    for score in (
        ProductScore.objects.filter(assessment__in=assessments.values())
        .select_related("product")
        .order_by("product__variety_code")
    ):
        scores.setdefault(score.assessment_id, []).append(score)
    records: dict[int, dict[int, PlatformRecord]] = {}
    for record in PlatformRecord.objects.filter(hospital_id__in=ids, year=year, product__batch=batch):
        records.setdefault(record.hospital_id, {})[record.product_id] = record
    gathered = {}
    for hospital in hospitals:
        assessment = assessments.get(hospital.pk)
        rule_set = parsed[assessment.rule_set_id] if assessment else None
        gathered[hospital.pk] = _inputs(
            hospital,
            batch,
            year,
            assessment,
            rule_set,
            ratio,
            reports.get(hospital.pk),
            required_pools(hospital, every_pool),
        )
        if assessment is not None:
            gathered[hospital.pk].scores = scores.get(assessment.pk, [])
            gathered[hospital.pk].records = records.get(hospital.pk, {})
    return gathered


def _inputs(hospital, batch, year, assessment, rule_set, ratio, report, pools) -> SheetInputs:
    missing = []
    if assessment is None or assessment.part1_review != Review.DONE:
        missing.append("落实集采政策评分审核未提交")
    if assessment is None or assessment.part2_review != Review.DONE:
        missing.append("集采任务完成情况评分审核未提交")
    if ratio is None:
        missing.append("本批次医保基金平均支付比例未提交")
    if report is None or report.status != Entry.SUBMITTED:
        missing.append("医疗机构上一年度住院总人次未提交")
    submitted = {}
    if report is not None:
        submitted = {row.pool.name: row.visits for row in report.pools.all() if row.status == Entry.SUBMITTED}
    names = [pool.name for pool in pools]
    missing += [f"{name}参保患者住院人次未提交" for name in names if name not in submitted]
    if rule_set is not None and rule_set.fund_split and not _has_fund_basis(report):
        missing.append("职保、居保拆分依据未导入")
    return SheetInputs(
        hospital,
        batch,
        year,
        missing,
        assessment,
        rule_set,
        ratio.percent if ratio else None,
        report,
        {name: submitted[name] for name in names if name in submitted},
    )


def _has_fund_basis(report: VisitReport | None) -> bool:
    return report is not None and report.employee_basis is not None and report.resident_basis is not None


def compute_sheet(inputs: SheetInputs):
    """The core's figures for a hospital whose inputs are complete: (rule set, [(score, record, result)], totals)."""
    rule_set = inputs.rule_set
    rows = []
    for score in inputs.scores:
        record = inputs.records[score.product_id]
        row = product_row(score, record, inputs.batch, inputs.pay_ratio)
        result = compute_row(rule_set, row, inputs.visits, inputs.report.total_visits)
        if result.vetoed != score.vetoed:
            raise FundingRefused(f"{score.product.generic_name}的一票否决与评分结果不一致，请检查考核方案")
        rows.append((score, record, row, result))
    shares = pool_shares(inputs.visits, inputs.report.total_visits, rule_set)
    basis = None
    if _has_fund_basis(inputs.report):
        basis = (Decimal(inputs.report.employee_basis), Decimal(inputs.report.resident_basis))
    totals = hospital_totals(rule_set, [result for *_, result in rows], shares, basis)
    return rule_set, rows, totals


def product_row(score: ProductScore, record: PlatformRecord, batch: Batch, pay_ratio: int) -> ProductRow:
    """The core's inputs for one product: the stored score, the platform's volumes, the product's prices."""
    return ProductRow(
        score=score.score,
        agreed_volume=record.agreed_volume,
        base_volume=record.base_volume,
        bid_price=score.product.bid_price,
        weighted_avg_price=score.product.weighted_avg_price,
        nonselected_amount=record.nonselected_amount,
        pay_ratio=Decimal(pay_ratio),
        actual_volume=record.winning_volume,
        renewal=batch.renewal,
    )


def refresh_sheet(hospital: Hospital, batch: Batch, year: int) -> AmountSheet | None:
    """Recompute a hospital's sheet from its current inputs, unless it is confirmed (then it never changes)."""
    return refresh_sheets([hospital], batch, year)[0]


def refresh_sheets(hospitals, batch: Batch, year: int) -> list[AmountSheet | None]:
    """``refresh_sheet`` for several hospitals in one transaction: their sheets, or None where inputs are missing.

    Safe to run at the same moment twice: the sheet rows are locked (in hospital order) before the
    inputs are read, and the same inputs give the same rows.
    """
    with transaction.atomic():
        locked = {
            sheet.hospital_id: sheet
            for sheet in AmountSheet.objects.select_for_update()
            .filter(hospital__in=[hospital.pk for hospital in hospitals], batch=batch, year=year)
            .order_by("hospital_id")
        }
        gathered = gather_many(hospitals, batch, year)
        sheets, rows = [], []
        for hospital in hospitals:
            sheet, inputs = locked.get(hospital.pk), gathered[hospital.pk]
            if sheet is not None and sheet.status == AmountSheet.Status.CONFIRMED:
                sheets.append(sheet)
            elif inputs.missing:
                if sheet is not None:
                    sheet.delete()
                sheets.append(None)
            else:
                sheet, products = _store(sheet, inputs)
                sheets.append(sheet)
                rows += products
        stored = [sheet.pk for sheet in sheets if sheet is not None and sheet.status != AmountSheet.Status.CONFIRMED]
        ProductAmount.objects.filter(sheet_id__in=stored).delete()  # their old rows, in one statement
        insert_product_amounts(rows)
    return sheets


def insert_product_amounts(rows: list[ProductAmount]) -> None:
    """``bulk_create`` of product rows without its per-cell preparation, which is most of a recalculation's time.

    Every value is already what the column takes (exact Decimals, ints, bools; the pool split is encoded
    as the JSON field does), so the driver gets them as they are. A test holds the rows equal to
    ``bulk_create``'s.
    """
    if not rows:
        return
    fields = [field for field in ProductAmount._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(ProductAmount._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from the model, values bound
    json_field = ProductAmount._meta.get_field("pool_amounts")
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                [
                    json_field.get_db_prep_save(row.pool_amounts, connection)
                    if field is json_field
                    else getattr(row, field.attname)
                    for field in fields
                ]
                for row in rows
            ],
        )


def _lock_or_create(hospital, batch, year) -> AmountSheet | None:
    return AmountSheet.objects.select_for_update().filter(hospital=hospital, batch=batch, year=year).first()


def _store(sheet: AmountSheet | None, inputs: SheetInputs) -> tuple[AmountSheet, list[ProductAmount]]:
    """The sheet saved with the core's totals, and its new rows; the caller replaces its old rows with them."""
    rule_set, rows, totals = compute_sheet(inputs)
    q = rule_set.amount_decimals
    fields = {
        "rule_set_id": inputs.assessment.rule_set_id,
        "pay_ratio": inputs.pay_ratio,
        "decimals": q,
        "total_visits": inputs.report.total_visits,
        "pool_visits": inputs.visits,
        "product_count": totals.product_count,
        "budget_total": totals.budget,
        "surplus_total": totals.surplus,
        "retained_total": totals.retained,
        "payable_total": totals.payable,
        "employee_amount": totals.funds.employee if totals.funds else None,
        "resident_amount": totals.funds.resident if totals.funds else None,
        "pool_amounts": {pool: format(amount, "f") for pool, amount in totals.pool_payable.items()},
        "computed_at": timezone.now(),
    }
    if sheet is None:
        try:
            with transaction.atomic():
                sheet = AmountSheet.objects.create(
                    hospital=inputs.hospital, batch=inputs.batch, year=inputs.year, **fields
                )
        except IntegrityError:  # another recalculation created it a moment ago: take its row, and its lock
            sheet = _lock_or_create(inputs.hospital, inputs.batch, inputs.year)
            if sheet.status == AmountSheet.Status.CONFIRMED:
                return sheet, []
    for name, value in fields.items():
        setattr(sheet, name, value)
    sheet.version += 1
    sheet.save()
    return sheet, [_product_amount(sheet, score, record, result, q) for score, record, _, result in rows]


def _product_amount(sheet, score: ProductScore, record: PlatformRecord, result: RowResult, q: int) -> ProductAmount:
    return ProductAmount(
        sheet=sheet,
        product_id=score.product_id,
        score=score.score,
        agreed_volume=record.agreed_volume,
        actual_volume=record.winning_volume,
        base_volume=record.base_volume,
        bid_price=score.product.bid_price,
        weighted_avg_price=score.product.weighted_avg_price,
        nonselected_amount=record.nonselected_amount,
        vetoed=result.vetoed,
        retention_ratio=result.retention_ratio,
        budget=result.budget,
        actual_cost=result.actual_cost,
        surplus=result.surplus,
        total_share=round_fraction(result.total_share, 10, "half_up"),  # for display; the pools keep it exact
        retained_amount=result.retained_amount,
        payable_amount=result.payable_amount,
        pool_amounts={
            pool: [str(result.shares[pool]), format(amount, "f")] for pool, amount in result.pool_amounts.items()
        },
    )


def confirm_sheet(user, hospital: Hospital, batch: Batch, year: int, *, version: int) -> AmountSheet:
    """确认: only when both reviews, the payment ratio and every visit count are submitted, and the sheet is still
    the version the page showed. Final."""
    if not permissions.confirms_amounts(user, hospital):
        raise FundingRefused("无权确认该医疗机构的留用金额")
    with transaction.atomic():
        sheet = _lock_or_create(hospital, batch, year)
        if sheet is not None and sheet.version != version:
            raise StaleSheet()
        if sheet is not None and sheet.status == AmountSheet.Status.CONFIRMED:
            raise FundingRefused("留用金额已确认")
        inputs = gather_inputs(hospital, batch, year)
        if inputs.missing:
            raise FundingRefused("尚不能确认：" + "；".join(inputs.missing))
        sheet, rows = _store(sheet, inputs)  # what is confirmed is what the inputs give now
        sheet.rows.all().delete()
        insert_product_amounts(rows)
        sheet.status, sheet.confirmed_by, sheet.confirmed_at = AmountSheet.Status.CONFIRMED, user, timezone.now()
        sheet.version += 1
        sheet.save()
        message = f"确认留用金额：应留用金额合计 {sheet.payable_total}"
        record_change(user, Kind.STATUS, sheet, after=snapshot(sheet), message=message)
    return sheet


def reopen_sheet(user, sheet: AmountSheet, reason: str, *, version: int) -> AmountSheet:
    """退回 a confirmed sheet (province bureau only, with a reason): computed afresh, to be confirmed again."""
    reason = reason.strip()
    if not permissions.reopens_submitted_data(user):
        raise FundingRefused("只有省医保局可以退回已确认的留用金额")
    if not reason:
        raise FundingRefused("退回须填写原因")
    with transaction.atomic():
        sheet = AmountSheet.objects.select_for_update().get(pk=sheet.pk)
        if sheet.version != version:
            raise StaleSheet()
        if sheet.status != AmountSheet.Status.CONFIRMED:
            raise FundingRefused("留用金额尚未确认，无需退回")
        sheet.status, sheet.confirmed_by, sheet.confirmed_at = AmountSheet.Status.PENDING, None, None
        sheet.version += 1
        sheet.save()
        AmountReopen.objects.create(sheet=sheet, reason=reason, by=user)
        record_change(user, Kind.STATUS, sheet, after=snapshot(sheet), message=f"退回留用金额：{reason}")
    return refresh_sheet(sheet.hospital, sheet.batch, sheet.year) or sheet


def is_confirmed(hospital: Hospital, batch: Batch, year: int) -> bool:
    return AmountSheet.objects.filter(
        hospital=hospital, batch=batch, year=year, status=AmountSheet.Status.CONFIRMED
    ).exists()


def hospitals_of_batch(batch: Batch, year: int):
    """The hospitals assessed in a batch and year: those with an assessment of it."""
    return Hospital.objects.filter(assessment__batch=batch, assessment__year=year).distinct().order_by("code")


def refresh_hospital(hospital: Hospital, year: int) -> None:
    """Recompute every unconfirmed sheet of a hospital in a year (its visits changed)."""
    for batch in Batch.objects.filter(assessment__hospital=hospital, assessment__year=year).distinct():
        refresh_sheet(hospital, batch, year)


# --- recalculation of a whole batch, in the background ------------------------------------------------


def recalculation_hospitals(job: Recalculation):
    """The hospitals a recalculation covers: those assessed in its batch-year within its requester's scope."""
    return hospitals_of_batch(job.batch, job.year).filter(hospital_filter(job.requested_by))


def covers(job: Recalculation, user) -> bool:
    """Whether ``job`` already recalculates every hospital of the batch-year in ``user``'s scope
    (``Recalculation.objects.visible_to`` says the same as a filter)."""
    mine = hospitals_of_batch(job.batch, job.year).filter(hospital_filter(user))
    theirs = Hospital.objects.filter(hospital_filter(job.requested_by)).values("pk")
    return not mine.exclude(pk__in=theirs).exists()


def start_recalculation(user, batch: Batch, year: int, *, background: bool = True) -> Recalculation:
    """Queue 重新测算 of the batch's sheets in the user's scope; while one runs for the batch-year, join it.

    ``background=False`` runs it in this process (unless a worker has already taken it).
    """
    if not permissions.recalculates(user):
        raise FundingRefused("无权重新测算")
    reap_interrupted_recalculations()
    with transaction.atomic():
        active = _active_recalculation(batch, year)
        created = _queue_recalculation(user, batch, year, background=background) if active is None else None
        if active is None and created is None:  # another request made one in the meantime
            active = _active_recalculation(batch, year)
    job = created or _join(active, user)
    if not background and job.waiting_for_worker:
        recalculate(job)
    return job


def _queue_recalculation(user, batch: Batch, year: int, *, background: bool) -> Recalculation | None:
    """A new recalculation, audited and (in the background) enqueued; None if the database already holds one."""
    try:
        with transaction.atomic():
            job = Recalculation.objects.create(batch=batch, year=year, requested_by=user)
            record_change(user, Kind.CREATE, job, after=snapshot(job), message=f"重新测算 {batch.name} {year}年度")
    except IntegrityError:
        return None
    if background:
        from vbp.funding.tasks import recalculate_task

        transaction.on_commit(lambda: recalculate_task.enqueue(job.pk))
    return job


def _active_recalculation(batch: Batch, year: int) -> Recalculation | None:
    active = Recalculation.objects.filter(batch=batch, year=year, status__in=Recalculation.ACTIVE)
    return active.select_related("requested_by", "batch").first()


def _join(active: Recalculation, user) -> Recalculation:
    """A request while one runs: it joins that one if that one covers the user's hospitals, else waits its turn."""
    if covers(active, user):
        return active
    who = active.requested_by.display_name
    raise FundingRefused(f"{active.batch.name} {active.year}年度正在由{who}重新测算，请待其完成后再发起")


def recalculate(job: Recalculation) -> Recalculation:
    """Refresh every sheet of the batch in the requester's scope, VBP_RECALCULATION_CHUNK hospitals a transaction.

    Confirmed sheets stay. Each chunk is safe to repeat, so a rerun after an interruption finishes the work;
    a run that finds the job no longer its own (given up as interrupted, cancelled) stops at the next chunk.
    """
    if not jobs.claim(
        job, waiting={"status": Recalculation.Status.QUEUED}, then={"status": Recalculation.Status.RUNNING}
    ):
        job.refresh_from_db()
        return job  # another worker has it
    with jobs.heartbeat(job):
        hospitals = list(recalculation_hospitals(job).select_related("home_pool"))
        mine = Recalculation.objects.filter(pk=job.pk, status=Recalculation.Status.RUNNING, worker=jobs.worker_id())
        mine.update(total=len(hospitals), done=0, computed=0, skipped=0)
        computed = skipped = 0
        chunk = settings.VBP_RECALCULATION_CHUNK
        for start in range(0, len(hospitals), chunk):
            if not mine.exists():
                job.refresh_from_db()
                return job
            sheets = refresh_sheets(hospitals[start : start + chunk], job.batch, job.year)
            computed += sum(sheet is not None for sheet in sheets)
            skipped += sum(sheet is None for sheet in sheets)
            mine.update(done=start + len(sheets), computed=computed, skipped=skipped)
        mine.update(
            status=Recalculation.Status.DONE,
            done=len(hospitals),
            computed=computed,
            skipped=skipped,
            finished_at=timezone.now(),
        )
    job.refresh_from_db()
    return job


def reap_interrupted_recalculations() -> int:
    """Mark every recalculation whose worker stopped beating as failed (中断), so it can be rerun or cancelled."""
    reaped = 0
    for job in jobs.stale_candidates(Recalculation.objects.filter(status__in=Recalculation.ACTIVE)):
        with transaction.atomic():
            locked = Recalculation.objects.select_for_update().get(pk=job.pk)
            if not locked.running or not jobs.is_stale(locked):
                continue
            before = snapshot(locked, ["status"])
            locked.status, locked.interrupted, locked.error = Recalculation.Status.FAILED, True, jobs.INTERRUPTED
            locked.finished_at = timezone.now()
            locked.save(update_fields=["status", "interrupted", "error", "finished_at"])
            after = snapshot(locked, ["status", "done", "total"])
            record_change(
                None, Kind.STATUS, locked, before=before, after=after, message=f"重新测算中断：{jobs.INTERRUPTED}"
            )
            reaped += 1
    return reaped


def rerun_recalculation(user, job: Recalculation) -> Recalculation:
    """重新运行 a failed or interrupted recalculation: all its hospitals again (what was done is done the same)."""
    if not permissions.recalculates(user) or (not covers(job, user) and user.role != Role.PROVINCE):
        raise FundingRefused("无权重新运行此测算")
    with transaction.atomic():
        job = Recalculation.objects.select_for_update().get(pk=job.pk)
        if job.status != Recalculation.Status.FAILED:
            raise FundingRefused(f"此测算当前状态为“{job.get_status_display()}”，无需重新运行")
        if Recalculation.objects.filter(batch=job.batch, year=job.year, status__in=Recalculation.ACTIVE).exists():
            raise FundingRefused("本批次本年度已有测算在进行，请待其完成")
        before = snapshot(job, ["status"])
        job.status, job.interrupted, job.error, job.finished_at = Recalculation.Status.QUEUED, False, "", None
        job.worker, job.heartbeat_at, job.done = "", None, 0
        job.save(update_fields=["status", "interrupted", "error", "finished_at", "worker", "heartbeat_at", "done"])
        record_change(
            user, Kind.STATUS, job, before=before, after=snapshot(job, ["status"]), message="重新运行重新测算"
        )
        from vbp.funding.tasks import recalculate_task

        transaction.on_commit(lambda: recalculate_task.enqueue(job.pk))
    return job


def cancel_recalculation(user, job: Recalculation) -> Recalculation:
    """取消 a failed recalculation, or one still waiting for the worker; sheets already refreshed stay refreshed."""
    if not permissions.recalculates(user) or (not covers(job, user) and user.role != Role.PROVINCE):
        raise FundingRefused("无权取消此测算")
    with transaction.atomic():
        job = Recalculation.objects.select_for_update().get(pk=job.pk)
        waiting = job.status == Recalculation.Status.QUEUED and job.waiting_for_worker
        if not (job.status == Recalculation.Status.FAILED or waiting):
            raise FundingRefused("此测算正在进行或已完成，不能取消")
        before = snapshot(job, ["status"])
        job.status, job.finished_at = Recalculation.Status.CANCELLED, timezone.now()
        job.save(update_fields=["status", "finished_at"])
        record_change(user, Kind.STATUS, job, before=before, after=snapshot(job, ["status"]), message="取消重新测算")
    return job
