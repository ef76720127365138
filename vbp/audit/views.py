"""操作日志 and 登录日志: the audit administrator's pages, with a query form and 导出. Nobody else finds them."""

from __future__ import annotations

import json
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from vbp.audit.forms import LoginFilter, OperationFilter
from vbp.audit.models import AuditEvent
from vbp.audit.services import can_read_audit_log
from vbp.ui.export import export_xlsx, paginate

OPERATION_HEADERS = ["时间", "用户名", "操作类型", "对象类型", "对象编号", "对象", "说明", "变更前", "变更后", "IP地址"]
LOGIN_HEADERS = ["时间", "用户名", "类型", "IP地址", "浏览器", "说明"]


def audit_admin_only(view):
    """Anyone but the audit administrator gets 404: the audit log is theirs alone (三员分立)."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_read_audit_log(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@audit_admin_only
def operation_list(request):
    form = OperationFilter(request.GET)
    events = form.filter(AuditEvent.objects.operations())
    if request.GET.get("export"):
        rows = (
            [_local(e.at), e.username or "系统", e.get_kind_display(), e.object_type_label, e.object_id, e.object_text,
             e.message, _json(e.before), _json(e.after), e.ip or ""]
            for e in events.iterator()
        )  # fmt: skip
        return _export(request, "操作日志", form, events, OPERATION_HEADERS, rows)
    page, query = paginate(request, events)
    return render(request, "audit/operation_list.html", {"form": form, "page": page, "query": query})


@audit_admin_only
def login_list(request):
    form = LoginFilter(request.GET)
    events = form.filter(AuditEvent.objects.logins())
    if request.GET.get("export"):
        rows = (
            [_local(e.at), e.username, e.get_kind_display(), e.ip or "", e.user_agent, e.message]
            for e in events.iterator()
        )
        return _export(request, "登录日志", form, events, LOGIN_HEADERS, rows)
    page, query = paginate(request, events)
    return render(request, "audit/login_list.html", {"form": form, "page": page, "query": query})


def _export(request, title: str, form, events, headers: list[str], rows):
    """The .xlsx of what the filters show; export_xlsx records it (rows and filters), as every export."""
    return export_xlsx(request, title, headers, rows, filters=_shown_filters(form))


def _shown_filters(form) -> dict[str, str]:
    """The filters that took effect (an invalid one filters nothing), by their labels, choices in words."""
    shown = {}
    for name, value in form.cleaned_data.items():
        if value:
            field = form.fields[name]
            shown[str(field.label)] = str(dict(getattr(field, "choices", ())).get(value, value))
    return shown


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def _json(values) -> str:
    return "" if values is None else json.dumps(values, ensure_ascii=False)
