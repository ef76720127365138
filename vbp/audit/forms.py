"""The query forms of 操作日志 and 登录日志: each turns the URL's filters into a filtered list of events.

A filter that does not parse is shown with its error and filters nothing (vbp.ui.forms.QueryForm).
"""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from vbp.audit.models import AuditEvent, object_type_label
from vbp.ui.forms import QueryForm, TextField

Kind = AuditEvent.Kind
FIRST_DAY, LAST_DAY = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)


class DayField(forms.DateField):
    """A day typed as 2024-05-01 (or 2024/05/01), between FIRST_DAY and LAST_DAY."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
        super().__init__(input_formats=["%Y-%m-%d", "%Y/%m/%d"], required=False, **kwargs)
        self.error_messages["invalid"] = "请输入日期，如 2024-05-01"

    def to_python(self, value):
        if isinstance(value, str) and (len(value.strip()) > 10 or not value.isascii()):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        day = super().to_python(value)
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise ValidationError(f"日期应在 {FIRST_DAY} 至 {LAST_DAY} 之间", code="out_of_range")
        return day


class EventQuery(QueryForm):
    """Filters both pages share: a day range (both days included), a username or name, a kind."""

    kinds: tuple[Kind, ...] = ()

    start = DayField(label="开始日期")
    end = DayField(label="结束日期")
    username = TextField(label="用户名或姓名", max_length=150, required=False)
    kind = forms.ChoiceField(label="类型", required=False)

    def prepare(self) -> None:
        self.fields["kind"].choices = [("", "全部"), *((kind.value, kind.label) for kind in self.kinds)]

    def filter(self, rows):
        values = self.values
        if "start" in values:
            rows = rows.filter(at__gte=_day_start(values["start"]))
        if "end" in values:
            rows = rows.filter(at__lt=_day_start(values["end"] + datetime.timedelta(days=1)))
        if "username" in values:
            name = values["username"]
            rows = rows.filter(
                Q(username__icontains=name) | Q(actor__first_name__contains=name) | Q(actor__last_name__contains=name)
            )
        if "kind" in values:
            rows = rows.filter(kind=values["kind"])
        return rows


class OperationQuery(EventQuery):
    kinds = tuple(kind for kind in Kind if kind not in AuditEvent.LOGIN_KINDS)

    object_type = forms.ChoiceField(label="对象类型", required=False)

    def prepare(self) -> None:
        super().prepare()
        types = AuditEvent.objects.operations().exclude(object_type="").values_list("object_type", flat=True)
        self.fields["object_type"].choices = [
            ("", "全部"),
            *((name, object_type_label(name)) for name in types.order_by("object_type").distinct()),
        ]

    def filter(self, rows):
        rows = super().filter(rows)
        if object_type := self.values.get("object_type"):
            rows = rows.filter(object_type=object_type)
        return rows


class LoginQuery(EventQuery):
    kinds = AuditEvent.LOGIN_KINDS

    ip = TextField(label="IP地址", max_length=45, required=False)

    def filter(self, rows):
        rows = super().filter(rows)
        if ip := self.values.get("ip"):
            rows = rows.filter(ip__startswith=ip)
        return rows


def _day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of ``day`` in the system's time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
