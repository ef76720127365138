"""Account verbs: log attempts, change and reset passwords, unlock, change the security settings.

Each is one transaction; each refusal raises AccountRefused with a message for the user.
"""

from __future__ import annotations

import datetime
import secrets

from django.db import transaction
from django.utils import timezone

from vbp import permissions
from vbp.accounts.models import ApiToken, LoginAttempt, PasswordHistory, Role, SecurityPolicy, Unlock, User
from vbp.accounts.policy import out_of_bounds
from vbp.audit.services import Kind, record_change, snapshot

ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
BUSINESS_ROLES = frozenset(set(Role) - ADMIN_ROLES)
BUREAU_ROLES = frozenset({Role.PROVINCE, Role.CITY, Role.DISTRICT})
# The region level each bureau role works at.
ROLE_LEVELS = {Role.PROVINCE: "province", Role.CITY: "city", Role.DISTRICT: "district"}
AUTHORIZATION_FIELDS = ["role", "region", "hospital"]


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


PROFILE_FIELDS = ["first_name", "last_name", "email", "phone"]


@transaction.atomic
def update_profile(user: User, *, name: str, phone: str, email: str) -> User:
    """个人信息修改: the user's own name (姓名, kept whole as Chinese names are), phone and e-mail; audited."""
    if not (user.pk and user.is_authenticated and user.is_active):
        raise AccountRefused("只能修改本人的个人信息")
    user = User.objects.select_for_update().get(pk=user.pk)
    before = snapshot(user, PROFILE_FIELDS)
    user.first_name, user.last_name, user.phone, user.email = name, "", phone, email
    after = snapshot(user, PROFILE_FIELDS)
    if after == before:
        return user
    user.save(update_fields=PROFILE_FIELDS)
    changed = [name for name in PROFILE_FIELDS if before[name] != after[name]]
    record_change(
        user,
        Kind.UPDATE,
        user,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
        message="修改个人信息",
    )
    return user


@transaction.atomic
def reset_password(actor: User, user: User, new_password: str) -> User:
    """A system administrator's reset: the user must change it at the next login."""
    if actor.role != Role.SYSTEM_ADMIN:
        raise AccountRefused("只有系统管理员可以重置密码")
    if user.role in ADMIN_ROLES and user.pk != actor.pk:
        raise AccountRefused("三员账号的密码只能由本人修改，或在服务器上用命令重置")
    _set_password(user, new_password, must_change=True)
    record_change(actor, Kind.UPDATE, user, message="重置密码（下次登录须修改）")
    return user


def set_initial_password(user: User) -> str:
    """A random password the user must change at the first login; returned once to hand over."""
    password = secrets.token_urlsafe(12) + "-Aa1"  # every character class the rules ask for
    _set_password(user, password, must_change=True)
    return password


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
    if not permissions.sets_security_policy(actor):
        raise AccountRefused("只有安全管理员可以解锁")
    if not username and not ip_address:
        raise AccountRefused("请指定要解锁的账号或地址")
    unlocked = Unlock.objects.create(username=username, ip_address=ip_address or None, by=actor)
    record_change(actor, Kind.STATUS, unlocked, after=snapshot(unlocked), message=f"解锁 {username or ip_address}")
    return unlocked


@transaction.atomic
def update_security_policy(actor: User, **values) -> SecurityPolicy:
    if not permissions.sets_security_policy(actor):
        raise AccountRefused("只有安全管理员可以修改安全设置")
    problems = out_of_bounds(values)
    if problems:
        labels = {name: SecurityPolicy._meta.get_field(name).verbose_name for name in problems}
        raise AccountRefused("；".join(f"{labels[name]}{reason}" for name, reason in problems.items()))
    policy = SecurityPolicy.objects.select_for_update().get(pk=SecurityPolicy.current().pk)
    before = snapshot(policy)
    for name, value in values.items():
        setattr(policy, name, value)
    policy.save()
    record_change(actor, Kind.UPDATE, policy, before=before, after=snapshot(policy), message="修改安全设置")
    return policy


# --- 用户授权: the security administrator gives a business account its role and scope -------------------


def authorization_problems(role: str, region, hospital) -> list[str]:
    """What is wrong with giving an account this role, region and hospital (empty if nothing)."""
    if not role:
        return ["须选择角色"] if region or hospital else []
    if role in ADMIN_ROLES:
        return ["三员账号的角色只能在服务器上用命令设定，不能在此授权"]
    problems = []
    if role == Role.HOSPITAL:
        if hospital is None:
            problems.append("医疗机构账号须指定所属医疗机构")
        if region is not None:
            problems.append("医疗机构账号不关联行政区划")
    elif role in BUREAU_ROLES:
        if region is None:
            problems.append("医保局账号须指定所属行政区划")
        elif region.level != ROLE_LEVELS[role]:
            problems.append(f"{Role(role).label}账号的行政区划应为{region.Level(ROLE_LEVELS[role]).label}级")
        if hospital is not None:
            problems.append("医保局账号不关联医疗机构")
    elif hospital is not None:
        problems.append("省内异地平台账号不关联医疗机构")
    return problems


@transaction.atomic
def authorize(actor: User, user: User, *, role: str, region=None, hospital=None) -> User:
    """Give (or, with no role, take away) a business account's role and scope (安全管理员, 三员分立)."""
    if not permissions.sets_security_policy(actor):
        raise AccountRefused("只有安全管理员可以为账号授权")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == actor.pk or user.role in ADMIN_ROLES or user.is_staff or user.is_superuser:
        raise AccountRefused("三员账号不能在此授权")
    problems = authorization_problems(role, region, hospital)
    if problems:
        raise AccountRefused("；".join(problems))
    before = snapshot(user, AUTHORIZATION_FIELDS)
    user.role, user.region, user.hospital = role, region, hospital
    user.save(update_fields=AUTHORIZATION_FIELDS)
    after = snapshot(user, AUTHORIZATION_FIELDS)
    record_change(actor, Kind.UPDATE, user, before=before, after=after, message=f"用户授权：{user.username}")
    return user


# --- 接口令牌: keys integration clients sign in to the API with ----------------------------------------------

TOKEN_BYTES = 32


@transaction.atomic
def create_api_token(user: User, *, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``'s own account, valid for the policy's days; the key is returned once, never stored."""
    name = name.strip()
    if not permissions.holds_api_tokens(user):
        raise AccountRefused("只有业务账号可以创建接口令牌")
    if not name:
        raise AccountRefused("请填写令牌用途")
    from vbp.accounts.security import must_change_password  # security imports this module's models only

    if must_change_password(user):
        raise AccountRefused("密码已到期或须修改，请先修改密码再创建令牌")
    key = secrets.token_urlsafe(TOKEN_BYTES)
    days = SecurityPolicy.current().api_token_days
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=key[:8],
        key_hash=ApiToken.hash_of(key),
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    after = snapshot(token, ["name", "prefix", "expires_at"])
    record_change(user, Kind.CREATE, token, after=after, message=f"创建接口令牌 {token.prefix}…（{days} 天有效）")
    return token, key


@transaction.atomic
def revoke_api_token(actor: User, token: ApiToken) -> ApiToken:
    """作废 a token: the owner, or the security administrator."""
    if not permissions.revokes_api_token(actor, token):
        raise AccountRefused("无权作废此令牌")
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise AccountRefused("此令牌已作废")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    after = snapshot(token, ["revoked_at"])
    message = f"作废接口令牌 {token.prefix}…（{token.user.username}）"
    record_change(actor, Kind.STATUS, token, before={"revoked_at": None}, after=after, message=message)
    return token
