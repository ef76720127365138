"""Many self-assessments and their reviews at once, as exactly the rows the assessment verbs write.

A hospital's assessment through the verbs (open_assessment → save_answers → store_attachment →
submit_assessment → review_answer for each item → submit_review for each part) takes some eighty
queries; four hundred of them would make the demo load for most of a minute. So the demo writes what
those verbs would have written, in a few bulk inserts: the assessments as each stage leaves them (status,
reviews, reviewers, times, the version each verb bumps), the answers with the points the core gives them
(vbp.assessment.scoring, as save_answers scores them), the attachments through the shared file store,
the product scores the core computes (services.product_results and score_fields, as store_scores keeps
them), and each verb's audit record with its values before and after. Nothing here decides a score.

A Part 2 review submitted here computes no amount: the payment ratios come later, and their
recalculation computes every sheet, as submit_review's refresh would have once they were in.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone

from vbp import files
from vbp.accounts.models import User
from vbp.assessment import scoring, services
from vbp.assessment.attachments import MAX_NAME, attachment_items
from vbp.assessment.models import Answer, Assessment, Attachment, ProductScore
from vbp.audit.models import AuditEvent
from vbp.audit.services import Kind, json_safe, snapshot
from vbp.catalog.models import Batch, Hospital
from vbp.core.rules import RuleSet
from vbp.platformdata.models import PlatformRecord

Review = Assessment.Review
Decision = Answer.Decision
REVIEW_FIELDS = ["decision", "reason", "remark"]  # what review_answer records before and after
OPENED = {  # an assessment's reviews as open_assessment makes it
    "part1_review": Review.WAITING,
    "part2_review": Review.WAITING,
    "part1_reviewed_at": None,
    "part2_reviewed_at": None,
    "part1_reviewer": None,
    "part2_reviewer": None,
}
INSERT_BATCH = 500


class Stage:
    """How far a hospital's assessment of a batch has gone."""

    DRAFT = "draft"  # 待填报: some answers saved, not submitted
    SUBMITTED = "submitted"  # 待审核: Part 1 waits for the bureau
    PART1 = "part1"  # Part 1 reviewed; Part 2 (集采任务完成情况) waits
    REVIEWED = "reviewed"  # both parts reviewed: scores stored


@dataclass
class Plan:
    """One hospital's assessment of one batch: who fills and reviews it, its answers, how far it goes."""

    hospital: Hospital
    batch: Batch
    year: int
    account: User  # the hospital's own
    reviewer: User  # its reviewing bureau
    stage: str
    answers: dict  # {(item code, product id or None): {input: value}}, as save_answers takes them
    rejected: dict[str, str] = field(default_factory=dict)  # item code → 驳回 reason
    attachment: tuple[str, bytes] | None = None  # (file name, content) of the item that needs one
    scored: bool = False  # its bureau uploads 医保考核评分 for it (the Wuhan way), which reviews it


def write(plans: list[Plan]) -> list[Assessment]:
    """Write every plan's rows; the assessments, in the plans' order. Call inside a transaction."""
    now, rule_sets = timezone.now(), RuleSets()
    events: list[AuditEvent] = []
    assessments = Assessment.objects.bulk_create([_assessment(plan, now) for plan in plans], batch_size=INSERT_BATCH)
    answers: list[Answer] = []
    for plan, assessment in zip(plans, assessments, strict=True):
        answers += _answers(plan, assessment, now, rule_sets)
    Answer.objects.bulk_create(answers, batch_size=INSERT_BATCH)
    by_assessment: dict[int, list[Answer]] = {}
    for answer in answers:
        by_assessment.setdefault(answer.assessment_id, []).append(answer)
    with files.keeping() as keep:
        attachments = [_attachment(plan, assessment, keep) for plan, assessment in zip(plans, assessments, strict=True)]
        Attachment.objects.bulk_create([a for a in attachments if a is not None], batch_size=INSERT_BATCH)
        for plan, assessment, attachment in zip(plans, assessments, attachments, strict=True):
            events += _trail(plan, assessment, by_assessment.get(assessment.pk, []), attachment)
        ProductScore.objects.bulk_create(_scores(plans, assessments, by_assessment, rule_sets), batch_size=INSERT_BATCH)
        AuditEvent.objects.bulk_create(events, batch_size=INSERT_BATCH)
    return assessments


