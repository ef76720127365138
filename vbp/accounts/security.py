"""Login lockout and password expiry, read from the attempts and the security settings.

An account, and separately an address, is locked once it has failed as many times
as the policy allows within the lockout period; a success (for the account) or an
unlock by the security administrator starts the count again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Max
from django.utils import timezone

from vbp.accounts.models import LoginAttempt, SecurityPolicy, Unlock


@dataclass(frozen=True)
class Lock:
    field: str  # "username" or "ip_address"
    value: str
    failures: int
    until: datetime.datetime

    @property
    def label(self) -> str:
        return "账号" if self.field == "username" else "地址"


def lock_on(field: str, value: str | None, policy: SecurityPolicy | None = None) -> Lock | None:
    """The lock on this account or address now, if there is one."""
    if not value:
        return None
    policy = policy or SecurityPolicy.current()
    period = datetime.timedelta(minutes=policy.lockout_minutes)
    since = max(filter(None, [timezone.now() - period, _reset_at(field, value)]))
    failures = list(
        LoginAttempt.objects.filter(**{field: value}, success=False, at__gt=since)
        .order_by("-at")
        .values_list("at", flat=True)[: policy.lockout_failures]
    )
    if len(failures) < policy.lockout_failures:
        return None
    return Lock(field, value, len(failures), failures[-1] + period)


def lock_for(username: str, ip: str | None) -> Lock | None:
    policy = SecurityPolicy.current()
    return lock_on("username", username, policy) or lock_on("ip_address", ip, policy)


def current_locks() -> list[Lock]:
    """Every account and address locked now, for the security administrator's page."""
    policy = SecurityPolicy.current()
    recent = LoginAttempt.objects.filter(
        success=False, at__gt=timezone.now() - datetime.timedelta(minutes=policy.lockout_minutes)
    )
    locks = []
    for field in ("username", "ip_address"):
        for value in recent.exclude(**{field: None}).values_list(field, flat=True).distinct():
            lock = lock_on(field, value, policy)
            if lock:
                locks.append(lock)
    return locks


def _reset_at(field: str, value: str) -> datetime.datetime | None:
    """When the count last started again: an unlock, or (for an account) a successful login."""
    marks = [Unlock.objects.filter(**{field: value}).aggregate(at=Max("at"))["at"]]
    if field == "username":
        marks.append(LoginAttempt.objects.filter(username=value, success=True).aggregate(at=Max("at"))["at"])
    marks = [mark for mark in marks if mark]
    return max(marks) if marks else None


def password_expired(user, policy: SecurityPolicy | None = None) -> bool:
    policy = policy or SecurityPolicy.current()
    if not policy.password_max_age_days:
        return False
    changed = user.password_changed_at or user.date_joined
    return timezone.now() - changed > datetime.timedelta(days=policy.password_max_age_days)


def must_change_password(user) -> bool:
    return user.must_change_password or password_expired(user)
