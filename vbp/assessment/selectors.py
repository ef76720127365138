"""Reads the review (审核) and 查看 pages share: who reviews which assessments, and the items as rows;
and what waits for each user (待办, on the home page).

Nothing here writes; the verbs are in services.py. Scores come from services.product_results,
which asks the core, so no page computes a score of its own.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from vbp import permissions
from vbp.accounts.models import Role
from vbp.accounts.scope import NOTHING
from vbp.assessment import rule_text, scoring
from vbp.assessment.models import Answer, Assessment, Reopen
from vbp.assessment.services import deadline_passed
from vbp.catalog.models import Batch
from vbp.core.rules import Item, RateBandsRule, RuleSet, Veto
from vbp.platformdata.models import PlatformRecord
from vbp.ui.templatetags.vbp_format import money, percent, volume

# How each platform input is shown: volumes as integers, money with separators, the agreed ratio as a percent.
VOLUME_INPUTS = {
    "winning_volume",
    "generic_total_volume",
    "actual_volume",
    "agreed_volume",
    "base_volume",
    "nonselected_volume",
}
PERCENT_INPUTS = {"agreed_ratio"}

# --- who sees which rows ---------------------------------------------------------


def reviewer_filter(user) -> Q:
    """permissions.reviews_hospital as a filter on assessments (tests hold the two together)."""
    if not permissions.reviews_assessments(user):
        return NOTHING
    if user.role == Role.PROVINCE:
        return Q(hospital__province_direct=True)
    if not user.region_id:
        return NOTHING
    place = "hospital__city_id" if user.role == Role.CITY else "hospital__district_id"
    return Q(hospital__province_direct=False, **{place: user.region_id})


def assessments_to_review(user) -> QuerySet:
    """Submitted assessments this user reviews: in scope, and theirs to review."""
    return (
        Assessment.objects.visible_to(user)
        .filter(reviewer_filter(user), status=Assessment.Status.SUBMITTED)
        .select_related("hospital__city", "hospital__district", "batch")
    )


def assessments_to_view(user) -> QuerySet:
    """Submitted assessments this user may look at (查看)."""
    if not permissions.views_scores(user):
        return Assessment.objects.none()
    return (
        Assessment.objects.visible_to(user)
        .filter(status=Assessment.Status.SUBMITTED)
        .select_related("hospital__city", "hospital__district", "batch")
    )


# --- rules in words (the items' own sentences are rule_text's) -------------------------------


def _number(value: Decimal) -> str:
    """20.00 → 20, 0.5 → 0.5: scores as people write them."""
    return format(Decimal(value).normalize(), "f")


def ratio_bands_in_words(rule_set: RuleSet) -> str:
    """得分≥80 留用比例为50%；… as the seed prints it under 综合得分."""
    parts, upper = [], None
    for band in rule_set.ratio_bands:
        low = f"得分≥{_number(band.min_score)}"
        parts.append(
            f"{upper + '>' if upper else ''}{low} 留用比例为{rule_text.percent(min(band.ratio, rule_set.ratio_cap))}"
        )
        upper = _number(band.min_score)
    if upper is not None:
        parts.append(f"{upper}>得分 留用比例为0%")
    return "；".join(parts)


# --- rows for the pages ---------------------------------------------------------


@dataclass
class Figure:
    label: str
    value: str


@dataclass
class ItemRow:
    """One item on a review or 查看 page: the rule, what was reported or measured, and its points."""

    item: Item
    rule: str
    points: Decimal | None = None
    answer: Answer | None = None
    figures: list[Figure] = field(default_factory=list)
    attachments: list[tuple[str, str | None]] = field(default_factory=list)  # (file name, link or None)
    note: str = ""

    @property
    def reviewed(self) -> bool:
        """Reported by the hospital, so the bureau reviews it; platform data needs no review."""
        return self.item.source in scoring.REVIEWED_SOURCES


@dataclass
class VetoRow:
    veto: Veto
    rule: str
    vetoed: bool
    figures: list[Figure]


def answer_figures(item: Item, answer: Answer | None) -> list[Figure]:
    """The hospital's answer, each input under its label."""
    inputs = answer.inputs if answer else {}
    return [Figure(f.label, inputs.get(f.name, "")) for f in scoring.fields_of(item)]


