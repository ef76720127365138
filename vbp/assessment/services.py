"""Assessment verbs: fill and submit a self-assessment, review items, submit a review, reopen it, score.

Each verb is one transaction that locks the assessment row, checks the actor, the state and the
version the user saw (every verb requires it: the page's form carries it, and a caller acting on
the current state passes the version it has just read), then bumps the version: two people acting
on the same assessment end in one consistent state, and the one who came second is told plainly.
Who may act is vbp.permissions' business; these verbs ask it.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from vbp import permissions
from vbp.assessment import scoring
from vbp.assessment.models import Answer, Assessment, ProductScore, Reopen
from vbp.audit.services import Kind, record_change, snapshot
from vbp.catalog.models import Batch, Hospital, Product
from vbp.core.scoring import ScoringInputError
from vbp.platformdata.models import PlatformRecord

Review = Assessment.Review
Decision = Answer.Decision
PARTS = {1: "落实集采政策评分", 2: "集采任务完成情况评分"}


class AssessmentRefused(Exception):
    """The actor may not do this now; the message says why, in the user's words."""


class StaleAssessment(AssessmentRefused):
    """Someone else changed the assessment since this user loaded it."""

    def __init__(self):
        super().__init__("该考核已被他人修改（或已提交），请刷新页面后查看最新状态。")


def deadline_passed(batch: Batch) -> bool:
    return batch.fill_deadline is not None and timezone.now() > batch.fill_deadline


# --- the hospital's side -------------------------------------------------------


def products_of(hospital: Hospital, batch: Batch, year: int):
    """The batch's products this hospital has platform data for in ``year``: the ones it is assessed on."""
    return Product.objects.filter(batch=batch, platformrecord__hospital=hospital, platformrecord__year=year).order_by(
        "variety_code"
    )


def open_assessment(user, hospital: Hospital, batch: Batch, year: int) -> Assessment:
    """The assessment of this hospital, batch and year, created on first use under the batch's rule set."""
    if not (permissions.fills_assessment(user, hospital) or permissions.reviews_hospital(user, hospital)):
        raise AssessmentRefused("无权填报或审核该医疗机构")
    if batch.rule_set_id is None:
        raise AssessmentRefused("该批次尚未指定考核方案")
    assessment, created = Assessment.objects.get_or_create(
        hospital=hospital, batch=batch, year=year, defaults={"rule_set_id": batch.rule_set_id}
    )
    if created:
        record_change(user, Kind.CREATE, assessment, after=snapshot(assessment))
    return assessment


def save_answers(user, assessment: Assessment, answers: dict, *, version: int) -> Assessment:
    """Store the hospital's answers: ``{(item code, product id or None): {input: value}}``; all or none.

    Every answer is scored by the core at once, so a missing or malformed value is
    refused with the item's name before anything is stored.
    """
    with transaction.atomic():
        assessment = _locked(assessment, version)
        _check_can_fill(user, assessment)
        rule_set = scoring.rule_set_for(assessment)
        items = {item.code: item for item in rule_set.items if item.source in scoring.REVIEWED_SOURCES}
        problems, scored = [], []
        for (code, product_id), inputs in answers.items():
            item = items.get(code)
            if item is None:
                raise AssessmentRefused(f"考核方案中没有需填报的指标 {code}")
            clean = {name: "" if value is None else str(value).strip() for name, value in inputs.items()}
            try:
                scored.append((item, product_id, clean, scoring.score_answer(item, clean)))
            except ScoringInputError as error:
                problems.append(str(error))
        if problems:
            raise AssessmentRefused("；".join(problems))
        for item, product_id, inputs, points in scored:
            Answer.objects.update_or_create(
                assessment=assessment,
                item=item.code,
                product_id=product_id,
                defaults={"inputs": inputs, "self_points": points, "decision": Decision.NONE, "reason": ""},
            )
        return _bump(assessment, user, Kind.UPDATE, "保存自评")


def submit_assessment(user, assessment: Assessment, *, version: int) -> Assessment:
    """提交自评: every reported item answered, every required attachment there; then review opens."""
    with transaction.atomic():
        assessment = _locked(assessment, version)
        _check_can_fill(user, assessment)
        missing = missing_answers(assessment)
        if missing:
            raise AssessmentRefused("尚未填报：" + "、".join(missing))
        assessment.status = Assessment.Status.SUBMITTED
        assessment.submitted_at = timezone.now()
        assessment.part1_review = Review.PENDING
        return _bump(assessment, user, Kind.STATUS, "提交自评")


def missing_answers(assessment: Assessment) -> list[str]:
    """What the hospital still has to fill or attach, by item (and product) name."""
    rule_set = scoring.rule_set_for(assessment)
    given = {(answer.item, answer.product_id) for answer in assessment.answers.all()}
    attached = set(assessment.attachments.values_list("item", flat=True))
    missing = []
    for item in scoring.reviewed_items(rule_set, 1):
        if (item.code, None) not in given:
            missing.append(item.name)
        elif item.attachment and item.code not in attached:
            missing.append(f"{item.name}的附件（{item.attachment}）")
    part2 = scoring.reviewed_items(rule_set, 2)
    if part2:
        for product in products_of(assessment.hospital, assessment.batch, assessment.year):
            missing += [f"{product.generic_name} {item.name}" for item in part2 if (item.code, product.pk) not in given]
    return missing


