"""申诉管理 pages (seed 001 §4.3): the list with its query form and 导出, a hospital's new appeal, the thread with
its attachments, and the forms that add to it (补充说明 by the hospital, 回复 and 办结 by its bureau).

Every page is guarded before it runs (``@page``): the hospitals and the bureaus only, the appeal or attachment
the URL names fetched through the user's scope (out of scope is 404, as missing). A form the user may not send
is 404 too. Input comes through vbp.appeals.forms; the verbs are in services.py, the reads in selectors.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from vbp import files, permissions
from vbp.accounts.models import Role
from vbp.appeals import services
from vbp.appeals.forms import CloseForm, EntryForm, FollowUpForm, NewAppealForm, ReplyForm
from vbp.appeals.lists import AppealList
from vbp.appeals.models import Appeal, AppealAttachment
from vbp.ui.views import Lookup, page

CONFIRM_CLOSE = "办结后该申诉不能再回复或补充说明，此操作不可撤销。确定办结？"
APPEAL = Lookup(Appeal, "pk", related=("hospital", "batch"))

appeal_list = AppealList.as_view()


# --- a new appeal --------------------------------------------------------------------


@page(permissions.files_appeals)
def new_appeal(request):
    """The hospital's form: the batch-year, the title, the appeal itself and its evidence; 提交 files it."""
    form = NewAppealForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            appeal = services.file_appeal(
                request.user,
                values["batch"],
                values["year"],
                values["title"],
                values["text"],
                values["files"],
                submission_key=values["submission_key"],
            )
        except services.AppealRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "申诉已提交，医保部门将在系统内回复或电话回访。")
            return redirect("appeals:detail", pk=appeal.pk)
    return render(request, "appeals/new.html", {"form": form})


# --- the thread ------------------------------------------------------------------------


@page(permissions.has_appeal_pages, appeal=APPEAL)
def appeal_detail(request, appeal: Appeal):
    services.mark_read(request.user, appeal)
    return render(request, "appeals/detail.html", _detail(request, appeal))


def _detail(request, appeal: Appeal, *, refused: EntryForm | None = None) -> dict:
    """Everything the thread page shows; ``refused``: the form the user sent and was refused, shown with its errors
    and what was typed in it, in place of the empty one."""
    user, open_ = request.user, appeal.status in services.OPEN
    attachments = list(appeal.attachments.all())
    entries = [
        {
            "kind": "appeal",
            "label": "申诉",
            "who": _who(appeal.created_by),
            "author": appeal.created_by,
            "at": appeal.created_at,
            "text": appeal.text,
            "files": [file for file in attachments if file.message_id is None],
        }
    ]
    for message in appeal.messages.select_related("author__region", "author__hospital"):
        entries.append(
            {
                "kind": message.kind,
                "label": message.get_kind_display(),
                "who": _who(message.author),
                "author": message.author,
                "at": message.at,
                "text": message.text,
                "files": [file for file in attachments if file.message_id == message.pk],
            }
        )
    offered = []
    if open_ and permissions.files_appeals(user, appeal.hospital):
        offered.append(FollowUpForm)
    if open_ and permissions.answers_appeals(user, appeal.hospital):
        offered += [ReplyForm, CloseForm]
    forms = {form.slot: form(initial={"version": appeal.version}) for form in offered}
    if refused is not None and refused.slot in forms:
        forms[refused.slot] = refused
    return {"appeal": appeal, "entries": entries, "forms": forms, "confirm_close": CONFIRM_CLOSE}


def _who(author) -> str:
    """The author as the other side knows them: the hospital, or the bureau (太原市医保局)."""
    if author.role == Role.HOSPITAL and author.hospital_id:
        return author.hospital.name
    if author.role in (Role.PROVINCE, Role.CITY, Role.DISTRICT) and author.region_id:
        return f"{author.region.name}医保局"
    return author.get_role_display()


def _write(request, appeal: Appeal, form_class: type[EntryForm], verb, done: str):
    """Call ``verb`` with the form's text, files and version. Refused, the thread again: with the form as sent and
    its errors, or (a page without its version, or an old one) as it is now, saying so."""
    form = form_class(request.POST, request.FILES)
    refused = form
    if form.is_valid():
        values = form.cleaned_data
        try:
            verb(request.user, appeal, values["text"], values.get("files", []), version=values["version"])
        except services.StaleAppeal as error:
            messages.error(request, str(error))
            refused = None
        except services.AppealRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, done)
            return redirect("appeals:detail", pk=appeal.pk)
    elif "version" in form.errors:
        messages.error(request, form.errors["version"][0])
        refused = None
    appeal.refresh_from_db()
    return render(request, "appeals/detail.html", _detail(request, appeal, refused=refused))


@page(permissions.has_appeal_pages, appeal=APPEAL)
@require_POST
def follow_up(request, appeal: Appeal):
    if not permissions.files_appeals(request.user, appeal.hospital):
        raise Http404
    return _write(request, appeal, FollowUpForm, services.follow_up_appeal, "补充说明已提交，待医保部门处理。")


@page(permissions.has_appeal_pages, appeal=APPEAL)
@require_POST
def reply(request, appeal: Appeal):
    if not permissions.answers_appeals(request.user, appeal.hospital):
        raise Http404
    return _write(request, appeal, ReplyForm, services.reply_to_appeal, "已回复。")


@page(permissions.has_appeal_pages, appeal=APPEAL)
@require_POST
def close(request, appeal: Appeal):
    if not permissions.answers_appeals(request.user, appeal.hospital):
        raise Http404
    return _write(request, appeal, CloseForm, services.close_appeal, "申诉已办结。")


@page(permissions.has_appeal_pages, attachment=Lookup(AppealAttachment, "pk"))
@never_cache
@xframe_options_sameorigin
def attachment_file(request, attachment: AppealAttachment):
    """An attachment of an appeal in scope, inline for the preview."""
    return files.file_response(attachment.stored_as, attachment.content_type, attachment.file_name)
