"""自评填报: a hospital's batches to assess, its self-assessment page (fill, 保存, 提交), and its attachments.

Every page here is the hospital's own: anyone else finds nothing (404), except the
attachment itself, which its reviewing bureau and the province bureau may read too.
Each view is guarded by ``@page`` (or is a ListPage): the batch and the attachment a URL
names are found through the user's scope before the view runs; every POST goes through a form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from vbp import files, permissions
from vbp.assessment import attachments, rule_text, scoring, self_forms, services
from vbp.assessment.forms import AttachmentForm, VersionForm
from vbp.assessment.lists import Guarded, SelfBatchList, fills_assessments
from vbp.assessment.models import Answer, Assessment, Attachment
from vbp.catalog.models import Batch
from vbp.core.rules import RateBandsRule
from vbp.core.scoring import ScoringInputError, evaluate_veto, score_item
from vbp.platformdata.models import PlatformRecord
from vbp.ui.views import Lookup, page

BATCH = Lookup(Batch, "batch_id")
OWN_ATTACHMENT = Guarded(
    Attachment,
    "pk",
    related=("assessment__hospital",),
    allows=lambda user, a: permissions.fills_assessment(user, a.assessment.hospital),
)
READABLE_ATTACHMENT = Guarded(
    Attachment,
    "pk",
    related=("assessment__hospital",),
    allows=lambda user, a: permissions.reads_assessment_attachment(user, a.assessment.hospital),
)
SUBMIT_CONFIRM = "提交后不能修改，确定提交？"


batch_list = SelfBatchList.as_view()


# --- the assessment page ------------------------------------------------------------------


def _opened(user, batch: Batch, year: int) -> Assessment:
    """The hospital's assessment of this batch-year (made on first visit); 404 if it has no platform data for it."""
    hospital = user.hospital
    if not services.products_of(hospital, batch, year).exists():
        raise Http404
    return services.open_assessment(user, hospital, batch, year)


@page(fills_assessments, batch=BATCH)
def assessment_page(request, batch: Batch, year: int):
    """GET shows the assessment; POST is 保存: the answers given, all or none."""
    try:
        assessment = _opened(request.user, batch, year)
    except services.AssessmentRefused as error:
        messages.error(request, str(error))
        return redirect("assessment:self_batches")
    if request.method != "POST":
        return render(request, "assessment/self_assessment.html", _page(assessment))
    rows = _answer_rows(assessment)
    form = self_forms.AnswersForm(rows, request.POST)
    answers = form.answers()
    if form.stale:
        messages.error(request, form.stale)
        return redirect(request.path)
    version = form.cleaned_data["version"]
    found = self_forms.problems(rows)
    if found:
        messages.error(request, "未保存，请修改以下问题：" + "；".join(found))
        return _page_again(request, assessment, rows, version)
    if not answers:
        messages.warning(request, "没有填写任何内容，未保存。")
        return redirect(request.path)
    try:
        services.save_answers(request.user, assessment, answers, version=version)
    except services.StaleAssessment as error:
        messages.error(request, str(error))
        return redirect(request.path)
    except services.AssessmentRefused as error:
        messages.error(request, str(error))
        return _page_again(request, assessment, rows, version)
    messages.success(request, "已保存。提交前仍可修改；确认无误后请点击“提交”。")
    return redirect(request.path)


@page(fills_assessments, batch=BATCH)
@require_POST
def submit(request, batch: Batch, year: int):
    form = VersionForm(request.POST)
    try:
        assessment = _opened(request.user, batch, year)
        if not form.is_valid():
            raise services.AssessmentRefused(form.first_error())
        services.submit_assessment(request.user, assessment, version=form.cleaned_data["version"])
    except services.AssessmentRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "自评已提交，等待医保部门审核。")
    return redirect("assessment:self_assessment", batch_id=batch.pk, year=year)


def _page_again(request, assessment: Assessment, rows, version: int):
    """The page with what the user typed, still carrying the version they saw (so a stale save stays refused)."""
    context = _page(assessment, rows)
    context["version"] = version
    return render(request, "assessment/self_assessment.html", context)


def _answer_rows(assessment: Assessment) -> list:
    rule_set = scoring.rule_set_for(assessment)
    answers = list(assessment.answers.select_related("product"))
    products = list(services.products_of(assessment.hospital, assessment.batch, assessment.year))
    return self_forms.answer_rows(rule_set, 1, answers) + self_forms.answer_rows(rule_set, 2, answers, products)


