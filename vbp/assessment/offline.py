"""Wuhan's offline scoring (seed 001 §4.1, 结余测算数据上报): the reviewing bureau exports its hospitals'
self-scores (导出模版), scores them offline, and uploads the 医保考核评分 column back (考核数据上传).

The upload is read with the platform-data import machinery (sheets.read_table, fields.Column) and
checked in a dry run that places every problem by sheet, Excel row and column; nothing is written
until ``import_bureau_scores`` checks the file again under lock and writes all of it or none.
Scores and ratios come from the core (scoring.assess_product with the bureau's score), under the
assessment's own rule-set version.

Which batches: those whose rule set holds the template's ten items as imported items — the wuhan
preset, in any version. Other rule sets are reviewed online (审核); the pages say so.
Only submitted self-assessments are exported and scored: a draft can still change.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl
from django.db import transaction
from django.db.models import Count, IntegerField, Max, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from vbp import permissions
from vbp.assessment import scoring, selectors, services
from vbp.assessment.models import Answer, Assessment, PendingScoreUpload, ProductScore
from vbp.audit.services import Kind, record_change
from vbp.calc.problems import Problem
from vbp.calc.xlsx import Validation, Worksheet, write_xlsx
from vbp.catalog.models import Batch, Hospital, Product
from vbp.core.rules import RuleSet
from vbp.core.scoring import ScoringInputError
from vbp.platformdata.fields import CellError, Column, show
from vbp.platformdata.models import PlatformRecord
from vbp.platformdata.sheets import UnreadableFile, read_table
from vbp.platformdata.template_files import header_style
from vbp.rulesets.models import RuleSetVersion
from vbp.rulesets.services import rule_set_of

SHEET = "考核评分"
HUNDRED = Decimal(100)
PENDING_KEPT = datetime.timedelta(days=1)  # an upload not confirmed by then is dropped
CONFIRM = (  # 确认导入 asks first: the scores are the review, and what they finish is final
    "确认导入后，医保考核评分即为审核结果：已评分品种的审核完成，全部品种已评分的医疗机构"
    "集采任务完成情况评分审核随即提交，并据此计算结余留用比例（提交后不能修改）。确定导入？"
)

# The template's item columns (docs/domain.md, Review workflow) and the wuhan preset's item each one holds.
ITEM_COLUMNS = (
    ("约定采购量完成率得分", "completion"),
    ("30天回款率得分", "payment_30d"),
    ("药品费用增长率得分", "drug_cost_growth"),
    ("非中选产品采购量占比得分", "nonselected_volume_share"),
    ("非中选产品采购金额占比得分", "nonselected_amount_share"),
    ("疗效近似的其它通用名药品费用情况得分", "similar_efficacy"),
    ("线下采购占比得分", "offline_share"),
    ("执行集采政策的违规次数得分", "policy_violations"),
    ("价格违规次数得分", "price_violations"),
    ("集采中选药品规范流转得分", "circulation_violations"),
)
ITEM_CODES = tuple(code for _, code in ITEM_COLUMNS)
SELF_TOTAL, BUREAU_SCORE = "医疗机构自评总分", "医保考核评分"
HOSPITAL_CODE, VARIETY_CODE = "医疗机构编号", "品种序号"


def _score_column(header: str, name: str) -> Column:
    return Column(header, name, "decimal", required=False, decimals=2, maximum=HUNDRED)


COLUMNS = (
    Column("区域", "area", required=False),
    Column(HOSPITAL_CODE, "hospital", "code", max_length=30),
    Column("医疗机构名称", "hospital_name", required=False),
    Column(VARIETY_CODE, "variety_code", "code", max_length=30),
    Column("品种名称", "product_name", required=False),
    Column("规格", "spec", required=False),
    *(_score_column(header, code) for header, code in ITEM_COLUMNS),
    _score_column(SELF_TOTAL, "self_total"),
    _score_column(BUREAU_SCORE, "bureau_score"),
)
HEADERS = [column.header for column in COLUMNS]
REQUIRED_HEADERS = (HOSPITAL_CODE, VARIETY_CODE, BUREAU_SCORE)


class OfflineRefused(Exception):
    """The upload cannot be written; ``problems`` says where and why, as the dry run does."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"发现 {len(problems)} 处问题，未写入任何数据")


