"""Writing the audit log: the calls every service makes when it changes something, and the login records.

Call ``record_change`` inside the service's own transaction, so the record and the
change are committed together or not at all.

The client address is ``REMOTE_ADDR``. Only when the system is configured to run
behind a reverse proxy (``SECURE_PROXY_SSL_HEADER`` set, see config/settings.py) is
``X-Forwarded-For`` read, and then only its last entry: the address the proxy itself
saw. Earlier entries are whatever the client chose to send.
"""

from __future__ import annotations

import datetime
import ipaddress
import math
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models

from vbp.audit.context import current_request
from vbp.audit.models import AuditEvent

Kind = AuditEvent.Kind

# Never written to the log, whatever the caller passes.
SECRET_FIELDS = frozenset({"password"})


def record_change(
    actor, kind: str, obj: models.Model | None, *, before=None, after=None, message: str = "", request=None
) -> AuditEvent:
    """Record that ``actor`` (None: the system itself) did ``kind`` to ``obj``, with its values before and after."""
    return AuditEvent.objects.create(
        kind=kind,
        actor=actor if _is_user(actor) else None,
        username=actor.get_username() if _is_user(actor) else "",
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_text=str(obj)[:255] if obj is not None else "",
        before=_without_secrets(json_safe(before)),
        after=_without_secrets(json_safe(after)),
        message=message[:500],
        **_client(request),
    )


def record_login(kind: str, *, user=None, username: str = "", request=None, message: str = "") -> AuditEvent:
    """Record a login, logout or failed login. A failed login names the username tried, never the password."""
    return AuditEvent.objects.create(
        kind=kind,
        actor=user if _is_user(user) else None,
        username=(user.get_username() if _is_user(user) else username)[:150],
        message=message[:500],
        **_client(request),
    )


STATUS_WORDS = {401: "未登录或令牌无效", 403: "无权访问", 404: "无权访问或对象不存在"}


def record_denied(request, status: int) -> AuditEvent:
    """A refused request: who (if signed in), what they asked for, and the answer."""
    user = getattr(request, "user", None)
    asked = f"{request.method} {request.get_full_path()}"
    return AuditEvent.objects.create(
        kind=Kind.DENIED,
        actor=user if _is_user(user) else None,
        username=user.get_username()[:150] if _is_user(user) else "",
        message=f"{STATUS_WORDS.get(status, '拒绝')}（{status}）：{asked}"[:500],
        **_client(request),
    )


def record_export(user, what: str, *, rows: int | None = None, filters: str = "", request=None) -> AuditEvent:
    """An export or download of business data: what, how many rows, with which filters."""
    parts = [what]
    if rows is not None:
        parts.append(f"{rows} 行")
    if filters:
        parts.append(f"筛选条件：{filters}")
    return record_change(user, Kind.EXPORT, None, message="；".join(parts), request=request)


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """``obj``'s concrete field values (a foreign key as its id), JSON-safe; only ``fields`` if given."""
    return {
        field.name: json_safe(field.value_from_object(obj))
        for field in obj._meta.concrete_fields
        if (fields is None or field.name in fields) and field.name not in SECRET_FIELDS
    }


def json_safe(value):
    """``value`` with decimals, dates and times as text (exact), and binary content as its size."""
    match value:
        case None | bool() | int():
            return value
        case str():
            return str(value)  # a TextChoices member as its plain value
        case float():
            return value if math.isfinite(value) else str(value)  # JSON has no NaN or infinity
        case Decimal() | uuid.UUID():
            return str(value)
        case datetime.date() | datetime.time():  # datetime is a date
            return value.isoformat()
        case bytes() | bytearray() | memoryview():
            return f"{len(value)} bytes"
        case dict():
            return {str(key): json_safe(item) for key, item in value.items()}
        case list() | tuple() | set() | frozenset():
            return [json_safe(item) for item in value]
    return str(value)


def client_ip(request) -> str | None:
    """The client's address, or None if the request has no valid one."""
    address = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded[-1]:
            address = forwarded[-1]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _client(request) -> dict:
    request = request if request is not None else current_request()
    if request is None:
        return {"ip": None, "user_agent": ""}
    return {"ip": client_ip(request), "user_agent": request.META.get("HTTP_USER_AGENT", "")[:500]}


def _is_user(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.pk is not None


def _without_secrets(values):
    if isinstance(values, dict):
        return {key: value for key, value in values.items() if key not in SECRET_FIELDS}
    return values
