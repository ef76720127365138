"""The audit log (审计日志): who did what, when, from where. Append-only.

The application refuses to change or delete an event (model and queryset alike); on
PostgreSQL a trigger refuses it in the database too (migration 0002). Nothing deletes
events automatically: they are kept forever, beyond the 180 days 等保 asks for.
"""

import datetime
import json
from functools import cached_property
from typing import NamedTuple

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone


class AuditLogIsAppendOnly(Exception):
    """An audit event may be added, never changed or deleted."""


REFUSAL = "审计日志只能追加，不能修改或删除"
# Labels for fields whose own verbose name says less than the page means (Django's "名字" is the whole 姓名 here).
LABELS = {("accounts.user", "first_name"): "姓名", ("accounts.user", "last_name"): "姓"}


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogIsAppendOnly(REFUSAL)

    def delete(self):
        raise AuditLogIsAppendOnly(REFUSAL)

    def bulk_create(self, objs, *args, update_conflicts=False, **kwargs):
        if update_conflicts:
            raise AuditLogIsAppendOnly(REFUSAL)
        return super().bulk_create(objs, *args, update_conflicts=update_conflicts, **kwargs)

    def logins(self) -> "AuditEventQuerySet":
        """登录日志: logins, logouts and failed logins."""
        return self.filter(kind__in=AuditEvent.LOGIN_KINDS)

    def operations(self) -> "AuditEventQuerySet":
        """操作日志: everything else."""
        return self.exclude(kind__in=AuditEvent.LOGIN_KINDS)


class AuditEvent(models.Model):
    class Kind(models.TextChoices):
        LOGIN = "login", "登录"
        LOGOUT = "logout", "登出"
        LOGIN_FAILED = "login_failed", "登录失败"
        CREATE = "create", "新增"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"
        STATUS = "status", "状态变更"
        EXPORT = "export", "导出"
        DENIED = "denied", "拒绝访问"
        OTHER = "other", "其他"

    LOGIN_KINDS = (Kind.LOGIN, Kind.LOGOUT, Kind.LOGIN_FAILED)

    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    at = models.DateTimeField("时间", default=timezone.now, editable=False, db_index=True)
    # PROTECT: a user with events is deactivated, not deleted (SET_NULL would have to update this table).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    username = models.CharField("用户名", max_length=150, blank=True)
    ip = models.GenericIPAddressField("IP地址", null=True, blank=True)
    user_agent = models.CharField("浏览器", max_length=500, blank=True)
    object_type = models.CharField("对象类型", max_length=100, blank=True, db_index=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_text = models.CharField("对象", max_length=255, blank=True)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    message = models.CharField("说明", max_length=500, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["kind", "at"], name="audit_event_kind_at")]
        verbose_name = verbose_name_plural = "审计日志"

    def __str__(self) -> str:
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M:%S} {self.username or '系统'} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogIsAppendOnly(REFUSAL)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly(REFUSAL)

    @property
    def object_type_label(self) -> str:
        return object_type_label(self.object_type)

    @property
    def actor_name(self) -> str:
        """The actor's name as people know it (姓名), beside the username; empty for the system or a name not given."""
        return self.actor.get_full_name() if self.actor_id and self.actor else ""

    @cached_property
    def changes(self) -> list["Change"]:
        """Every field either side names, in order, by its label: a choice by its label, a reference by its object's
        text, a yes/no in words, a moment in local time."""
        before, after = self.before or {}, self.after or {}
        model = _model_of(self.object_type)
        rows = []
        for name in dict.fromkeys([*before, *after]):
            field = _field_of(model, name)
            label = LABELS.get((self.object_type, name)) or (str(field.verbose_name) if field else name)
            old, new = (_shown(field, values[name]) if name in values else "" for values in (before, after))
            rows.append(Change(label, old, new, name in before))
        return rows

    def changes_text(self, side: str) -> str:
        """One side of the change ("before" or "after") as "label：value；…", for the export."""
        return "；".join(
            f"{change.label}：{getattr(change, side)}"
            for change in self.changes
            if change.had_before or side == "after"
        )


class Change(NamedTuple):
    label: str
    before: object
    after: object
    had_before: bool  # False for a field that was not there before (a creation, or a count just made)


def object_type_label(object_type: str) -> str:
    """A model's Chinese name for its ``app_label.model`` (the raw text if no such model is installed)."""
    model = _model_of(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def _model_of(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field_of(model, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _shown(field: models.Field | None, value):
    """A stored value as the page shows it: a choice by its label, a reference by its object, yes/no in words, a
    moment in local time (Asia/Shanghai), nothing as 无; other values as stored."""
    if value is None or value == "":
        return "无"
    if isinstance(value, bool):
        return "是" if value else "否"
    if field is None:
        return value if isinstance(value, str | int | float) else json.dumps(value, ensure_ascii=False)
    if field.choices and isinstance(value, str | int):
        return dict(field.flatchoices).get(value, value)
    if field.is_relation and field.many_to_one and isinstance(value, int | str):
        return _object_text(field.related_model, value)
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        return _local_moment(value)
    return value if isinstance(value, str | int | float) else json.dumps(value, ensure_ascii=False)


def _object_text(model, pk) -> str:
    """The referenced object as its text (a region's name, a hospital's), or its number if it is gone."""
    try:
        found = model._default_manager.filter(pk=pk).first()
    except (ValueError, TypeError):
        found = None
    return str(found) if found is not None else f"#{pk}"


def _local_moment(value: str) -> str:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return f"{moment:%Y-%m-%d %H:%M:%S}"
