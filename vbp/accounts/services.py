"""Account verbs: log attempts, change and reset passwords, unlock, change the security settings.

Each is one transaction; each refusal raises AccountRefused with a message for the user.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from vbp.accounts.models import LoginAttempt, PasswordHistory, Role, SecurityPolicy, Unlock, User
from vbp.audit.services import Kind, record_change, snapshot


class AccountRefused(Exception):
    """The actor may not do this."""


def record_attempt(username: str, ip: str | None, *, success: bool) -> None:
    LoginAttempt.objects.create(username=username[:150], ip_address=ip, success=success)


@transaction.atomic
def change_password(user: User, new_password: str) -> User:
    """The user's own change (validated by the form): the old hash joins the history, the clock restarts."""
    _set_password(user, new_password, must_change=False)
    record_change(user, Kind.UPDATE, user, message="修改本人密码")
    return user


@transaction.atomic
def reset_password(actor: User, user: User, new_password: str) -> User:
    """A system administrator's reset: the user must change it at the next login."""
    if actor.role != Role.SYSTEM_ADMIN:
        raise AccountRefused("只有系统管理员可以重置密码")
    _set_password(user, new_password, must_change=True)
    record_change(actor, Kind.UPDATE, user, message="重置密码（下次登录须修改）")
    return user


@transaction.atomic
def admin_set_password(user: User, new_password: str, *, must_change: bool) -> User:
    """A reset from the Django admin, which only the system administrator reaches (config/urls.py)."""
    _set_password(user, new_password, must_change=must_change)
    return user


def _set_password(user: User, new_password: str, *, must_change: bool) -> None:
    if user.password:
        PasswordHistory.objects.create(user=user, password=user.password)
    user.set_password(new_password)
    user.password_changed_at = timezone.now()
    user.must_change_password = must_change
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])


@transaction.atomic
def unlock(actor: User, *, username: str = "", ip_address: str | None = None) -> Unlock:
    """Lift a lockout of an account or an address (安全管理员)."""
    if actor.role != Role.SECURITY_ADMIN:
        raise AccountRefused("只有安全管理员可以解锁")
    if not username and not ip_address:
        raise AccountRefused("请指定要解锁的账号或地址")
    unlocked = Unlock.objects.create(username=username, ip_address=ip_address or None, by=actor)
    record_change(actor, Kind.STATUS, unlocked, after=snapshot(unlocked), message=f"解锁 {username or ip_address}")
    return unlocked


@transaction.atomic
def update_security_policy(actor: User, **values) -> SecurityPolicy:
    if actor.role != Role.SECURITY_ADMIN:
        raise AccountRefused("只有安全管理员可以修改安全设置")
    policy = SecurityPolicy.objects.select_for_update().get(pk=SecurityPolicy.current().pk)
    before = snapshot(policy)
    for name, value in values.items():
        setattr(policy, name, value)
    policy.save()
    record_change(actor, Kind.UPDATE, policy, before=before, after=snapshot(policy), message="修改安全设置")
    return policy