# --- the rows ----------------------------------------------------------------------------------------------------


def _assessment(plan: Plan, now) -> Assessment:
    """The assessment as the plan's last verb leaves it; its version counts every verb that bumps it."""
    row = Assessment(hospital=plan.hospital, batch=plan.batch, year=plan.year, rule_set=plan.batch.rule_set)
    row.version += 1  # save_answers
    if plan.stage == Stage.DRAFT:
        return row
    row.status, row.submitted_at, row.part1_review = Assessment.Status.SUBMITTED, now, Review.PENDING
    row.version += 1  # submit_assessment
    if plan.stage == Stage.SUBMITTED:
        return row
    row.part1_review, row.part1_reviewed_at, row.part1_reviewer = Review.DONE, now, plan.reviewer
    row.part2_review = Review.PENDING
    row.version += _decided(plan, 1) + 1  # each review_answer, then submit_review
    if plan.stage == Stage.PART1:
        return row
    row.part2_review, row.part2_reviewed_at, row.part2_reviewer = Review.DONE, now, plan.reviewer
    row.version += _decided(plan, 2) + 1
    return row


def _decided(plan: Plan, part: int) -> int:
    return sum((product is None) == (part == 1) for _, product in plan.answers)


def _answers(plan: Plan, assessment: Assessment, now, rule_sets: RuleSets) -> list[Answer]:
    """save_answers' rows (each scored by the core), decided as far as the plan's reviews go."""
    items = {item.code: item for item in rule_sets.of(assessment).items if item.source in scoring.REVIEWED_SOURCES}
    decided = {Stage.PART1: {1}, Stage.REVIEWED: {1, 2}}.get(plan.stage, set())
    rows = []
    for (code, product_id), inputs in plan.answers.items():
        item = items[code]
        clean = {name: "" if value is None else str(value).strip() for name, value in inputs.items()}
        row = Answer(
            assessment=assessment,
            item=code,
            product_id=product_id,
            inputs=clean,
            self_points=scoring.score_answer(item, clean),
        )
        if (1 if product_id is None else 2) in decided:
            reason = plan.rejected.get(code, "") if product_id is None else ""
            row.decision = Decision.REJECT if reason else Decision.PASS
            row.reason, row.reviewer, row.reviewed_at = reason, plan.reviewer, now
        rows.append(row)
    return rows


def _attachment(plan: Plan, assessment: Assessment, keep) -> Attachment | None:
    """store_attachment's row and file, for a submitted assessment whose rule set asks for one."""
    if plan.stage == Stage.DRAFT or plan.attachment is None:
        return None
    needs = attachment_items(assessment)
    if not needs:
        return None
    name, content = plan.attachment
    stored = keep(SimpleUploadedFile(name, content), max_name=MAX_NAME)
    return Attachment(assessment=assessment, uploaded_by=plan.account, item=needs[0].code, **stored.fields())


def _scores(
    plans: list[Plan], assessments: list[Assessment], answers: dict[int, list[Answer]], rule_sets: RuleSets
) -> list[ProductScore]:
    """store_scores' rows for each Part 2 review submitted: every product the hospital has platform data of, scored
    as services.product_results scores it (scoring.assess_product, the rejected items at 0), kept as score_fields
    keeps it. The platform records are read once for all of them."""
    reviewed = [(plan, row) for plan, row in zip(plans, assessments, strict=True) if plan.stage == Stage.REVIEWED]
    if not reviewed:
        return []
    records = PlatformRecord.objects.filter(
        year__in={plan.year for plan, _ in reviewed},
        hospital__in={plan.hospital.pk for plan, _ in reviewed},
        product__batch__in={plan.batch.pk for plan, _ in reviewed},
    )
    by_hospital: dict[tuple[int, int, int], list[PlatformRecord]] = {}
    for record in records.select_related("product").order_by("product__variety_code"):
        by_hospital.setdefault((record.hospital_id, record.product.batch_id, record.year), []).append(record)
    scores = []
    for plan, row in reviewed:
        rule_set = rule_sets.of(row)
        given = answers.get(row.pk, [])
        part1 = [answer for answer in given if answer.product_id is None]
        for record in by_hospital.get((plan.hospital.pk, plan.batch.pk, plan.year), []):
            own = [answer for answer in given if answer.product_id == record.product_id]
            core, score, ratio = scoring.assess_product(rule_set, part1, own, record, plan.batch, None)
            values = services.score_fields(row, core, score, ratio)
            scores.append(ProductScore(assessment=row, product=record.product, **values))
    return scores


