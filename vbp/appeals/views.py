"""申诉管理 pages (seed 001 §4.3): the list with its query form and 导出, a hospital's new appeal, the thread with
its attachments, and the forms that add to it (补充说明 by the hospital, 回复 and 办结 by its bureau).

Views parse the request, call the verbs in services.py and render; reads come from selectors.py.
An appeal or attachment out of the user's scope, or a form the user may not send, is 404.
"""

from __future__ import annotations

import uuid
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from vbp import files
from vbp.accounts.decorators import business_page
from vbp.accounts.models import Role
from vbp.appeals import selectors, services
from vbp.appeals.models import Appeal, AppealAttachment
from vbp.catalog.models import Batch
from vbp.ui.export import YEAR, export_xlsx, paginate

Status = Appeal.Status
CONFIRM_CLOSE = "办结后该申诉不能再回复或补充说明，此操作不可撤销。确定办结？"
EXPORT_HEADERS = ["申诉编号", "医疗机构编码", "医疗机构名称", "地市", "区县", "带量批次", "考核年度", "申诉标题",
                  "申诉内容", "状态", "申诉人", "申诉时间", "最后回复时间", "办结时间"]  # fmt: skip


def appeal_page(view):
    """A page of the appeals: hospitals and bureaus only; for anyone else it does not exist (404)."""

    @business_page
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not selectors.has_appeals(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return guarded


def _version(request) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


# --- the list ----------------------------------------------------------------------


@appeal_page
def appeal_list(request):
    """Query form (batch, status, hospital name; a bureau's own to answer) above the appeals; 导出 what it shows."""
    query = {key: request.GET.get(key, "").strip() for key in ("batch", "status", "name", "to_answer")}
    appeals = _filtered(request.user, query)
    if request.GET.get("export"):
        rows = (_export_row(appeal) for appeal in appeals.select_related("created_by").iterator())
        return export_xlsx(request, "申诉管理", EXPORT_HEADERS, rows, filters=_filter_words(query),
                           formats={"考核年度": YEAR})  # fmt: skip
    page, query_string = paginate(request, appeals)
    is_hospital = request.user.role == Role.HOSPITAL
    unread = set(appeals.filter(selectors.unread_filter()).values_list("pk", flat=True)) if is_hospital else set()
    context = {
        "page": page, "query": query_string, **query, "unread": unread, "statuses": Status.choices,
        "batches": Batch.objects.filter(appeal__in=selectors.appeals_for(request.user)).distinct(),
        "is_hospital": is_hospital, "answers": not is_hospital,
    }  # fmt: skip
    return render(request, "appeals/list.html", context)


def _filtered(user, query: dict):
    appeals = selectors.appeals_for(user)
    if query["to_answer"]:
        appeals = appeals.filter(selectors.answerer_filter(user), status=Status.PENDING)
    if query["batch"]:
        appeals = appeals.filter(batch__code=query["batch"])
    if query["status"] in Status.values:
        appeals = appeals.filter(status=query["status"])
    if query["name"]:
        appeals = appeals.filter(hospital__name__contains=query["name"])
    return appeals.order_by("-created_at", "-pk")


def _export_row(appeal: Appeal) -> list:
    hospital = appeal.hospital
    return [appeal.pk, hospital.code, hospital.name, hospital.city.name,
            hospital.district.name if hospital.district else "", appeal.batch.name, appeal.year, appeal.title,
            appeal.text, appeal.get_status_display(), appeal.created_by.display_name,
            _local(appeal.created_at), _local(appeal.bureau_wrote_at), _local(appeal.closed_at)]  # fmt: skip


def _filter_words(query: dict) -> dict:
    """The query form's choices as the page shows them, for the export's header."""
    batch = Batch.objects.filter(code=query["batch"]).values_list("name", flat=True).first() if query["batch"] else ""
    status = Status(query["status"]).label if query["status"] in Status.values else ""
    return {"带量批次": batch or query["batch"], "状态": status, "医疗机构名称": query["name"],
            "仅看待本部门回复": "是" if query["to_answer"] else ""}  # fmt: skip


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


# --- a new appeal --------------------------------------------------------------------


@appeal_page
def new_appeal(request):
    """The hospital's form: the batch-year, the title, the appeal itself and its evidence; 提交 files it."""
    if request.user.role != Role.HOSPITAL:
        raise Http404
    choices = _batch_choices(request.user)
    form = {key: request.POST.get(key, "") for key in ("batch", "title", "text")}
    form["submission_key"] = _submission_key(request.POST.get("submission_key", ""))
    if request.method == "POST":
        chosen = choices.get(form["batch"])
        if chosen is None:
            messages.error(request, "请选择结余留用考核批次")
        else:
            try:
                appeal = services.file_appeal(
                    request.user, *chosen, form["title"], form["text"], request.FILES.getlist("files"),
                    submission_key=form["submission_key"],
                )  # fmt: skip
            except services.AppealRefused as error:
                messages.error(request, str(error))
            else:
                messages.success(request, "申诉已提交，医保部门将在系统内回复或电话回访。")
                return redirect("appeals:detail", pk=appeal.pk)
    context = {"choices": [(value, f"{batch.name}（{year}年度）") for value, (batch, year) in choices.items()],
               "form": form, **_upload_limits()}  # fmt: skip
    return render(request, "appeals/new.html", context)


def _submission_key(sent: str) -> uuid.UUID:
    """The form's one-time key: the one it was sent with, or a new one for a new form."""
    try:
        return uuid.UUID(sent)
    except ValueError:
        return uuid.uuid4()


def _batch_choices(user) -> dict[str, tuple[Batch, int]]:
    """The batch-years the hospital may appeal on, keyed by the form's value ``<batch id>-<year>``."""
    pairs = selectors.appealable(user)
    batches = Batch.objects.in_bulk({batch_id for batch_id, _ in pairs})
    return {f"{batch_id}-{year}": (batches[batch_id], year) for batch_id, year in pairs}


def _upload_limits() -> dict:
    return {"max_bytes": settings.VBP_ATTACHMENT_MAX_BYTES, "max_files": services.FILES_MAX,
            "accept": files.ACCEPT_ATTRIBUTE, "accepted": files.ACCEPTED}  # fmt: skip


# --- the thread ------------------------------------------------------------------------


@appeal_page
def appeal_detail(request, pk: int):
    appeal = get_object_or_404(selectors.appeals_for(request.user), pk=pk)
    services.mark_read(request.user, appeal)
    return render(request, "appeals/detail.html", _detail(request, appeal))


def _detail(request, appeal: Appeal, *, typed: dict | None = None) -> dict:
    """Everything the thread page shows; ``typed``: what the user wrote in a form that was refused, to keep it."""
    user, open_ = request.user, appeal.status in services.OPEN
    attachments = list(appeal.attachments.all())
    entries = [{"kind": "appeal", "label": "申诉", "who": _who(appeal.created_by), "author": appeal.created_by,
                "at": appeal.created_at, "text": appeal.text,
                "files": [file for file in attachments if file.message_id is None]}]  # fmt: skip
    for message in appeal.messages.select_related("author__region", "author__hospital"):
        entries.append({"kind": message.kind, "label": message.get_kind_display(), "who": _who(message.author),
                        "author": message.author, "at": message.at, "text": message.text,
                        "files": [file for file in attachments if file.message_id == message.pk]})  # fmt: skip
    return {
        "appeal": appeal, "entries": entries, "version": appeal.version, "typed": typed or {},
        "can_follow_up": open_ and services.is_own_hospital(user, appeal.hospital),
        "can_answer": open_ and services.answers_appeals(user, appeal.hospital),
        "confirm_close": CONFIRM_CLOSE, **_upload_limits(),
    }  # fmt: skip


def _who(author) -> str:
    """The author as the other side knows them: the hospital, or the bureau (太原市医保局)."""
    if author.role == Role.HOSPITAL and author.hospital_id:
        return author.hospital.name
    if author.role in (Role.PROVINCE, Role.CITY, Role.DISTRICT) and author.region_id:
        return f"{author.region.name}医保局"
    return author.get_role_display()


def _own_appeal(request, pk: int) -> Appeal:
    appeal = get_object_or_404(selectors.appeals_for(request.user), pk=pk)
    if not services.is_own_hospital(request.user, appeal.hospital):
        raise Http404
    return appeal


def _answered_appeal(request, pk: int) -> Appeal:
    appeal = get_object_or_404(selectors.appeals_to_answer(request.user), pk=pk)
    if not services.answers_appeals(request.user, appeal.hospital):  # the selector mirrors the service; trust both
        raise Http404
    return appeal


def _write(request, appeal: Appeal, verb, form: str, done: str):
    """Call ``verb`` with the form's text and files; on refusal, the thread again with the text kept."""
    text = request.POST.get("text", "")
    try:
        verb(request.user, appeal, text, request.FILES.getlist("files"), version=_version(request))
    except services.StaleAppeal as error:
        messages.error(request, str(error))
    except services.AppealRefused as error:
        messages.error(request, str(error))
        return render(request, "appeals/detail.html", _detail(request, appeal, typed={form: text}))
    else:
        messages.success(request, done)
    return redirect("appeals:detail", pk=appeal.pk)


@appeal_page
@require_POST
def follow_up(request, pk: int):
    return _write(
        request, _own_appeal(request, pk), services.follow_up_appeal, "follow_up", "补充说明已提交，待医保部门处理。"
    )


@appeal_page
@require_POST
def reply(request, pk: int):
    return _write(request, _answered_appeal(request, pk), services.reply_to_appeal, "reply", "已回复。")


@appeal_page
@require_POST
def close(request, pk: int):
    return _write(request, _answered_appeal(request, pk), services.close_appeal, "close", "申诉已办结。")


@appeal_page
@never_cache
@xframe_options_sameorigin
def attachment_file(request, pk: int):
    """An attachment of an appeal in scope, inline for the preview."""
    attachment = get_object_or_404(AppealAttachment.objects.visible_to(request.user), pk=pk)
    return files.file_response(attachment.stored_as, attachment.content_type, attachment.file_name)