def _page(assessment: Assessment, rows=None) -> dict:
    """Everything the assessment page shows; ``rows``: the Part 1 and Part 2 rows as the user posted them."""
    rule_set = scoring.rule_set_for(assessment)
    rows = rows if rows is not None else _answer_rows(assessment)
    by_item = {}
    for attachment in assessment.attachments.all():
        by_item.setdefault(attachment.item, []).append(attachment)
    part2 = [row for row in rows if row.product is not None]
    missing = services.missing_answers(assessment)
    blocks = [
        _attachment_block(assessment, item, by_item.get(item.code, []))
        for item in attachments.attachment_items(assessment)
    ]
    return {
        "assessment": assessment,
        "version": assessment.version,
        "submitted": assessment.status == Assessment.Status.SUBMITTED,
        "batch": assessment.batch,
        "hospital": assessment.hospital,
        "rule_set": rule_set,
        "rows": rows,
        "part1_rows": [row for row in rows if row.product is None],
        "part2_products": _by_product(part2),
        "attachment_blocks": blocks,
        "products": _product_sections(assessment, rule_set, complete=not missing),
        "readonly_reason": _readonly_reason(assessment),
        "reviewed": assessment.part1_review != Assessment.Review.WAITING,
        "missing": missing if assessment.status == Assessment.Status.DRAFT else [],
        "reopens": list(assessment.reopens.all()),
        "final": assessment.part2_review == Assessment.Review.DONE,
        "decisions": Answer.Decision,
        "confirm_submit": SUBMIT_CONFIRM,
    }


def _by_product(rows) -> list[tuple]:
    """Part 2 rows grouped by product, in the order they come."""
    groups = {}
    for row in rows:
        groups.setdefault(row.product, []).append(row)
    return list(groups.items())


def _readonly_reason(assessment: Assessment) -> str:
    if assessment.status == Assessment.Status.SUBMITTED:
        return f"自评已于 {timezone.localtime(assessment.submitted_at):%Y-%m-%d %H:%M} 提交，不能再修改。"
    if services.deadline_passed(assessment.batch):
        deadline = timezone.localtime(assessment.batch.fill_deadline)
        return f"已过填报截止时间（{deadline:%Y-%m-%d %H:%M}），不能再填报或修改。"
    return ""


# --- the platform items of each product, read-only -------------------------------------------


@dataclass
class Shown:
    """An input as the page shows it: its label, value and how to format it (volume, money or percent)."""

    label: str
    value: Decimal | None
    kind: str


@dataclass
class PlatformRow:
    name: str
    points: Decimal | None  # the item's full points; None for a veto
    rule: str
    inputs: list[Shown]
    measure: Decimal | None = None
    score: Decimal | None = None
    note: str = ""
    vetoed: bool = False
    error: str = ""


@dataclass
class ProductSection:
    product: object
    rows: list[PlatformRow] = field(default_factory=list)
    vetoes: list[PlatformRow] = field(default_factory=list)
    part1: Decimal | None = None
    part2: Decimal | None = None
    score: Decimal | None = None
    ratio: Decimal | None = None
    vetoed: bool = False
    pending: str = ""


def _product_sections(assessment: Assessment, rule_set, *, complete: bool) -> list[ProductSection]:
    """Per product: its platform items with their inputs and points, its vetoes, and the score the core gives."""
    platform_items = [item for item in rule_set.items if item.source == "platform"]
    sections = []
    for result in services.product_results(assessment):
        inputs = scoring.platform_inputs(result["record"], assessment.batch)
        section = ProductSection(result["product"])
        core = result.get("core")
        scored = {score.code: score for score in core.items} if core else {}
        vetoes = {veto.code: veto for veto in core.vetoes} if core else {}
        section.rows = [_platform_row(item, inputs, scored.get(item.code)) for item in platform_items]
        section.vetoes = [_veto_row(veto, inputs, vetoes.get(veto.code)) for veto in rule_set.vetoes]
        if core:
            section.part1, section.part2, section.vetoed = core.part1, core.part2, core.vetoed
            section.score, section.ratio = result["score"], result["ratio"]
        else:
            section.vetoed = any(row.vetoed for row in section.vetoes)
            section.pending = "自评填报完整后计算" if not complete else _readable(result["error"])
        sections.append(section)
    return sections


def _platform_row(item, inputs: dict, scored) -> PlatformRow:
    names = [spec.name for spec in scoring.fields_of(item)]
    if isinstance(item.rule, RateBandsRule) and item.rule.reference:
        names.append(item.rule.reference)
    row = PlatformRow(item.name, item.points, rule_text.describe_item(item), _shown(names, inputs))
    try:
        scored = scored or score_item(item, inputs)
    except ScoringInputError as error:
        row.error = _input_error(error)
        return row
    row.measure, row.score, row.note = scored.measure, scored.points, scored.note
    return row