def uses_offline_scoring(version) -> bool:
    """Whether a rule-set version is scored the Wuhan way: the template's ten items, all imported."""
    return version is not None and _offline(rule_set_of(version))


def _offline(rule_set: RuleSet) -> bool:
    return {item.code for item in rule_set.items if item.source == "imported"}.issuperset(ITEM_CODES)


# --- what the bureau sees ----------------------------------------------------------------


def _records(user):
    """Platform records of the hospitals ``user`` reviews (permissions.reviews_hospital, as a filter)."""
    if not permissions.reviews_assessments(user):
        return PlatformRecord.objects.none()
    return PlatformRecord.objects.visible_to(user).filter(selectors.reviewer_filter(user))


def batch_rows(user) -> list[dict]:
    """The batches the bureau's hospitals have platform data in: deadline, way of scoring, hospitals, latest year."""
    counts = {
        row["product__batch"]: row
        for row in _records(user)
        .values("product__batch")
        .annotate(hospitals=Count("hospital", distinct=True), latest=Max("year"))
    }
    batches = Batch.objects.visible_to(user).filter(pk__in=counts).select_related("rule_set")
    return [
        {
            "batch": batch,
            "hospitals": counts[batch.pk]["hospitals"],
            "latest": counts[batch.pk]["latest"],
            "offline": uses_offline_scoring(batch.rule_set),
            "closed": services.deadline_passed(batch),
        }
        for batch in batches
    ]


def years_of(user, batch: Batch) -> list[int]:
    """The years the bureau's hospitals have platform data of this batch, latest first."""
    years = _records(user).filter(product__batch=batch).values_list("year", flat=True).distinct()
    return sorted(set(years), reverse=True)


def awaiting_scores(user) -> list[tuple[Batch, int]]:
    """Per offline-scored batch still open: the bureau's submitted self-assessments without any 医保考核评分 yet."""
    waiting = (
        selectors.assessments_to_review(user)
        .exclude(part2_review=Assessment.Review.DONE)
        .exclude(scores__bureau_score__isnull=False)
    )
    counts = dict(waiting.values("batch").annotate(count=Count("pk")).values_list("batch", "count"))
    batches = Batch.objects.filter(pk__in=counts).select_related("rule_set")
    return [
        (batch, counts[batch.pk])
        for batch in batches
        if uses_offline_scoring(batch.rule_set) and not services.deadline_passed(batch)
    ]


def area_of(hospital: Hospital) -> str:
    """区域: the hospital's district, or its city when it has none."""
    return hospital.district.name if hospital.district_id else hospital.city.name


def _count(queryset: QuerySet, by: str) -> Coalesce:
    """How many rows of ``queryset`` each outer hospital has (``by``: the path to the hospital), as an annotation."""
    counted = queryset.filter(**{by: OuterRef("pk")}).order_by().values(by).annotate(count=Count("pk"))
    return Coalesce(Subquery(counted.values("count")[:1], output_field=IntegerField()), Value(0))


def hospitals_of(user, batch: Batch, year: int) -> QuerySet:
    """The bureau's hospitals in the batch-year, each with ``products`` assessed, its ``assessment_id`` and
    ``assessment_status`` (if it opened one) and ``scored`` (products with a 医保考核评分)."""
    records = _records(user).filter(product__batch=batch, year=year)
    assessments = Assessment.objects.filter(hospital=OuterRef("pk"), batch=batch, year=year)
    scores = ProductScore.objects.filter(assessment__batch=batch, assessment__year=year, bureau_score__isnull=False)
    return (
        Hospital.objects.visible_to(user)
        .filter(pk__in=records.values("hospital"))
        .select_related("city", "district")
        .annotate(
            products=_count(records, "hospital"),
            assessment_id=Subquery(assessments.values("pk")[:1]),
            assessment_status=Subquery(assessments.values("status")[:1]),
            scored=_count(scores, "assessment__hospital"),
        )
        .order_by("code")
    )


# --- 导出模版 ------------------------------------------------------------------------------


