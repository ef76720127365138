"""申诉管理's list: the appeals in the user's scope, with the query form, pages and 导出."""

from __future__ import annotations

from django.db.models import BooleanField, Case, Value, When
from django.urls import reverse

from vbp import permissions
from vbp.accounts.models import Role
from vbp.appeals import selectors
from vbp.appeals.forms import AppealQuery
from vbp.ui.lists import Column, ListPage

BOOL = BooleanField()


def _detail_url(appeal) -> str:
    return reverse("appeals:detail", args=[appeal.pk])


class AppealList(ListPage):
    """The hospital's own appeals, or those of the hospitals in a bureau's scope; a hospital sees its new replies."""

    title = "申诉管理"
    allows = staticmethod(permissions.has_appeal_pages)
    query_form = AppealQuery
    template_name = "appeals/list.html"
    table_id = "appeals"
    empty = "没有符合条件的申诉"
    columns = (
        Column("申诉编号", "pk", kind="number", sticky=True),
        Column("医疗机构编码", "hospital.code", show=False),
        Column("医疗机构名称", "hospital.name"),
        Column("地市", "hospital.city.name", show=False),
        Column("区县", "hospital.district.name", show=False),
        Column("带量批次", "batch.name"),
        Column("考核年度", "year", kind="year"),
        Column("申诉标题", "title", template="appeals/_title_cell.html"),
        Column("申诉内容", "text", show=False),
        Column("状态", "get_status_display", template="appeals/_status_cell.html"),
        Column("申诉人", "created_by.display_name", show=False),
        Column("申诉时间", "created_at", kind="datetime"),
        Column("最后回复时间", "bureau_wrote_at", kind="datetime"),
        Column("办结时间", "closed_at", kind="datetime", show=False),
        Column("操作", lambda appeal: "查看", link=_detail_url, export=False),
    )

    def rows(self, query):
        appeals = selectors.appeals_for(self.user).select_related("created_by")
        if self.user.role == Role.HOSPITAL:  # the bureau wrote since the hospital last opened it: 新回复
            unread = Case(When(selectors.unread_filter(), then=Value(True)), default=Value(False), output_field=BOOL)
            appeals = appeals.annotate(unread=unread)
        return appeals.order_by("-created_at", "-pk")

    def extra_context(self) -> dict:
        return {"files_appeals": permissions.files_appeals(self.user)}