def _check_can_fill(user, assessment: Assessment) -> None:
    if not permissions.fills_assessment(user, assessment.hospital):
        raise AssessmentRefused("只有该医疗机构本身可以填报自评")
    if assessment.status != Assessment.Status.DRAFT:
        raise AssessmentRefused("自评已提交，不能再修改")
    if deadline_passed(assessment.batch):
        raise AssessmentRefused(
            f"已过填报截止时间（{timezone.localtime(assessment.batch.fill_deadline):%Y-%m-%d %H:%M}）"
        )


# --- the bureau's side ----------------------------------------------------------


def review_answer(
    user, answer: Answer, decision: Decision, reason: str = "", remark: str = "", *, version: int
) -> Answer:
    """通过 keeps the hospital's points; 驳回 needs a reason and counts 0. Either may carry the reviewer's 备注."""
    if decision not in (Decision.PASS, Decision.REJECT):
        raise AssessmentRefused("审核结果应为通过或驳回")
    reason, remark = reason.strip(), remark.strip()
    if decision == Decision.REJECT and not reason:
        raise AssessmentRefused("驳回须填写驳回原因")
    with transaction.atomic():
        assessment = _locked(answer.assessment, version)
        part = 1 if answer.product_id is None else 2
        _check_can_review(user, assessment, part)
        answer = Answer.objects.select_for_update().get(pk=answer.pk)
        fields = ["decision", "reason", "remark"]
        before = snapshot(answer, fields)
        answer.decision, answer.reason = decision, reason if decision == Decision.REJECT else ""
        answer.remark = remark
        answer.reviewer, answer.reviewed_at = user, timezone.now()
        answer.save()
        record_change(user, Kind.UPDATE, answer, before=before, after=snapshot(answer, fields))
        _bump(assessment, user, None, "")
        return answer


def submit_review(user, assessment: Assessment, part: int, *, version: int) -> Assessment:
    """提交 a part's review, which is final: every reported item decided. Part 1 opens Part 2; Part 2 scores."""
    with transaction.atomic():
        assessment = _locked(assessment, version)
        _check_can_review(user, assessment, part)
        undecided = assessment.answers.filter(decision=Decision.NONE, product__isnull=(part == 1)).count()
        if undecided:
            raise AssessmentRefused(f"还有 {undecided} 项未审核，全部审核后才能提交")
        now = timezone.now()
        if part == 1:
            assessment.part1_review, assessment.part1_reviewed_at, assessment.part1_reviewer = Review.DONE, now, user
            assessment.part2_review = Review.PENDING
        else:
            assessment.part2_review, assessment.part2_reviewed_at, assessment.part2_reviewer = Review.DONE, now, user
            store_scores(assessment)
        assessment = _bump(assessment, user, Kind.STATUS, f"提交{PARTS[part]}审核")
        if part == 2:
            from vbp.funding.services import refresh_sheet  # funding reads assessments: imported late

            refresh_sheet(assessment.hospital, assessment.batch, assessment.year)
        return assessment


def reopen_review(user, assessment: Assessment, part: int, reason: str, *, version: int) -> Assessment:
    """退回重审 (province bureau only, with a reason). Reopening Part 1 also reopens Part 2."""
    reason = reason.strip()
    if not permissions.reopens_submitted_data(user):
        raise AssessmentRefused("只有省医保局可以退回重审")
    if not reason:
        raise AssessmentRefused("退回重审须填写原因")
    from vbp.funding.services import is_confirmed, refresh_sheet  # funding reads assessments: imported late

    with transaction.atomic():
        assessment = _locked(assessment, version)
        if (assessment.part1_review if part == 1 else assessment.part2_review) != Review.DONE:
            raise AssessmentRefused("该部分审核尚未提交，无需退回")
        if is_confirmed(assessment.hospital, assessment.batch, assessment.year):
            raise AssessmentRefused("该医疗机构本批次留用金额已确认，须先退回留用金额，才能退回重审")
        if part == 1:
            assessment.part1_review, assessment.part2_review = Review.PENDING, Review.WAITING
        else:
            assessment.part2_review = Review.PENDING
        Reopen.objects.create(assessment=assessment, part=part, reason=reason, by=user)
        assessment = _bump(assessment, user, Kind.STATUS, f"退回重审第{part}部分：{reason}")
        refresh_sheet(assessment.hospital, assessment.batch, assessment.year)  # no longer computable: its sheet goes
        return assessment


def _check_can_review(user, assessment: Assessment, part: int) -> None:
    if not permissions.reviews_hospital(user, assessment.hospital):
        raise AssessmentRefused("无权审核该医疗机构")
    state = assessment.part1_review if part == 1 else assessment.part2_review
    if state == Review.WAITING:
        raise AssessmentRefused(
            "医疗机构尚未提交自评" if part == 1 else "落实集采政策评分审核提交后，才能审核集采任务完成情况"
        )
    if state == Review.DONE:
        raise AssessmentRefused("该部分审核已提交，不能修改；如需更正请省医保局退回重审")