def template_rows(user, batch: Batch, year: int) -> list[list]:
    """One row per (hospital, product) the bureau reviews: the hospital's submitted self-scores, 医保考核评分 empty."""
    records = (
        _records(user)
        .filter(product__batch=batch, year=year)
        .select_related("hospital__city", "hospital__district", "product")
    )
    points = defaultdict(dict)
    answers = Answer.objects.filter(
        assessment__batch=batch,
        assessment__year=year,
        assessment__status=Assessment.Status.SUBMITTED,
        assessment__hospital__in=records.values("hospital"),
        product__isnull=False,
        item__in=ITEM_CODES,
    ).values_list("assessment__hospital", "product", "item", "self_points")
    for hospital_id, product_id, item, self_points in answers:
        points[hospital_id, product_id][item] = self_points
    rows = []
    ordered = sorted(records, key=lambda r: (by_number(r.hospital.code), by_number(r.product.variety_code)))
    for record in ordered:
        hospital, product = record.hospital, record.product
        scores = points.get((hospital.pk, product.pk), {})
        items = [scores.get(code) for code in ITEM_CODES]
        total = sum(items) if all(value is not None for value in items) else None
        names = [area_of(hospital), hospital.code, hospital.name, product.variety_code, product.generic_name]
        rows.append([*names, product.spec, *items, total, None])
    return rows


_DIGITS = re.compile(r"([0-9]+)")


def by_number(code: str) -> tuple:
    """A code's sort key with its runs of digits as numbers: GC2_5 before GC2_10, T0005 before T0013."""
    return tuple((1, int(part), part) if part.isdigit() else (0, 0, part) for part in _DIGITS.split(code) if part)


def template_workbook(user, batch: Batch, year: int) -> bytes:
    """The template as an .xlsx: exactly the Wuhan columns, the bureau's rows, 医保考核评分 left to fill.

    Written by the one .xlsx writer (vbp.calc.xlsx): a hospital's name is text, whatever it starts with.
    """
    rows = template_rows(user, batch, year)
    frame = pl.DataFrame(  # text as text; scores as Decimals, or empty cells where a column has none
        [
            pl.Series(
                column.header, [row[index] for row in rows], dtype=None if column.kind == "decimal" else pl.String
            )
            for index, column in enumerate(COLUMNS)
        ]
    )
    error = f"{BUREAU_SCORE}应为 0～100 的数值，最多2位小数"
    score = Validation(HEADERS.index(BUREAU_SCORE), 2, len(rows) + 1, between=(0, HUNDRED), error=error)
    sheet = Worksheet(
        SHEET,
        frame=frame,
        header_styles=[header_style(header == BUREAU_SCORE) for header in HEADERS],
        widths=[max(10, 2.2 * len(header) + 2) for header in HEADERS],
        validations=[score] if rows else [],
        freeze_header=True,
    )
    stream = io.BytesIO()
    write_xlsx(stream, [sheet])
    return stream.getvalue()


# --- 考核数据上传: the file waiting between its dry run and 确认 -------------------------------------------------


def pending_upload(user, batch: Batch, year: int | None) -> PendingScoreUpload | None:
    """The user's upload of this batch and year waiting for 确认, if any (and not yet too old)."""
    if year is None:
        return None
    fresh = PendingScoreUpload.objects.filter(uploaded_at__gt=timezone.now() - PENDING_KEPT)
    return fresh.filter(user=user, batch=batch, year=year).first()


def keep_upload(user, batch: Batch, year: int, file_name: str, content: bytes) -> PendingScoreUpload:
    """Keep an upload for its dry run and 确认 (replacing the user's earlier one of this batch and year)."""
    PendingScoreUpload.objects.filter(uploaded_at__lte=timezone.now() - PENDING_KEPT).delete()
    pending, _ = PendingScoreUpload.objects.update_or_create(
        user=user,
        batch=batch,
        year=year,
        defaults={"file_name": file_name[:255], "sha256": hashlib.sha256(content).hexdigest(), "content": content},
    )
    return pending


# --- 考核数据上传: the dry run --------------------------------------------------------------------


@dataclass
class ScoredRow:
    """A row whose 医保考核评分 will be stored, and what the core makes of it."""

    row: int
    hospital: Hospital
    product: Product
    assessment: Assessment
    bureau_score: Decimal
    self_score: Decimal  # the hospital's own score by its stored answers (rejected items at 0)
    ratio: Decimal
    previous: Decimal | None  # the 医保考核评分 stored before, if any
    core: object = field(repr=False, default=None)


