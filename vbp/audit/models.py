"""The audit log (审计日志): who did what, when, from where. Append-only.

The application refuses to change or delete an event (model and queryset alike); on
PostgreSQL a trigger refuses it in the database too (migration 0002). Nothing deletes
events automatically: they are kept forever, beyond the 180 days 等保 asks for.
"""

from typing import NamedTuple

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone


class AuditLogIsAppendOnly(Exception):
    """An audit event may be added, never changed or deleted."""


REFUSAL = "审计日志只能追加，不能修改或删除"


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
    def changes(self) -> list["Change"]:
        """Every field either side names, in order; a choice shows its label."""
        before, after = self.before or {}, self.after or {}
        model = _model_of(self.object_type)
        rows = []
        for name in dict.fromkeys([*before, *after]):
            field = _field_of(model, name)
            label = str(field.verbose_name) if field else name
            old, new = (_shown(field, values.get(name, "")) for values in (before, after))
            rows.append(Change(label, old, new, name in before))
        return rows


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
    """A stored value as the page shows it: a choice by its label."""
    if field is not None and field.choices and isinstance(value, str | int):
        return dict(field.flatchoices).get(value, value)
    return value
