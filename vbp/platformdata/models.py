"""Platform data (此数据由平台提供) per hospital × product × year, and the record of every import."""

from django.conf import settings
from django.db import models

from vbp.accounts.scope import ScopedQuerySet
from vbp.catalog.models import MONEY
from vbp.jobs import LeasedJobFields

VOLUME = {"max_digits": 18, "decimal_places": 0}


class PlatformRecord(models.Model):
    hospital = models.ForeignKey("catalog.Hospital", verbose_name="医疗机构", on_delete=models.PROTECT)
    product = models.ForeignKey("catalog.Product", verbose_name="品种", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField("考核年度")
    agreed_volume = models.DecimalField("约定采购量", **VOLUME)
    base_volume = models.DecimalField("采购量基数", **VOLUME)
    winning_volume = models.DecimalField("中选产品实际采购量", **VOLUME)
    generic_volume = models.DecimalField("同通用名产品采购总量", **VOLUME)
    nonselected_volume = models.DecimalField("非中选产品采购量", **VOLUME)
    nonselected_amount = models.DecimalField("非中选产品使用金额", **MONEY)
    offline_amount = models.DecimalField("线下采购金额", **MONEY)
    drug_purchase_amount = models.DecimalField("实际药品采购金额", **MONEY)
    purchase_in_amount = models.DecimalField("入库金额", **MONEY)
    paid_30d_amount = models.DecimalField("30天内回款金额", **MONEY)

    scope_path = "hospital__"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["year", "hospital", "product"]
        constraints = [
            models.UniqueConstraint(fields=["hospital", "product", "year"], name="unique_platform_record"),
        ]
        verbose_name = verbose_name_plural = "平台数据"

    def __str__(self) -> str:
        return f"{self.year} {self.hospital_id} {self.product_id}"


class ImportJob(LeasedJobFields):
    """One upload: its dry run, then (if confirmed) its write. Kept as the record of the import."""

    class Status(models.TextChoices):
        CHECKING = "checking", "校验中"
        PREVIEW = "preview", "待确认"
        REFUSED = "refused", "有错误"
        IMPORTING = "importing", "导入中"
        DONE = "done", "已导入"
        FAILED = "failed", "导入失败"
        CANCELLED = "cancelled", "已取消"

    kind = models.CharField("导入类型", max_length=20)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    file_name = models.CharField("文件名", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    content = models.BinaryField("文件内容")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.CHECKING)
    total_rows = models.PositiveIntegerField("行数", default=0)
    done_rows = models.PositiveIntegerField("已处理行数", default=0)
    rows_added = models.PositiveIntegerField("新增行数", default=0)
    rows_changed = models.PositiveIntegerField("修改行数", default=0)
    rows_unchanged = models.PositiveIntegerField("未变行数", default=0)
    problems = models.JSONField("问题", default=list)
    preview = models.JSONField("预览", default=list)
    error = models.TextField("错误", blank=True)
    # The step a worker was running when it died (校验中 or 导入中): what 重新运行 runs again.
    interrupted_from = models.CharField("中断的步骤", max_length=12, choices=Status.choices, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "导入记录"

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()}）"

    @property
    def running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)

    @property
    def can_rerun(self) -> bool:
        return self.status == self.Status.FAILED and bool(self.interrupted_from)

    @property
    def progress_percent(self) -> int:
        return 0 if not self.total_rows else min(100, self.done_rows * 100 // self.total_rows)
