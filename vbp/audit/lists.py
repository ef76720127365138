"""操作日志 and 登录日志: the audit administrator's two list pages (三员分立: nobody else finds them).

Who is shown by username and name, what by its kind's and object type's labels and the object's text, the
changes by their fields' labels and choices' labels, every moment in local time (Asia/Shanghai), on the page
and in the export; the export is recorded in the log itself, as every export is.
"""

from __future__ import annotations

from vbp import permissions
from vbp.audit.forms import LoginQuery, OperationQuery
from vbp.audit.models import AuditEvent
from vbp.ui.lists import Column, ListPage

MOMENT = "audit/_moment_cell.html"


class OperationList(ListPage):
    title = "操作日志"
    allows = staticmethod(permissions.reads_audit_log)
    query_form = OperationQuery
    table_id = "operations"
    empty = "没有符合条件的操作记录"
    columns = (
        Column("时间", "at", kind="datetime", template=MOMENT, sticky=True),
        Column("用户名", lambda event: event.username or "系统"),
        Column("姓名", "actor_name"),
        Column("操作类型", "get_kind_display"),
        Column("对象类型", "object_type_label"),
        Column("对象", "object_text"),
        Column("说明", "message"),
        Column("变更内容", "changes", template="audit/_changes_cell.html", export=False),
        Column("变更前", lambda event: event.changes_text("before"), show=False),
        Column("变更后", lambda event: event.changes_text("after"), show=False),
        Column("IP地址", "ip"),
    )

    def rows(self, query):
        return AuditEvent.objects.operations().select_related("actor").order_by("-at", "-id")


class LoginList(ListPage):
    title = "登录日志"
    allows = staticmethod(permissions.reads_audit_log)
    query_form = LoginQuery
    table_id = "logins"
    empty = "没有符合条件的登录记录"
    columns = (
        Column("时间", "at", kind="datetime", template=MOMENT, sticky=True),
        Column("用户名", "username"),
        Column("姓名", "actor_name"),
        Column("类型", "get_kind_display"),
        Column("IP地址", "ip"),
        Column("浏览器", "user_agent", template="audit/_browser_cell.html"),
        Column("说明", "message"),
    )

    def rows(self, query):
        return AuditEvent.objects.logins().select_related("actor").order_by("-at", "-id")
