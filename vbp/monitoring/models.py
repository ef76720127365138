"""What the monitoring pages read: the figures of vbp.monitor, aggregated from the stored order lines.

Raw order lines stay in Parquet files (vbp.monitoring.store); each refresh replaces these rows for a
year, all at once, with the figures of one monitoring date (``Snapshot``). Every row hangs off a
hospital, so the pages reach them through the one scope (``visible_to``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from vbp.accounts.scope import ScopedQuerySet
from vbp.jobs import LeasedJobFields

MONEY = {"max_digits": 20, "decimal_places": 2}
RATIO = {"max_digits": 20, "decimal_places": 4, "null": True, "blank": True}


class Snapshot(models.Model):
    """The monitoring figures of a year as of one date: when they were computed and from how many lines."""

    year = models.PositiveIntegerField("监测年度", unique=True)
    as_of = models.DateField("监测日期")
    lines = models.PositiveBigIntegerField("订单行数", default=0)
    computed_at = models.DateTimeField("计算时间", auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = verbose_name_plural = "监测结果"

    def __str__(self) -> str:
        return f"{self.year} 年（截至 {self.as_of}）"


class Figure(models.Model):
    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE)
    hospital = models.ForeignKey("catalog.Hospital", verbose_name="医疗机构", on_delete=models.CASCADE)

    scope_path = "hospital__"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True
        # a hospital's (or a region's few hundred hospitals') rows of a snapshot of a million, found directly
        indexes = [models.Index(fields=["snapshot", "hospital"], name="%(class)s_snap_hosp")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.hospital_id}"


class ProgressFigure(Figure):
    """采购进度: one agreement (hospital × batch × generic) against its 序时进度."""

    batch = models.ForeignKey("catalog.Batch", verbose_name="带量批次", on_delete=models.CASCADE)
    generic = models.CharField("药品通用名", max_length=100)
    agreed = models.BigIntegerField("约定采购量")
    starts = models.DateField("执行开始日期")
    ends = models.DateField("执行结束日期")
    winning = models.BigIntegerField("中选采购数量")
    nonwinning = models.BigIntegerField("非中选采购数量")
    completion = models.DecimalField("完成进度", **RATIO)
    schedule = models.DecimalField("序时进度", **RATIO)
    behind = models.BooleanField("低于序时进度")
    winning_share = models.DecimalField("中选数量占比", **RATIO)
    nonwinning_over = models.BooleanField("非中选超中选")

    class Meta(Figure.Meta):
        verbose_name = verbose_name_plural = "采购进度"


class ProgressPeriod(Figure):
    """采购进度 summed per hospital and contract period over the agreements with an agreed volume: what the charts
    of 完成进度 against 序时进度 read (a few rows a hospital instead of one per agreement)."""

    starts = models.DateField("执行开始日期")
    ends = models.DateField("执行结束日期")
    agreed = models.BigIntegerField("约定采购量")
    winning = models.BigIntegerField("中选采购数量")

    class Meta(Figure.Meta):
        verbose_name = verbose_name_plural = "采购进度（按执行期汇总）"


class MonthlyFigure(Figure):
    """中选 and 非中选 volume a hospital ordered of a batch in a calendar month."""

    batch = models.ForeignKey("catalog.Batch", verbose_name="带量批次", on_delete=models.CASCADE)
    month = models.DateField("月份")  # its first day
    winning = models.BigIntegerField("中选采购数量")
    nonwinning = models.BigIntegerField("非中选采购数量")

    class Meta(Figure.Meta):
        verbose_name = verbose_name_plural = "按月采购数量"


class PaymentFigure(Figure):
    """回款情况: per hospital and batch."""

    batch = models.ForeignKey("catalog.Batch", verbose_name="带量批次", on_delete=models.CASCADE)
    received_total = models.DecimalField("入库金额", **MONEY)
    paid_in_30 = models.DecimalField("30天内回款金额", **MONEY)
    paid_in_30_rate = models.DecimalField("30天回款率", **RATIO)

    class Meta(Figure.Meta):
        verbose_name = verbose_name_plural = "回款情况"


class DeliveryFigure(Figure):
    """配送情况 counted per hospital and distributor; pages add them up over the hospitals in scope."""

    distributor = models.CharField("配送企业", max_length=100)
    line_count = models.BigIntegerField("订单行数")
    delivered_count = models.BigIntegerField("已配送行数")
    within_48h = models.BigIntegerField("48小时内配送行数")

    class Meta(Figure.Meta):
        verbose_name = verbose_name_plural = "配送情况"


class OrderLineFigure(Figure):
    """One order line a page lists: late in payment (逾期回款) or bought offline (线下采购)."""

    class Kind(models.TextChoices):
        LATE = "late", "逾期回款"
        OFFLINE = "offline", "线下采购"

    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    batch = models.ForeignKey("catalog.Batch", verbose_name="带量批次", on_delete=models.CASCADE)
    order_no = models.CharField("订单编号", max_length=100)
    generic = models.CharField("药品通用名", max_length=100)
    winning = models.BooleanField("是否中选")
    distributor = models.CharField("配送企业", max_length=100)
    quantity = models.BigIntegerField("采购数量")
    amount = models.DecimalField("采购金额", **MONEY)
    ordered = models.DateField("下单日期")
    delivered = models.DateField("配送日期", null=True, blank=True)
    received = models.DateField("入库日期", null=True, blank=True)
    received_amount = models.DecimalField("入库金额", null=True, blank=True, **MONEY)
    paid = models.DateField("支付日期", null=True, blank=True)
    days_late = models.IntegerField("逾期天数", null=True, blank=True)

    class Meta(Figure.Meta):
        verbose_name = verbose_name_plural = "订单明细"
        indexes = [*Figure.Meta.indexes, models.Index(fields=["snapshot", "kind"])]


class DemandReport(models.Model):
    """报量: a hospital's reported demand for a generic of a batch in a year, checked against last year (报量核对).

    The figures (``last``, ``change``, the two flags) are the shared SQL's, refreshed with the year's monitoring
    figures. A flagged report waits for the hospital's 说明 (待说明); the reviewing bureau accepts it (已接受) or
    returns it (已退回) for a new report and 说明, which it then reviews again.
    """

    class Status(models.TextChoices):
        CLEAR = "clear", "无需说明"
        EXPLAIN = "explain", "待说明"
        REVIEW = "review", "待审核"
        ACCEPTED = "accepted", "已接受"
        RETURNED = "returned", "已退回"

    year = models.PositiveSmallIntegerField("年度")
    hospital = models.ForeignKey("catalog.Hospital", verbose_name="医疗机构", on_delete=models.PROTECT)
    batch = models.ForeignKey("catalog.Batch", verbose_name="带量批次", on_delete=models.PROTECT)
    generic = models.CharField("药品通用名", max_length=100)
    reported = models.BigIntegerField("报量")
    last_year = models.BigIntegerField("上一年度实际采购量（填报）", null=True, blank=True)
    last = models.BigIntegerField("上一年度实际采购量", null=True, blank=True)
    change = models.DecimalField("变化率", **RATIO)
    dropped = models.BooleanField("降幅超20%", default=False)
    unreported_nonwinning = models.BooleanField("未报量仍采购非中选", default=False)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.CLEAR)
    explanation = models.TextField("说明", blank=True)
    explained_at = models.DateTimeField("说明时间", null=True, blank=True)
    review_note = models.TextField("审核意见", blank=True)
    reviewer = models.ForeignKey(
        "accounts.User", verbose_name="审核人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)

    scope_path = "hospital__"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["year", "hospital", "batch", "generic"]
        constraints = [
            models.UniqueConstraint(fields=["year", "hospital", "batch", "generic"], name="unique_demand_report")
        ]
        verbose_name = verbose_name_plural = "报量"

    def __str__(self) -> str:
        return f"{self.hospital} {self.batch} {self.generic} {self.year}年报量"

    @property
    def flagged(self) -> bool:
        return self.dropped or self.unreported_nonwinning


class Refresh(LeasedJobFields):
    """重新计算: the province asks for a year's figures as of a monitoring date; the background worker computes them
    (vbp.monitoring.aggregate.refresh). One at a time per year; a later import computes them again as of its day."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "计算中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    year = models.PositiveIntegerField("监测年度")
    as_of = models.DateField("监测日期")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT)
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    error = models.TextField("错误", blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = verbose_name_plural = "监测指标重新计算"
        constraints = [
            models.UniqueConstraint(
                fields=["year"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_active_refresh_per_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}年监测指标（截至 {self.as_of:%Y-%m-%d}）{self.get_status_display()}"

    @property
    def active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