# --- scores ---------------------------------------------------------------------


def product_results(assessment: Assessment) -> list[dict]:
    """Each product's scores as they stand (for the pages), from the core; missing inputs say so."""
    rule_set = scoring.rule_set_for(assessment)
    answers = list(assessment.answers.all())
    part1 = [answer for answer in answers if answer.product_id is None]
    records = {
        record.product_id: record
        for record in PlatformRecord.objects.filter(hospital=assessment.hospital, year=assessment.year)
    }
    stored = {score.product_id: score.bureau_score for score in assessment.scores.all()}
    results = []
    for product in products_of(assessment.hospital, assessment.batch, assessment.year):
        own = [answer for answer in answers if answer.product_id == product.pk]
        try:
            core, score, ratio = scoring.assess_product(
                rule_set, part1, own, records.get(product.pk), assessment.batch, stored.get(product.pk)
            )
        except ScoringInputError as error:
            results.append({"product": product, "error": str(error), "record": records.get(product.pk)})
            continue
        record = records.get(product.pk)
        results.append(
            {"product": product, "core": core, "score": score, "ratio": ratio, "record": record, "answers": own}
        )
    return results


def store_scores(assessment: Assessment) -> list[ProductScore]:
    """Compute and keep every product's score, veto and ratio with the rule-set version used."""
    stored = []
    for result in product_results(assessment):
        if "error" in result:
            raise AssessmentRefused(f"{result['product'].generic_name}：{result['error']}")
        values = score_fields(assessment, result["core"], result["score"], result["ratio"])
        score, _ = ProductScore.objects.update_or_create(
            assessment=assessment, product=result["product"], defaults=values
        )
        stored.append(score)
    return stored


def score_fields(assessment: Assessment, core, score: Decimal, ratio: Decimal) -> dict:
    """A ProductScore's values from the core's assessment of its product, under the assessment's rule-set version."""
    return {
        "rule_set_id": assessment.rule_set_id,
        "part1": core.part1,
        "part2": core.part2,
        "score": score,
        "vetoed": core.vetoed,
        "retention_ratio": ratio,
        "items": [_jsonable(item.__dict__) for item in core.items],
        "vetoes": [_jsonable(veto.__dict__) for veto in core.vetoes],
    }


def finish_by_bureau_scores(user, assessment: Assessment) -> bool:
    """Wuhan's 医保考核评分 is the review (seed 001 §4.1): once stored, what it scored counts as reviewed.

    Called by the import with ``assessment`` locked, inside its transaction, after the scores are stored.
    Every item the hospital reported for a product that now has its 医保考核评分 and that no one decided yet
    is passed (通过), in the importer's name. When every product of the hospital has its score, the Part 2
    review is submitted (final, as 提交 is), and Part 1 with it when it has nothing left to review. Returns
    whether Part 2 was submitted. The caller bumps the version and writes the audit record.
    """
    scored = set(assessment.scores.filter(bureau_score__isnull=False).values_list("product_id", flat=True))
    now = timezone.now()
    assessment.answers.filter(product__in=scored, decision=Decision.NONE).update(
        decision=Decision.PASS, reviewer=user, reviewed_at=now
    )
    products = set(products_of(assessment.hospital, assessment.batch, assessment.year).values_list("pk", flat=True))
    if assessment.part2_review == Review.DONE or not products <= scored:
        return False
    if assessment.part1_review != Review.DONE:
        if assessment.answers.filter(product=None, decision=Decision.NONE).exists():
            return False  # Part 1 still waits for its reviewer; Part 2 is submitted after it
        assessment.part1_review, assessment.part1_reviewed_at, assessment.part1_reviewer = Review.DONE, now, user
    assessment.part2_review, assessment.part2_reviewed_at, assessment.part2_reviewer = Review.DONE, now, user
    assessment.save()
    from vbp.funding.services import refresh_sheet  # funding reads assessments: imported late

    refresh_sheet(assessment.hospital, assessment.batch, assessment.year)
    return True


def _jsonable(values: dict) -> dict:
    return {key: format(value, "f") if isinstance(value, Decimal) else value for key, value in values.items()}


# --- shared ---------------------------------------------------------------------


def _locked(assessment: Assessment, version: int) -> Assessment:
    """The assessment, locked, if it is still at the ``version`` the user saw; else StaleAssessment."""
    current = Assessment.objects.select_for_update().select_related("hospital", "batch").get(pk=assessment.pk)
    if current.version != version:
        raise StaleAssessment()
    return current


def _bump(assessment: Assessment, user, kind, message: str) -> Assessment:
    before = assessment.version
    assessment.version = before + 1
    assessment.save()
    if kind is not None:
        record_change(user, kind, assessment, after=snapshot(assessment), message=message)
    return assessment