class RuleSets(dict):
    """The assessments' rule sets, each version parsed once (for one write)."""

    def of(self, row: Assessment) -> RuleSet:
        if row.rule_set_id not in self:
            self[row.rule_set_id] = scoring.rule_set_for(row)
        return self[row.rule_set_id]


# --- the audit trail ---------------------------------------------------------------------------------------------


def _trail(plan: Plan, final: Assessment, answers: list[Answer], attachment: Attachment | None) -> list[AuditEvent]:
    """Each verb's audit record, with the assessment as that verb left it."""
    hospital, reviewer = plan.account, plan.reviewer
    version = 1
    state = _as(final, status=Assessment.Status.DRAFT, submitted_at=None, version=version, **OPENED)
    events = [_event(hospital, Kind.CREATE, state, after=snapshot(state))]
    version += 1
    state = _as(state, version=version)
    events.append(_event(hospital, Kind.UPDATE, state, after=snapshot(state), message="保存自评"))
    if plan.stage == Stage.DRAFT:
        return events
    if attachment is not None:
        item = next(item for item in attachment_items(final) if item.code == attachment.item)
        message = f"上传{item.name}附件（{item.attachment}）"
        events.append(_event(hospital, Kind.CREATE, attachment, after=snapshot(attachment), message=message))
    version += 1
    state = _as(
        state,
        status=Assessment.Status.SUBMITTED,
        submitted_at=final.submitted_at,
        part1_review=Review.PENDING,
        version=version,
    )
    events.append(_event(hospital, Kind.STATUS, state, after=snapshot(state), message="提交自评"))
    for part in (1, 2):
        if plan.stage == Stage.SUBMITTED or (part == 2 and plan.stage == Stage.PART1):
            break
        for answer in (answer for answer in answers if (answer.product_id is None) == (part == 1)):
            before = _as(answer, decision=Decision.NONE, reason="")
            events.append(
                _event(
                    reviewer,
                    Kind.UPDATE,
                    answer,
                    before=snapshot(before, REVIEW_FIELDS),
                    after=snapshot(answer, REVIEW_FIELDS),
                )
            )
            version += 1
        version += 1
        if part == 1:
            state = _as(
                state,
                part1_review=Review.DONE,
                part1_reviewed_at=final.part1_reviewed_at,
                part1_reviewer=reviewer,
                part2_review=Review.PENDING,
                version=version,
            )
        else:
            state = _as(
                state,
                part2_review=Review.DONE,
                part2_reviewed_at=final.part2_reviewed_at,
                part2_reviewer=reviewer,
                version=version,
            )
        message = f"提交{services.PARTS[part]}审核"
        events.append(_event(reviewer, Kind.STATUS, state, after=snapshot(state), message=message))
    return events


def _as(row: models.Model, **values) -> models.Model:
    """A copy of ``row`` with ``values`` set: the row as an earlier verb left it."""
    earlier = copy.copy(row)
    for name, value in values.items():
        setattr(earlier, name, value)
    return earlier


def _event(actor: User, kind: str, obj: models.Model, *, before=None, after=None, message: str = "") -> AuditEvent:
    """The record ``record_change`` writes for a change made outside a request (no client address)."""
    return AuditEvent(
        kind=kind,
        actor=actor,
        username=actor.get_username(),
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_text=str(obj)[:255],
        before=json_safe(before),
        after=json_safe(after),
        message=message[:500],
        ip=None,
        user_agent="",
    )