@dataclass
class OfflineCheck:
    """What an upload would do: every problem (then nothing is written), warnings, and the rows to store."""

    total_rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rows: list[ScoredRow] = field(default_factory=list)
    blank: int = 0  # rows without a 医保考核评分: left as they are
    finished: int = 0  # assessments whose Part 2 review the write submitted (every product scored)

    @property
    def added(self) -> int:
        return sum(row.previous is None for row in self.rows)

    @property
    def changed(self) -> int:
        return sum(row.previous is not None and row.previous != row.bureau_score for row in self.rows)

    @property
    def unchanged(self) -> int:
        return sum(row.previous == row.bureau_score for row in self.rows)


def check_upload(user, batch: Batch, year: int, file_name: str, content: bytes, *, lock: bool = False) -> OfflineCheck:
    """The dry run of 考核数据上传: read the whole file and place every problem; nothing is written.

    ``lock`` (inside the write's transaction) locks the assessments the file may touch, so what
    was checked is what is written.
    """
    result = OfflineCheck()
    if not uses_offline_scoring(batch.rule_set):
        result.problems.append(Problem(SHEET, None, "", "本批次的考核方案不采用线下评分，请在“审核”菜单中在线审核"))
        return result
    if services.deadline_passed(batch):
        deadline = timezone.localtime(batch.fill_deadline)
        result.problems.append(Problem(SHEET, None, "", f"已过填报截止时间（{deadline:%Y-%m-%d %H:%M}），不能再上传"))
    try:
        table = read_table(content, file_name, SHEET, HEADERS)
    except UnreadableFile as error:
        result.problems.append(error.problem)
        return result
    missing = [header for header in REQUIRED_HEADERS if header not in table.columns]
    if missing:
        result.problems += [Problem(table.sheet, None, "", f"缺少列“{header}”") for header in missing]
        return result
    result.total_rows = len(table.rows)
    _Checker(user, batch, year, table, lock).check(result)
    if not result.problems and not result.rows:
        result.problems.append(Problem(table.sheet, None, "", f"没有填写{BUREAU_SCORE}的行，没有可导入的数据"))
    for found in (result.problems, result.warnings):
        found.sort(key=lambda problem: (problem.row or 0, problem.column))
    return result