def attachment_link(attachment) -> str:
    """The attachment itself (the hospital, its reviewing bureau and the province may read it)."""
    return reverse("assessment:self_attachment", args=[attachment.pk])


def part1_rows(assessment: Assessment) -> list[ItemRow]:
    """Every Part 1 item the hospital reported, with its answer, attachments and points (0 when rejected)."""
    rule_set = scoring.rule_set_for(assessment)
    answers = {answer.item: answer for answer in assessment.answers.filter(product=None)}
    attachments = list(assessment.attachments.all())
    rows = []
    for item in scoring.reviewed_items(rule_set, 1):
        answer = answers.get(item.code)
        row = ItemRow(item, rule_text.describe_item(item), answer.points if answer else None, answer)
        row.figures = answer_figures(item, answer)
        row.attachments = [(a.file_name, attachment_link(a)) for a in attachments if a.item == item.code]
        rows.append(row)
    return rows


def part1_total(rows: list[ItemRow]) -> Decimal:
    return sum((row.points for row in rows if row.points is not None), Decimal(0))


def undecided(assessment: Assessment, part: int) -> int:
    """How many reported items of a part still wait for 通过 or 驳回."""
    return assessment.answers.filter(decision=Answer.Decision.NONE, product__isnull=(part == 1)).count()


REMARKED = "remarked"  # the attribute the prefetch below fills


def with_remarks(assessments: QuerySet, part: int) -> QuerySet:
    """``assessments`` with their items' 备注 of ``part`` fetched alongside (``remarks`` reads them)."""
    remarked = Answer.objects.filter(product__isnull=(part == 1)).exclude(remark="").select_related("product")
    return assessments.prefetch_related(Prefetch("answers", queryset=remarked, to_attr=REMARKED))


def remarks(assessment: Assessment, answers=None) -> str:
    """The reviewer's 备注 on the items, "item（product）：remark" joined: for a list's column and its export."""
    answers = getattr(assessment, REMARKED) if answers is None else [a for a in answers if a.remark]
    if not answers:
        return ""
    names = {item.code: item.name for item in scoring.rule_set_for(assessment).items}
    return "；".join(
        f"{names.get(a.item, a.item)}{f'（{a.product.generic_name}）' if a.product_id else ''}：{a.remark}"
        for a in answers
    )


def _platform_figure(name: str, inputs: dict) -> Figure:
    value = inputs.get(name)
    if value is None:
        return Figure(rule_text.label(name), "无数据")
    if name in PERCENT_INPUTS:
        return Figure(rule_text.label(name), percent(value))
    return Figure(rule_text.label(name), volume(value) if name in VOLUME_INPUTS else money(value))


def _platform_figures(rule, inputs: dict) -> list[Figure]:
    if isinstance(rule, RateBandsRule):
        names = [rule.numerator, rule.denominator] + ([rule.reference] if rule.reference else [])
        return [_platform_figure(name, inputs) for name in names]
    return []


def product_rows(assessment: Assessment, result: dict) -> tuple[list[ItemRow], list[VetoRow]]:
    """A product's Part 2 items and vetoes as the core scored them (``result`` from services.product_results)."""
    rule_set = scoring.rule_set_for(assessment)
    inputs = scoring.platform_inputs(result.get("record"), assessment.batch)
    core = result.get("core")
    scored = {score.code: score for score in core.items} if core else {}
    answers = {answer.item: answer for answer in result.get("answers", [])}
    rows = []
    for item in rule_set.items_of_part(2):
        score = scored.get(item.code)
        row = ItemRow(item, rule_text.describe_item(item), score.points if score else None)
        if row.reviewed:
            row.answer = answers.get(item.code)
            row.figures = answer_figures(item, row.answer)
        else:
            row.figures = _platform_figures(item.rule, inputs)
            if score is not None and score.measure is not None:
                row.figures.append(Figure("A", percent(score.measure)))
            row.note = score.note if score else ""
        rows.append(row)
    vetoes = {veto.code: veto for veto in core.vetoes} if core else {}
    veto_rows = []
    for veto in rule_set.vetoes:
        figures = [_platform_figure(veto.numerator, inputs), _platform_figure(veto.denominator, inputs)]
        outcome = vetoes.get(veto.code)
        if outcome is not None and outcome.measure is not None:
            figures.append(Figure("A", percent(outcome.measure)))
        veto_rows.append(VetoRow(veto, rule_text.describe_veto(veto), bool(outcome and outcome.vetoed), figures))
    return rows, veto_rows


