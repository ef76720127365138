"""Users: each has one role and the region or hospital that bounds what they see (数据权限)."""

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from vbp.accounts.policy import BOUNDS, validators


class Role(models.TextChoices):
    PROVINCE = "province", "省医保局"
    CITY = "city", "市医保局"
    DISTRICT = "district", "区县医保局"
    REMOTE_PLATFORM = "remote_platform", "省内异地平台"
    HOSPITAL = "hospital", "医疗机构"
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"


class User(AbstractUser):
    role = models.CharField("角色", max_length=20, choices=Role.choices, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属行政区划", null=True, blank=True, on_delete=models.PROTECT
    )
    hospital = models.ForeignKey(
        "catalog.Hospital", verbose_name="所属医疗机构", null=True, blank=True, on_delete=models.PROTECT
    )
    phone = models.CharField("联系电话", max_length=20, blank=True)
    must_change_password = models.BooleanField("首次登录须修改密码", default=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


def _policy_field(name: str, label: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, default=BOUNDS[name].default, validators=validators(name))


class SecurityPolicy(models.Model):
    """The security administrator's settings (安全设置); one row, created with these defaults, within policy.BOUNDS."""

    lockout_failures = _policy_field("lockout_failures", "连续登录失败锁定次数")
    lockout_minutes = _policy_field("lockout_minutes", "锁定时长（分钟）")
    password_min_length = _policy_field("password_min_length", "密码最短长度")
    password_history = _policy_field("password_history", "不得与最近几次密码相同")
    password_max_age_days = _policy_field("password_max_age_days", "密码有效期（天）")
    idle_minutes = _policy_field("idle_minutes", "无操作自动退出（分钟）")
    api_token_days = _policy_field("api_token_days", "接口令牌有效期（天）")
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "安全设置"

    def __str__(self) -> str:
        return "安全设置"

    @classmethod
    def current(cls) -> "SecurityPolicy":
        """The one row; read without writing when it exists, so a page view stores nothing."""
        policy = cls.objects.filter(pk=1).first()
        if policy is None:
            policy, _ = cls.objects.get_or_create(pk=1)
        return policy


class LoginAttempt(models.Model):
    """Every login attempt, kept to count failures for the lockout (by account and by address)."""

    username = models.CharField("用户名", max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField("地址", null=True, blank=True, db_index=True)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    success = models.BooleanField("成功")

    class Meta:
        ordering = ["-at"]
        verbose_name = verbose_name_plural = "登录尝试"

    def __str__(self) -> str:
        return f"{self.username} {self.ip_address} {'成功' if self.success else '失败'}"


class Unlock(models.Model):
    """A security administrator's unlock: failures before it no longer count."""

    username = models.CharField("用户名", max_length=150, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField("地址", null=True, blank=True)
    at = models.DateTimeField("解锁时间", auto_now_add=True)
    by = models.ForeignKey(User, verbose_name="解锁人", on_delete=models.PROTECT)

    class Meta:
        ordering = ["-at"]
        verbose_name = verbose_name_plural = "解锁记录"

    def __str__(self) -> str:
        return f"{self.username or self.ip_address}"


class PasswordHistory(models.Model):
    """Earlier password hashes, so a new password is not one of the last few."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = verbose_name_plural = "历史密码"

    def __str__(self) -> str:
        return f"{self.user_id} {self.at:%Y-%m-%d}"


class ApiTokenQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ApiTokenQuerySet":
        """A business account's own tokens; every token for the security administrator (to revoke); none otherwise."""
        from vbp import permissions  # vbp.permissions reads this module's roles

        if permissions.sets_security_policy(user):
            return self
        return self.filter(user=user) if permissions.holds_api_tokens(user) else self.none()

    def usable(self) -> "ApiTokenQuerySet":
        """Neither revoked nor expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A key an integration client signs in to the API with (接口令牌), shown once when made, kept only as a hash."""

    user = models.ForeignKey(User, verbose_name="所属用户", on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField("令牌前缀", max_length=8)  # the key's first characters, to tell tokens apart
    key_hash = models.CharField(max_length=64, unique=True)  # SHA-256 of the key: the key itself is never stored
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    expires_at = models.DateTimeField("到期时间")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("作废时间", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.prefix}…（{self.name}）"

    @staticmethod
    def hash_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "已作废"
        return "已过期" if self.expires_at <= timezone.now() else "有效"


class Throttle(models.Model):
    """Requests counted per key (an address and what it asks for) per time window, to limit anonymous requests."""

    key = models.CharField(max_length=100)
    window = models.BigIntegerField()  # the window's number: seconds since the epoch // its length
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="unique_throttle_window")]

    def __str__(self) -> str:
        return f"{self.key} {self.window}: {self.count}"