class _Checker:
    """Checks each row of one upload against what the bureau may score; loads what rows refer to once."""

    def __init__(self, user, batch: Batch, year: int, table, lock: bool):
        self.user, self.batch, self.year, self.table = user, batch, year, table
        codes = {show(_cell(cells, table.columns[HOSPITAL_CODE])) for _, cells in table.rows}
        candidates = Hospital.objects.visible_to(user).filter(code__in=codes)
        self.hospitals = {
            hospital.code: hospital for hospital in candidates if permissions.reviews_hospital(user, hospital)
        }
        self.products = {product.variety_code: product for product in Product.objects.filter(batch=batch)}
        self.records = {
            (record.hospital_id, record.product_id): record
            for record in PlatformRecord.objects.filter(
                hospital__in=self.hospitals.values(), product__batch=batch, year=year
            )
        }
        assessments = Assessment.objects.filter(batch=batch, year=year, hospital__in=self.hospitals.values())
        if lock:
            assessments = assessments.select_for_update().order_by("pk")
        self.assessments = {assessment.hospital_id: assessment for assessment in assessments}
        self.answers = defaultdict(list)  # (assessment, product or None) → answers
        for answer in Answer.objects.filter(assessment__in=self.assessments.values()):
            self.answers[answer.assessment_id, answer.product_id].append(answer)
        self.stored = {
            (score.assessment_id, score.product_id): score.bureau_score
            for score in ProductScore.objects.filter(assessment__in=self.assessments.values())
        }
        self.versions = RuleSetVersion.objects.in_bulk({a.rule_set_id for a in self.assessments.values()})
        self.rule_sets = {}  # version id → the core's rule set, parsed once
        self.seen = {}

    def check(self, result: OfflineCheck) -> None:
        for number, cells in self.table.rows:
            self._check_row(number, cells, result)

    def _place(self, header: str) -> str:
        return self.table.place(header) if header in self.table.columns else ""

    def _problem(self, result: OfflineCheck, number: int, header: str, message: str) -> None:
        result.problems.append(Problem(self.table.sheet, number, self._place(header), message))

    def _check_row(self, number: int, cells: list, result: OfflineCheck) -> None:
        values, bad = self._read(number, cells, result)
        hospital, product = self._resolve(number, values, result)
        if hospital is None or product is None:
            return
        key = (hospital.pk, product.pk)
        if key in self.seen:
            headers = f"{HOSPITAL_CODE}、{VARIETY_CODE}"
            place = f"{self._place(HOSPITAL_CODE)}、{self._place(VARIETY_CODE)}"
            result.problems.append(Problem(self.table.sheet, number, place, f"{headers}与第{self.seen[key]}行重复"))
            return
        self.seen[key] = number
        assessment = self.assessments.get(hospital.pk)
        if not bad:
            self._warn(number, values, hospital, product, assessment, result)
        if "bureau_score" in bad:
            return
        if values["bureau_score"] is None:
            result.blank += 1
            return
        self._score(number, values["bureau_score"], hospital, product, assessment, result)

    def _read(self, number: int, cells: list, result: OfflineCheck) -> tuple[dict, set]:
        """Every cell read by its column: the values, and the names of the cells that would not do."""
        values, bad = {}, set()
        for column in COLUMNS:
            index = self.table.columns.get(column.header)
            cell = _cell(cells, index)
            try:
                values[column.name] = column.read(cell)
            except CellError as error:
                bad.add(column.name)
                values[column.name] = None
                shown = show(cell)
                self._problem(result, number, column.header, f"{error}，实为“{shown}”" if shown else str(error))
        return values, bad

    def _resolve(self, number: int, values: dict, result: OfflineCheck) -> tuple[Hospital | None, Product | None]:
        hospital = product = None
        if values["hospital"] is not None:
            hospital = self.hospitals.get(values["hospital"])
            if hospital is None:  # unknown, or someone else's: the same words, so nothing leaks
                message = f"本局审核的医疗机构中没有编号为“{values['hospital']}”的机构"
                self._problem(result, number, HOSPITAL_CODE, message)
        if values["variety_code"] is not None:
            product = self.products.get(values["variety_code"])
            if product is None:
                self._problem(result, number, VARIETY_CODE, f"本批次没有品种序号“{values['variety_code']}”")
        if hospital is not None and product is not None and (hospital.pk, product.pk) not in self.records:
            message = f"该医疗机构{self.year}年度没有此品种的平台数据，不考核此品种"
            self._problem(result, number, VARIETY_CODE, message)
            return None, None
        return hospital, product

    def _warn(self, number, values, hospital, product, assessment, result: OfflineCheck) -> None:
        """What is odd but not wrong: a 自评总分 that is not the sum of its items (docs/domain.md, Fine points)."""
        sheet = self.table.sheet
        items = [values[code] for code in ITEM_CODES]
        total = sum((value for value in items if value is not None), Decimal(0))
        if values["self_total"] is not None and values["self_total"] != total:
            given = _number(values["self_total"])
            message = (
                f"{SELF_TOTAL}为 {given}，各项得分合计为 {_number(total)}，二者不一致；"
                "系统按医疗机构填报的各项得分计算，不采用此总分"
            )
            result.warnings.append(Problem(sheet, number, self._place(SELF_TOTAL), message))
        if values["hospital_name"] and values["hospital_name"] != hospital.name:
            message = f"医疗机构名称与编号不符，系统中为“{hospital.name}”"
            result.warnings.append(Problem(sheet, number, self._place("医疗机构名称"), message))
        if assessment is None or assessment.status != Assessment.Status.SUBMITTED:
            return
        stored = {answer.item: answer.self_points for answer in self.answers[assessment.pk, product.pk]}
        for header, code in ITEM_COLUMNS:
            if values[code] is not None and code in stored and values[code] != stored[code]:
                message = f"与医疗机构填报的自评得分 {_number(stored[code])} 不一致；系统以医疗机构填报的为准"
                result.warnings.append(Problem(sheet, number, self._place(header), message))

    def _score(self, number, bureau_score, hospital, product, assessment, result: OfflineCheck) -> None:
        """Whether this product's 医保考核评分 may be stored now, and the ratio the core gives it."""
        refusal = self._refusal(assessment)
        if refusal:
            self._problem(result, number, BUREAU_SCORE, refusal)
            return
        rule_set = self._rule_set(assessment)
        part1, own = self.answers[assessment.pk, None], self.answers[assessment.pk, product.pk]
        record = self.records[hospital.pk, product.pk]
        try:
            core, score, ratio = scoring.assess_product(rule_set, part1, own, record, self.batch, bureau_score)
        except ScoringInputError as error:
            self._problem(result, number, BUREAU_SCORE, f"无法计算该品种得分：{error}")
            return
        previous = self.stored.get((assessment.pk, product.pk))
        result.rows.append(ScoredRow(number, hospital, product, assessment, score, core.score, ratio, previous, core))

    def _refusal(self, assessment: Assessment | None) -> str:
        if assessment is None or assessment.status != Assessment.Status.SUBMITTED:
            return "该医疗机构尚未提交自评，不能导入医保考核评分"
        if assessment.part2_review == Assessment.Review.DONE:
            return "该医疗机构的集采任务完成情况评分审核已提交，得分不能修改；如需更正请省医保局退回重审"
        if not _offline(self._rule_set(assessment)):
            return "该医疗机构本年度的考核方案不采用线下评分"
        return ""

    def _rule_set(self, assessment: Assessment) -> RuleSet:
        if assessment.rule_set_id not in self.rule_sets:
            self.rule_sets[assessment.rule_set_id] = rule_set_of(self.versions[assessment.rule_set_id])
        return self.rule_sets[assessment.rule_set_id]


