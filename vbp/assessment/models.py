"""Assessment (考核): a hospital's self-assessment per batch and year, its item-by-item review, and the scores.

The rules live in the rule set (vbp.core); these rows hold what people entered and
decided, and the results the core computed from them, with the rule-set version used.
"""

from django.conf import settings
from django.db import models

from vbp.accounts.scope import ScopedQuerySet
from vbp.files import StoredFileFields


class Assessment(models.Model):
    """One hospital's assessment of one batch for one year: Part 1 once, Part 2 per product."""

    class Status(models.TextChoices):
        DRAFT = "draft", "待填报"
        SUBMITTED = "submitted", "已提交"

    class Review(models.TextChoices):
        WAITING = "waiting", "未开始"
        PENDING = "pending", "待审核"
        DONE = "done", "已审核"

    hospital = models.ForeignKey("catalog.Hospital", verbose_name="医疗机构", on_delete=models.PROTECT)
    batch = models.ForeignKey("catalog.Batch", verbose_name="带量批次", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField("考核年度")
    rule_set = models.ForeignKey("rulesets.RuleSetVersion", verbose_name="考核方案", on_delete=models.PROTECT)
    status = models.CharField("填报状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    part1_review = models.CharField(
        "落实集采政策评分审核", max_length=10, choices=Review.choices, default=Review.WAITING
    )
    part2_review = models.CharField(
        "集采任务完成情况评分审核", max_length=10, choices=Review.choices, default=Review.WAITING
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    part1_reviewed_at = models.DateTimeField("落实集采政策评分审核提交时间", null=True, blank=True)
    part2_reviewed_at = models.DateTimeField("集采任务完成情况评分审核提交时间", null=True, blank=True)
    part1_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="落实集采政策评分审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    part2_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="集采任务完成情况评分审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField("版本", default=1)  # every change bumps it: the optimistic check

    scope_path = "hospital__"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["batch", "hospital"]
        constraints = [models.UniqueConstraint(fields=["hospital", "batch", "year"], name="unique_assessment")]
        verbose_name = verbose_name_plural = "考核"

    def __str__(self) -> str:
        return f"{self.hospital} {self.batch} {self.year}年度"


class Answer(models.Model):
    """The hospital's answer to one self-reported or chosen item (per product for Part 2), and its review."""

    class Decision(models.TextChoices):
        NONE = "", "待审核"
        PASS = "pass", "通过"
        REJECT = "reject", "驳回"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    item = models.CharField("考核指标", max_length=50)
    product = models.ForeignKey("catalog.Product", verbose_name="品种", null=True, blank=True, on_delete=models.PROTECT)
    inputs = models.JSONField("填报内容", default=dict)  # the item's raw inputs, numbers as exact text
    self_points = models.DecimalField("自评得分", max_digits=6, decimal_places=2)
    decision = models.CharField("审核结果", max_length=10, choices=Decision.choices, blank=True, default="")
    reason = models.CharField("驳回原因", max_length=500, blank=True)
    remark = models.CharField("备注", max_length=500, blank=True)  # the reviewer's remark (seed 000 §1.3)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True, on_delete=models.PROTECT
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)

    scope_path = "assessment__hospital__"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "product", "item"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item", "product"], name="unique_answer"),
            models.UniqueConstraint(
                fields=["assessment", "item"], condition=models.Q(product=None), name="unique_hospital_answer"
            ),
        ]
        verbose_name = verbose_name_plural = "自评内容"

    def __str__(self) -> str:
        return f"{self.assessment} {self.item}"

    @property
    def points(self):
        """The points that count: the hospital's, or 0 once the bureau rejects the item (驳回)."""
        return 0 if self.decision == self.Decision.REJECT else self.self_points


class Attachment(StoredFileFields):
    """Proof the hospital uploads (卫生健康财务报表…): PDF or image, kept outside the web root."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="attachments")
    item = models.CharField("考核指标", max_length=50)

    scope_path = "assessment__hospital__"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = verbose_name_plural = "附件"

    def __str__(self) -> str:
        return self.file_name


class ProductScore(models.Model):
    """A product's 综合得分, veto and 留用比例 as the core computed them, under the stored rule-set version."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    product = models.ForeignKey("catalog.Product", verbose_name="品种", on_delete=models.PROTECT)
    rule_set = models.ForeignKey("rulesets.RuleSetVersion", verbose_name="考核方案", on_delete=models.PROTECT)
    part1 = models.DecimalField("落实集采政策评分", max_digits=6, decimal_places=2)
    part2 = models.DecimalField("集采任务完成情况评分", max_digits=6, decimal_places=2)
    score = models.DecimalField("综合得分", max_digits=6, decimal_places=2)
    vetoed = models.BooleanField("一票否决")
    retention_ratio = models.DecimalField("结余留用比例", max_digits=5, decimal_places=4)
    items = models.JSONField("各项得分", default=list)  # [{code, name, part, points, measure, note}]
    vetoes = models.JSONField("否决项", default=list)  # [{code, name, vetoed, measure}]
    bureau_score = models.DecimalField("医保考核评分", max_digits=6, decimal_places=2, null=True, blank=True)
    computed_at = models.DateTimeField("计算时间", auto_now=True)

    scope_path = "assessment__hospital__"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "product"]
        constraints = [models.UniqueConstraint(fields=["assessment", "product"], name="unique_product_score")]
        verbose_name = verbose_name_plural = "品种得分"

    def __str__(self) -> str:
        return f"{self.assessment} {self.product} {self.score}"


class Reopen(models.Model):
    """退回重审: the province bureau reopens a submitted review, with its reason for all to see."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="reopens")
    part = models.PositiveSmallIntegerField("部分")
    reason = models.CharField("退回原因", max_length=500)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="退回人", on_delete=models.PROTECT)
    at = models.DateTimeField("退回时间", auto_now_add=True)

    scope_path = "assessment__hospital__"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        verbose_name = verbose_name_plural = "退回重审"

    def __str__(self) -> str:
        return f"{self.assessment} 第{self.part}部分"


class PendingScoreUpload(models.Model):
    """A 考核数据上传 between its dry run and 确认: one per user, batch and year (a new upload replaces it).

    Kept in the database, not the session, so a workbook of several MB is not carried with every request.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.CASCADE)
    batch = models.ForeignKey("catalog.Batch", verbose_name="带量批次", on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField("考核年度")
    file_name = models.CharField("文件名", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    content = models.BinaryField("文件内容")
    uploaded_at = models.DateTimeField("上传时间", auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "batch", "year"], name="unique_pending_score_upload")]
        verbose_name = verbose_name_plural = "待确认的考核数据上传"

    def __str__(self) -> str:
        return self.file_name