# --- 待办: what waits for this user, on the home page -------------------------------------------------

DEADLINE_NEAR = datetime.timedelta(days=14)


@dataclass
class Todo:
    """One thing waiting for the user: what, where to do it, and by when."""

    text: str
    url: str
    count: int | None = None
    deadline: datetime.datetime | None = None
    near: bool = False  # the deadline is within DEADLINE_NEAR
    note: str = ""


def todos(user) -> list[Todo]:
    """A hospital's self-assessments to fill and reviews reopened; a reviewing bureau's reviews waiting."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.role == Role.HOSPITAL and user.hospital_id:
        return _hospital_todos(user)
    if permissions.reviews_assessments(user):
        return _reviewer_todos(user)
    return []


def _near(deadline: datetime.datetime | None, now: datetime.datetime) -> bool:
    return deadline is not None and deadline - now <= DEADLINE_NEAR


def _hospital_todos(user) -> list[Todo]:
    pairs = PlatformRecord.objects.visible_to(user).values_list("product__batch", "year").distinct()
    submitted = set(
        Assessment.objects.visible_to(user).filter(status=Assessment.Status.SUBMITTED).values_list("batch_id", "year")
    )
    batches = Batch.objects.in_bulk({batch_id for batch_id, _ in pairs})
    now = timezone.now()
    waiting = []
    for batch_id, year in sorted(set(pairs)):
        batch = batches[batch_id]
        if (batch_id, year) in submitted or batch.rule_set_id is None or deadline_passed(batch):
            continue
        url = reverse("assessment:self_assessment", args=[batch_id, year])
        text = f"{batch.name}（{year}年度）自评{Assessment.Status.DRAFT.label}"
        waiting.append(Todo(text, url, deadline=batch.fill_deadline, near=_near(batch.fill_deadline, now)))
    waiting.sort(key=lambda todo: (todo.deadline is None, todo.deadline or now, todo.text))
    return waiting + _reopened(user)


def _reopened(user) -> list[Todo]:
    """Reviews of the hospital's assessments the province reopened (退回重审) and that are not yet reviewed again."""
    reopened = []
    seen = set()
    for reopen in Reopen.objects.filter(assessment__in=Assessment.objects.visible_to(user)).select_related(
        "assessment__batch"
    ):
        assessment = reopen.assessment
        state = assessment.part1_review if reopen.part == 1 else assessment.part2_review
        if state != Assessment.Review.PENDING or (assessment.pk, reopen.part) in seen:
            continue
        seen.add((assessment.pk, reopen.part))  # the latest reopen of a part comes first
        part = "落实集采政策评分" if reopen.part == 1 else "集采任务完成情况评分"
        view = "assessment:view_policy_detail" if reopen.part == 1 else "assessment:view_task_products"
        text = f"{assessment.batch.name}（{assessment.year}年度）{part}已退回重审，待医保部门重新审核"
        reopened.append(Todo(text, reverse(view, args=[assessment.pk]), note=f"退回原因：{reopen.reason}"))
    return reopened


def _reviewer_todos(user) -> list[Todo]:
    from vbp.assessment import offline  # offline builds on this module's reads, so it is imported late

    waiting = assessments_to_review(user)
    pending = Assessment.Review.PENDING
    found = [
        Todo(
            "落实集采政策评分待审核",
            f"{reverse('assessment:review_policy')}?status={pending}",
            count=waiting.filter(part1_review=pending).count(),
        ),
        Todo(
            "集采任务完成情况评分待审核",
            f"{reverse('assessment:review_tasks')}?status={pending}",
            count=waiting.filter(part2_review=pending).count(),
        ),
    ]
    now = timezone.now()
    for batch, count in offline.awaiting_scores(user):
        found.append(
            Todo(
                f"{batch.name} 医保考核评分待上传（结余测算数据上报）",
                reverse("assessment:offline_batch", args=[batch.pk]),
                count=count,
                deadline=batch.fill_deadline,
                near=_near(batch.fill_deadline, now),
            )
        )
    return found
