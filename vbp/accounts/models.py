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

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username