def _cell(cells: list, index: int | None):
    return cells[index] if index is not None and index < len(cells) else None


def _number(value: Decimal) -> str:
    """65.00 → 65, 2.50 → 2.5: scores as people write them."""
    return format(value.normalize(), "f")


# --- 考核数据上传: the write ---------------------------------------------------------------------


def import_bureau_scores(user, batch: Batch, year: int, file_name: str, content: bytes, sha256: str) -> OfflineCheck:
    """确认 of 考核数据上传: check the file again under lock, then store every row's 医保考核评分, all or nothing.

    Each product's ProductScore gets the bureau's score as its final score and the ratio the core
    gives that score (scoring.assess_product), under the assessment's rule-set version. The score is
    the review (seed 001 §4.1): the items of the products it scored count as reviewed, and a hospital
    all of whose products are scored has its Part 2 review submitted (services.finish_by_bureau_scores).
    Each assessment's change is audited and its version bumped, so a review page open elsewhere is stale.
    """
    if not permissions.reviews_assessments(user):
        raise OfflineRefused([Problem(SHEET, None, "", "无权上传考核评分")])
    with transaction.atomic():
        batch = Batch.objects.select_related("rule_set").get(pk=batch.pk)  # today's deadline and rule set
        result = check_upload(user, batch, year, file_name, content, lock=True)
        if result.problems:
            raise OfflineRefused(result.problems)
        by_assessment = defaultdict(list)
        for row in result.rows:
            by_assessment[row.assessment.pk].append(row)
        for rows in by_assessment.values():
            result.finished += _store(user, rows, file_name, sha256)
    return result


def _store(user, rows: list[ScoredRow], file_name: str, sha256: str) -> bool:
    """One assessment's rows: its ProductScores, its review where the scores finish it, one audit record, the
    version bumped. Whether its Part 2 review was submitted."""
    assessment = rows[0].assessment
    for row in rows:
        values = services.score_fields(assessment, row.core, row.bureau_score, row.ratio)
        ProductScore.objects.update_or_create(
            assessment=assessment, product=row.product, defaults={**values, "bureau_score": row.bureau_score}
        )
    finished = services.finish_by_bureau_scores(user, assessment)
    Assessment.objects.filter(pk=assessment.pk).update(version=assessment.version + 1)
    assessment.version += 1
    before = {row.product.variety_code: row.previous for row in rows}
    after = {row.product.variety_code: {"医保考核评分": row.bureau_score, "结余留用比例": row.ratio} for row in rows}
    message = f"考核数据上传（{file_name}，SHA-256 {sha256[:16]}）：导入{BUREAU_SCORE} {len(rows)} 个品种"
    if finished:
        message += "，全部品种已评分，集采任务完成情况评分审核已提交"
        after["集采任务完成情况评分审核"] = Assessment.Review.DONE.label
    record_change(user, Kind.UPDATE, assessment, before=before, after=after, message=message)
    return finished
