"""The query forms of 操作日志 and 登录日志: each turns the URL's filters into a filtered list of events."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from vbp.audit.models import AuditEvent, AuditEventQuerySet, object_type_label

Kind = AuditEvent.Kind


class EventFilter(forms.Form):
    """Filters both pages share: a day range (both days included), a username, a kind."""

    kinds: tuple[Kind, ...] = ()

    start = forms.DateField(label="开始日期", required=False)
    end = forms.DateField(label="结束日期", required=False)
    username = forms.CharField(label="用户名", required=False, max_length=150)
    kind = forms.ChoiceField(label="类型", required=False)

    def __init__(self, data, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.fields["kind"].choices = [("", "全部"), *((kind.value, kind.label) for kind in self.kinds)]

    def filter(self, events: AuditEventQuerySet) -> AuditEventQuerySet:
        """``events`` narrowed by every filter that is valid; an invalid one is shown as an error and ignored."""
        self.is_valid()  # an invalid field stays out of cleaned_data: it filters nothing and shows its error
        values = {name: value for name, value in self.cleaned_data.items() if value}
        if "start" in values:
            events = events.filter(at__gte=_day_start(values["start"]))
        if "end" in values:
            events = events.filter(at__lt=_day_start(values["end"] + datetime.timedelta(days=1)))
        if "username" in values:
            events = events.filter(username__icontains=values["username"].strip())
        if "kind" in values:
            events = events.filter(kind=values["kind"])
        return events


class OperationFilter(EventFilter):
    kinds = tuple(kind for kind in Kind if kind not in AuditEvent.LOGIN_KINDS)

    object_type = forms.ChoiceField(label="对象类型", required=False)

    def __init__(self, data, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        types = AuditEvent.objects.operations().exclude(object_type="").values_list("object_type", flat=True)
        self.fields["object_type"].choices = [
            ("", "全部"),
            *((name, object_type_label(name)) for name in types.order_by("object_type").distinct()),
        ]

    def filter(self, events: AuditEventQuerySet) -> AuditEventQuerySet:
        events = super().filter(events)
        if object_type := self.cleaned_data.get("object_type"):
            events = events.filter(object_type=object_type)
        return events


class LoginFilter(EventFilter):
    kinds = AuditEvent.LOGIN_KINDS

    ip = forms.CharField(label="IP地址", required=False, max_length=45)

    def filter(self, events: AuditEventQuerySet) -> AuditEventQuerySet:
        events = super().filter(events)
        if ip := self.cleaned_data.get("ip", "").strip():
            events = events.filter(ip__startswith=ip)
        return events


def _day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of ``day`` in the system's time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
