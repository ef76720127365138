"""What the bureaus keep beside the figures (seed 003 §2–3): 配送企业档案, 供应问题反馈 and 约谈督导 records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from vbp.accounts.models import Role
from vbp.accounts.scope import CATALOGUE, NOTHING, ScopedQuerySet, hospital_filter
from vbp.files import StoredFileFields


class Distributor(models.Model):
    """配送企业档案: a distributor of VBP products in the province, as the bureaus know it."""

    class Status(models.TextChoices):
        ACTIVE = "active", "正常配送"
        SUSPENDED = "suspended", "暂停配送"
        LEFT = "left", "已退出"

    name = models.CharField("企业名称", max_length=100, unique=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    contact = models.CharField("联系人", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    area = models.CharField("配送区域", max_length=200, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    note = models.TextField("备注", blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="维护人", on_delete=models.PROTECT)
    updated_at = models.DateTimeField("维护时间", auto_now=True)
    version = models.PositiveIntegerField("版本", default=1)

    scope_path = CATALOGUE  # the register is the province's; its pages admit the bureaus only
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = "配送企业档案"

    def __str__(self) -> str:
        return self.name


class SupplyIssue(models.Model):
    """供应问题反馈: a hospital reports a product not delivered (or late); its bureau follows up and records how
    it ended."""

    class Status(models.TextChoices):
        OPEN = "open", "待处理"
        FOLLOWING = "following", "处理中"
        RESOLVED = "resolved", "已解决"

    hospital = models.ForeignKey("catalog.Hospital", verbose_name="医疗机构", on_delete=models.PROTECT)
    distributor = models.ForeignKey(Distributor, verbose_name="配送企业", on_delete=models.PROTECT)
    batch = models.ForeignKey("catalog.Batch", verbose_name="带量批次", on_delete=models.PROTECT)
    generic = models.CharField("药品通用名", max_length=100)
    happened_on = models.DateField("发生日期")
    description = models.TextField("问题描述")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    follow_up = models.TextField("跟进情况", blank=True)
    outcome = models.TextField("处理结果", blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="反馈人", on_delete=models.PROTECT)
    reported_at = models.DateTimeField("反馈时间", auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)

    scope_path = "hospital__"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_at", "-pk"]
        verbose_name = verbose_name_plural = "供应问题反馈"

    def __str__(self) -> str:
        return f"{self.hospital} {self.generic} 供应问题"


class InterviewQuerySet(models.QuerySet):
    """约谈督导 of a hospital reach whoever reaches the hospital; those of a distributor reach the bureau that held
    them and the bureaus above it (the province reaches all)."""

    def visible_to(self, user) -> InterviewQuerySet:
        hospitals = hospital_filter(user, "hospital__")
        if hospitals == NOTHING:
            return self.none()
        about_distributors = Q(hospital__isnull=True)
        match user.role:
            case Role.PROVINCE:
                return self
            case Role.CITY:
                regions = Q(region_id=user.region_id) | Q(region__parent_id=user.region_id)
            case Role.DISTRICT:
                regions = Q(region_id=user.region_id)
            case _:
                return self.filter(Q(hospital__isnull=False) & hospitals)
        return self.filter((Q(hospital__isnull=False) & hospitals) | (about_distributors & regions))


class Interview(models.Model):
    """约谈督导: who was interviewed (a hospital or a distributor), when, why, by whom, and what came of it."""

    hospital = models.ForeignKey(
        "catalog.Hospital", verbose_name="医疗机构", null=True, blank=True, on_delete=models.PROTECT
    )
    distributor = models.ForeignKey(
        Distributor, verbose_name="配送企业", null=True, blank=True, on_delete=models.PROTECT
    )
    region = models.ForeignKey("regions.Region", verbose_name="约谈部门所在地", on_delete=models.PROTECT)
    held_on = models.DateField("约谈日期")
    reason = models.TextField("约谈事由")
    participants = models.CharField("参加人员", max_length=200)
    outcome = models.TextField("约谈结果与整改要求", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    version = models.PositiveIntegerField("版本", default=1)

    objects = InterviewQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = verbose_name_plural = "约谈督导"
        constraints = [
            models.CheckConstraint(
                condition=Q(hospital__isnull=False, distributor__isnull=True)
                | Q(hospital__isnull=True, distributor__isnull=False),
                name="interview_has_one_party",
            )
        ]

    def __str__(self) -> str:
        return f"约谈 {self.hospital or self.distributor}（{self.held_on}）"

    @property
    def party(self) -> str:
        return self.hospital.name if self.hospital_id else self.distributor.name


class InterviewAttachmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> InterviewAttachmentQuerySet:
        return self.filter(interview__in=Interview.objects.visible_to(user).values("pk"))


class InterviewAttachment(StoredFileFields):
    """A record's attachment (the signed interview record, a rectification report…): a PDF or an image."""

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="attachments")

    objects = InterviewAttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = verbose_name_plural = "约谈督导附件"

    def __str__(self) -> str:
        return self.file_name
