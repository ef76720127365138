"""Users: each has one role and the region or hospital that bounds what they see (数据权限)."""

from django.contrib.auth.models import AbstractUser
from django.db import models


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
    must_change_password = models.BooleanField("首次登录须修改密码", default=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class SecurityPolicy(models.Model):
    """The security administrator's settings (安全设置); one row, created with these defaults."""

    lockout_failures = models.PositiveSmallIntegerField("连续登录失败锁定次数", default=5)
    lockout_minutes = models.PositiveSmallIntegerField("锁定时长（分钟）", default=15)
    password_min_length = models.PositiveSmallIntegerField("密码最短长度", default=8)
    password_history = models.PositiveSmallIntegerField("不得与最近几次密码相同", default=5)
    password_max_age_days = models.PositiveSmallIntegerField("密码有效期（天）", default=90)
    idle_minutes = models.PositiveSmallIntegerField("无操作自动退出（分钟）", default=30)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "安全设置"

    def __str__(self) -> str:
        return "安全设置"

    @classmethod
    def current(cls) -> "SecurityPolicy":
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
