"""Funding data (医保资金留用金额信息维护) and retained amounts (医保资金留用金额管理), seed 000 §2–§3.

Payment ratios and inpatient visits are what people enter; amount sheets hold what the
core computed from them (vbp.core.retention), with every input and the rule-set version
used, so a confirmed amount can always be explained and never changes.
"""

from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q

from vbp.accounts.scope import ScopedQuerySet
from vbp.catalog.models import MONEY
from vbp.files import StoredFileFields
from vbp.jobs import LeasedJobFields

RATIO = {"max_digits": 5, "decimal_places": 4}
SHARE = {"max_digits": 12, "decimal_places": 10}
VOLUME = {"max_digits": 18, "decimal_places": 0}


class Entry(models.TextChoices):
    """The state of a figure somebody enters: filled until submitted, then locked."""

    DRAFT = "draft", "待填报"
    SUBMITTED = "submitted", "已提交"


class PayRatio(models.Model):
    """全省医保基金支付比例: one integer percent per batch and assessment year, kept by the province bureau."""

    batch = models.ForeignKey("catalog.Batch", verbose_name="带量批次", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField("考核年度")
    percent = models.PositiveSmallIntegerField("医保基金平均支付比例（%）", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Entry.choices, default=Entry.DRAFT)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提交人", null=True, blank=True, on_delete=models.PROTECT
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        ordering = ["year", "batch"]
        constraints = [models.UniqueConstraint(fields=["batch", "year"], name="unique_pay_ratio")]
        verbose_name = verbose_name_plural = "医保基金平均支付比例"

    def __str__(self) -> str:
        return f"{self.batch} {self.year}年度 {self.percent}%"


class VisitReport(models.Model):
    """A hospital's inpatient visits of the year before the assessment year: its total, and each pool's part."""

    hospital = models.ForeignKey("catalog.Hospital", verbose_name="医疗机构", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField("考核年度")
    total_visits = models.PositiveIntegerField("上一年度住院总人次", null=True, blank=True)
    status = models.CharField("总人次状态", max_length=10, choices=Entry.choices, default=Entry.DRAFT)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    # The basis of the 职保/居保 split (visits by insurance type), imported per hospital where the rules split funds.
    employee_basis = models.PositiveIntegerField("职工医保住院人次", null=True, blank=True)
    resident_basis = models.PositiveIntegerField("城乡居民医保住院人次", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)

    scope_path = "hospital__"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["year", "hospital"]
        constraints = [models.UniqueConstraint(fields=["hospital", "year"], name="unique_visit_report")]
        verbose_name = verbose_name_plural = "住院人次"

    def __str__(self) -> str:
        return f"{self.hospital} {self.year}年度住院人次"


class PoolVisits(models.Model):
    """The visits of one pool's insured at the hospital, entered by whoever answers for that pool."""

    report = models.ForeignKey(VisitReport, on_delete=models.CASCADE, related_name="pools")
    pool = models.ForeignKey("regions.Pool", verbose_name="统筹区", on_delete=models.PROTECT)
    visits = models.PositiveIntegerField("住院人次")
    status = models.CharField("状态", max_length=10, choices=Entry.choices, default=Entry.DRAFT)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填报人", on_delete=models.PROTECT)
    entered_at = models.DateTimeField("填报时间", auto_now=True)

    scope_path = "report__hospital__"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["report", "pool"]
        constraints = [models.UniqueConstraint(fields=["report", "pool"], name="unique_pool_visits")]
        verbose_name = verbose_name_plural = "参保患者住院人次"

    def __str__(self) -> str:
        return f"{self.report.hospital} {self.pool} {self.visits}"


class VisitProof(StoredFileFields):
    """The hospital's proof of its total visits (附件): a PDF or an image, kept outside the web root."""

    report = models.ForeignKey(VisitReport, on_delete=models.CASCADE, related_name="proofs")

    scope_path = "report__hospital__"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = verbose_name_plural = "住院人次附件"

    def __str__(self) -> str:
        return self.file_name


class AmountSheet(models.Model):
    """One hospital's retained amounts for one batch and year: computed, then confirmed (确认) and frozen."""

    class Status(models.TextChoices):
        PENDING = "pending", "待确认"
        CONFIRMED = "confirmed", "已确认"

    hospital = models.ForeignKey("catalog.Hospital", verbose_name="医疗机构", on_delete=models.PROTECT)
    batch = models.ForeignKey("catalog.Batch", verbose_name="带量批次", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField("考核年度")
    rule_set = models.ForeignKey("rulesets.RuleSetVersion", verbose_name="考核方案", on_delete=models.PROTECT)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    pay_ratio = models.PositiveSmallIntegerField("医保基金平均支付比例（%）")
    decimals = models.PositiveSmallIntegerField("金额小数位", default=2)  # the rule set's, for display and export
    total_visits = models.PositiveIntegerField("上一年度住院总人次")
    pool_visits = models.JSONField("各统筹区住院人次", default=dict)  # {pool name: visits}
    product_count = models.PositiveIntegerField("品种数")
    budget_total = models.DecimalField("医保资金预算合计", max_digits=24, decimal_places=8)
    surplus_total = models.DecimalField("结余测算基数合计", max_digits=24, decimal_places=8)
    retained_total = models.DecimalField("留用金额合计", **MONEY)
    payable_total = models.DecimalField("应留用金额合计", **MONEY)
    employee_amount = models.DecimalField("职保", null=True, blank=True, **MONEY)
    resident_amount = models.DecimalField("居保", null=True, blank=True, **MONEY)
    pool_amounts = models.JSONField("分统筹区应留用金额", default=dict)  # {pool name: amount as text}
    computed_at = models.DateTimeField("测算时间")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True, on_delete=models.PROTECT
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)

    scope_path = "hospital__"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["batch", "year", "hospital"]
        constraints = [models.UniqueConstraint(fields=["hospital", "batch", "year"], name="unique_amount_sheet")]
        verbose_name = verbose_name_plural = "留用金额"

    def __str__(self) -> str:
        return f"{self.hospital} {self.batch} {self.year}年度留用金额"


class ProductAmount(models.Model):
    """One product row of a sheet: every input of the formula and every figure the core computed."""

    sheet = models.ForeignKey(AmountSheet, on_delete=models.CASCADE, related_name="rows")
    product = models.ForeignKey("catalog.Product", verbose_name="品种", on_delete=models.PROTECT)
    score = models.DecimalField("综合得分", max_digits=6, decimal_places=2)
    agreed_volume = models.DecimalField("约定采购量", **VOLUME)
    actual_volume = models.DecimalField("实际采购量", **VOLUME)
    base_volume = models.DecimalField("采购量基数", **VOLUME)
    bid_price = models.DecimalField("中选价格", max_digits=18, decimal_places=4)
    weighted_avg_price = models.DecimalField("同通用名加权平均价", max_digits=18, decimal_places=4)
    nonselected_amount = models.DecimalField("非中选产品使用金额", **MONEY)
    vetoed = models.BooleanField("一票否决")
    retention_ratio = models.DecimalField("结余留用比例", **RATIO)
    budget = models.DecimalField("医保资金预算", max_digits=24, decimal_places=8)
    actual_cost = models.DecimalField("实际医保支出", max_digits=24, decimal_places=8)
    surplus = models.DecimalField("结余测算基数", max_digits=24, decimal_places=8)
    total_share = models.DecimalField("参保患者使用量占比", **SHARE)
    retained_amount = models.DecimalField("留用金额", **MONEY)
    payable_amount = models.DecimalField("应留用金额", **MONEY)
    pool_amounts = models.JSONField("分统筹区留用金额", default=dict)  # {pool name: [share, amount]} as text

    scope_path = "sheet__hospital__"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["sheet", "product"]
        constraints = [models.UniqueConstraint(fields=["sheet", "product"], name="unique_product_amount")]
        verbose_name = verbose_name_plural = "品种留用金额"

    def __str__(self) -> str:
        return f"{self.sheet} {self.product}"

    def pool_split(self) -> list[tuple[str, Fraction, Decimal]]:
        """(pool, share, 留用金额) of this row, as the core split it: the shares exact, the amounts adding up."""
        return [(pool, Fraction(share), Decimal(amount)) for pool, (share, amount) in self.pool_amounts.items()]


class AmountReopen(models.Model):
    """退回: the province bureau reopens a confirmed sheet, with its reason, so changed inputs can count."""

    sheet = models.ForeignKey(AmountSheet, on_delete=models.CASCADE, related_name="reopens")
    reason = models.CharField("退回原因", max_length=500)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="退回人", on_delete=models.PROTECT)
    at = models.DateTimeField("退回时间", auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = verbose_name_plural = "留用金额退回"

    def __str__(self) -> str:
        return f"{self.sheet} 退回"


class RecalculationQuerySet(models.QuerySet):
    """Recalculations as far as a user reaches them: those it asked for, and those that cover its hospitals."""

    def visible_to(self, user) -> models.QuerySet:
        """The province sees every one; a city bureau its own, the province's, and a city's that covers every
        hospital of the batch-year in its scope (the one it joined). Exactly ``services.covers`` as a filter."""
        from vbp import permissions
        from vbp.accounts.models import Role
        from vbp.accounts.scope import hospital_filter
        from vbp.assessment.models import Assessment

        if not permissions.recalculates(user):
            return self.none()
        if user.role == Role.PROVINCE:
            return self
        mine = Assessment.objects.filter(batch_id=OuterRef("batch_id"), year=OuterRef("year")).filter(
            hospital_filter(user, prefix="hospital__")
        )
        outside = mine.exclude(hospital__city_id=OuterRef("requested_by__region_id"))
        city_covers = Q(requested_by__role=Role.CITY) & ~Exists(outside)
        return self.filter(Q(requested_by=user) | Q(requested_by__role=Role.PROVINCE) | city_covers)


class Recalculation(LeasedJobFields):
    """A background recalculation of a batch's amount sheets in its requester's scope, with its progress.

    One is queued or running per batch and year at a time; a second request joins it.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "计算中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"
        CANCELLED = "cancelled", "已取消"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    batch = models.ForeignKey("catalog.Batch", verbose_name="带量批次", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField("考核年度")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT)
    requested_at = models.DateTimeField("发起时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    total = models.PositiveIntegerField("医疗机构数", default=0)
    done = models.PositiveIntegerField("已计算", default=0)
    computed = models.PositiveIntegerField("已测算", default=0)
    skipped = models.PositiveIntegerField("资料未齐", default=0)
    error = models.TextField("错误", blank=True)
    interrupted = models.BooleanField("处理中断", default=False)

    objects = RecalculationQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = verbose_name_plural = "重新测算"
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "year"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_active_recalculation_per_batch_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.batch} {self.year}年度重新测算"

    @property
    def progress_percent(self) -> int:
        return 100 if self.status == self.Status.DONE else (self.done * 100 // self.total if self.total else 0)

    @property
    def running(self) -> bool:
        return self.status in self.ACTIVE
