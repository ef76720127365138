"""通知公告 pages: the list (every business user; the province also sees its drafts and 新增), a notice with its
attachments, the editing form, 发布 and 撤回.

Every page is a ``ListPage`` or an ``@page``: the notice a URL names is fetched through its scope (a notice
out of the user's range, a draft for anyone but the province, is 404), and every POST goes through a form.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from vbp import files, permissions
from vbp.notices import services
from vbp.notices.forms import ActionForm, EditNoticeForm, NoticeForm, NoticeQuery
from vbp.notices.models import Notice, NoticeAttachment
from vbp.notices.selectors import notice_rows
from vbp.ui.lists import Column, ListPage
from vbp.ui.views import Lookup, page

CONFIRM_PUBLISH = "发布后，发布范围内的医保部门和医疗机构即可在首页和通知公告中看到。确定发布？"
CONFIRM_WITHDRAW = "撤回后，除省医保局外，其他用户将看不到该通知公告。确定撤回？"


def _detail_url(notice: Notice) -> str:
    return reverse("notices:detail", args=[notice.pk])


class NoticeList(ListPage):
    title = "通知公告"
    allows = staticmethod(permissions.sees_business_data)
    query_form = NoticeQuery
    template_name = "notices/list.html"
    table_id = "notices"
    empty = "暂无通知公告"
    default_page_size = 20

    def get_columns(self) -> list[Column]:
        province = services.publishes_notices(self.user)
        return [
            Column("标题", "title", link=_detail_url, sticky=True),
            Column("置顶", "pinned", kind="yesno"),
            Column("发布范围", "range_text"),
            Column("状态", "get_status_display", show=province, export=province),
            Column("发布时间", "published_at", kind="datetime"),
            Column("发布人", lambda notice: notice.published_by.display_name if notice.published_by else ""),
        ]

    def rows(self, query):
        return notice_rows(self.user)

    def extra_context(self) -> dict:
        return {"can_write": services.publishes_notices(self.user)}


notice_list = NoticeList.as_view()


@page(permissions.sees_business_data, notice=Lookup(Notice, "pk", related=("published_by", "created_by")))
def notice_detail(request, notice):
    province = services.publishes_notices(request.user)
    context = {
        "notice": notice,
        "attachments": list(notice.attachments.all()),
        "can_write": province,
        "can_edit": province and notice.status in services.EDITABLE,
        "can_publish": province and notice.status in services.PUBLISHABLE,
        "can_withdraw": province and notice.status == Notice.Status.PUBLISHED,
        "confirm_publish": CONFIRM_PUBLISH,
        "confirm_withdraw": CONFIRM_WITHDRAW,
    }
    return render(request, "notices/detail.html", context)


@page(services.publishes_notices)
def notice_new(request):
    form = NoticeForm(request.POST, request.FILES) if request.method == "POST" else NoticeForm()
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.create_notice(request.user, form.content(), form.cleaned_data["files"])
        except services.NoticeRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "通知公告已保存为草稿；确认无误后请点击“发布”。")
            return redirect("notices:detail", pk=notice.pk)
    return render(request, "notices/form.html", {"form": form, "title": "新增通知公告", "notice": None})


@page(services.publishes_notices, notice=Lookup(Notice, "pk"))
def notice_edit(request, notice):
    if notice.status not in services.EDITABLE:
        messages.error(request, "已发布的通知公告不能修改，请先撤回")
        return redirect("notices:detail", pk=notice.pk)
    if request.method == "POST":
        form = EditNoticeForm(request.POST, request.FILES, notice=notice)
        if form.is_valid():
            try:
                services.edit_notice(
                    request.user,
                    notice,
                    form.content(),
                    form.cleaned_data["files"],
                    form.removed(),
                    version=form.cleaned_data["version"],
                )
            except services.NoticeRefused as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "通知公告已保存。")
                return redirect("notices:detail", pk=notice.pk)
    else:
        form = EditNoticeForm(notice=notice)
    return render(request, "notices/form.html", {"form": form, "title": "修改通知公告", "notice": notice})


def _act(request, notice: Notice, verb, done: str):
    """发布 or 撤回 with the version the page showed; a refusal is said on the notice's page."""
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.first_error())
    else:
        try:
            verb(request.user, notice, version=form.cleaned_data["version"])
        except services.NoticeRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, done)
    return redirect("notices:detail", pk=notice.pk)


@page(services.publishes_notices, notice=Lookup(Notice, "pk"))
@require_POST
def notice_publish(request, notice):
    return _act(request, notice, services.publish_notice, "通知公告已发布。")


@page(services.publishes_notices, notice=Lookup(Notice, "pk"))
@require_POST
def notice_withdraw(request, notice):
    return _act(request, notice, services.withdraw_notice, "通知公告已撤回。")


@never_cache
@xframe_options_sameorigin
@page(permissions.sees_business_data, attachment=Lookup(NoticeAttachment, "pk"))
def notice_attachment(request, attachment):
    """An attachment of a notice the user may read, inline for the preview."""
    return files.file_response(attachment.stored_as, attachment.content_type, attachment.file_name)