def _veto_row(veto, inputs: dict, result) -> PlatformRow:
    row = PlatformRow(
        veto.name, None, rule_text.describe_veto(veto), _shown([veto.numerator, veto.denominator], inputs)
    )
    try:
        result = result or evaluate_veto(veto, inputs)
    except ScoringInputError as error:
        row.error = _input_error(error)
        return row
    row.measure, row.vetoed = result.measure, result.vetoed
    return row


def _shown(names: list[str], inputs: dict) -> list[Shown]:
    return [Shown(rule_text.label(name), inputs.get(name), _kind(name)) for name in names]


def _kind(name: str) -> str:
    if name == "agreed_ratio":
        return "percent"
    record_field = scoring.PLATFORM_INPUTS.get(name)
    if record_field and PlatformRecord._meta.get_field(record_field).decimal_places == 0:
        return "volume"
    return "money"


def _input_error(error: ScoringInputError) -> str:
    return rule_text.label(error.field) + str(error).removeprefix(f"{error.item}：{error.field} ")


def _readable(message: str) -> str:
    """A core message with the input codes it names put in words."""
    for name in sorted(scoring.INPUT_LABELS, key=len, reverse=True):
        message = message.replace(name, rule_text.label(name))
    return message


# --- attachments -----------------------------------------------------------------------------


def _attachment_block(assessment: Assessment, item, kept, *, error: str = "", notice: str = "") -> dict:
    return {
        "assessment": assessment,
        "item": item,
        "files": kept,
        "editable": not _readonly_reason(assessment),
        "error": error,
        "notice": notice,
        "max_bytes": settings.VBP_ATTACHMENT_MAX_BYTES,
    }


def _attachment_response(request, assessment: Assessment, item_code: str, *, error: str = "", notice: str = ""):
    """The item's attachment block (for htmx), or the page again with a message (without JavaScript)."""
    if not request.headers.get("HX-Request"):
        if error:
            messages.error(request, error)
        elif notice:
            messages.success(request, notice)
        return redirect("assessment:self_assessment", batch_id=assessment.batch_id, year=assessment.year)
    assessment.refresh_from_db()
    item = next((item for item in attachments.attachment_items(assessment) if item.code == item_code), None)
    if item is None:
        raise Http404
    kept = list(assessment.attachments.filter(item=item_code))
    block = _attachment_block(assessment, item, kept, error=error, notice=notice)
    context = {"block": block, "oob": True, "missing": services.missing_answers(assessment)}
    return render(request, "assessment/self_attachments.html", context)


@page(fills_assessments, batch=BATCH)
@require_POST
def attachment_upload(request, batch: Batch, year: int):
    try:
        assessment = _opened(request.user, batch, year)
    except services.AssessmentRefused as error:
        messages.error(request, str(error))
        return redirect("assessment:self_batches")
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _attachment_response(request, assessment, form.cleaned_data.get("item", ""), error=form.first_error())
    item_code, upload, version = form.cleaned_data["item"], form.cleaned_data["file"], form.cleaned_data["version"]
    try:
        stored = attachments.store_attachment(request.user, assessment, item_code, upload, version=version)
    except services.AssessmentRefused as error:
        return _attachment_response(request, assessment, item_code, error=str(error))
    return _attachment_response(request, assessment, item_code, notice=f"已上传 {stored.file_name}")


@page(fills_assessments, attachment=OWN_ATTACHMENT)
@require_POST
def attachment_delete(request, attachment: Attachment):
    assessment = attachment.assessment
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _attachment_response(request, assessment, attachment.item, error=form.first_error())
    try:
        attachments.delete_attachment(request.user, attachment, version=form.cleaned_data["version"])
    except services.AssessmentRefused as error:
        return _attachment_response(request, assessment, attachment.item, error=str(error))
    return _attachment_response(request, assessment, attachment.item, notice=f"已删除 {attachment.file_name}")


@page(permissions.sees_business_data, attachment=READABLE_ATTACHMENT)
@never_cache
@xframe_options_sameorigin
def attachment_file(request, attachment: Attachment):
    """The file itself, inline for the preview, as the type its content proved; never sniffed by the browser."""
    return files.served_file(attachments.stored_path(attachment), attachment.content_type, attachment.file_name)


urlpatterns = [
    path("", batch_list, name="self_batches"),
    path("<id:batch_id>/<year:year>/", assessment_page, name="self_assessment"),
    path("<id:batch_id>/<year:year>/submit/", submit, name="self_submit"),
    path("<id:batch_id>/<year:year>/attachments/", attachment_upload, name="self_attachment_upload"),
    path("attachment/<id:pk>/", attachment_file, name="self_attachment"),
    path("attachment/<id:pk>/delete/", attachment_delete, name="self_attachment_delete"),
]
