"""采购使用监测: the lists of the figures (vbp.monitoring.models), each scoped, filtered and exportable."""

from __future__ import annotations

from fractions import Fraction

from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from vbp import permissions
from vbp.monitoring import charts
from vbp.monitoring.forms import DeliveryQuery, FigureQuery, ProgressQuery, ReportQuery
from vbp.monitoring.models import (
    DeliveryFigure,
    DemandReport,
    OrderLineFigure,
    PaymentFigure,
    ProgressFigure,
    Snapshot,
)
from vbp.ui.lists import Column, ListPage

HOSPITAL_COLUMNS = (
    Column("医疗机构编码", "hospital.code"),
    Column("医疗机构名称", "hospital.name", sticky=True),
    Column("地市", "hospital.city.name"),
)


def current_snapshot() -> Snapshot | None:
    """The figures the pages show: those of the latest year computed, up to this one."""
    return Snapshot.objects.filter(year__lte=timezone.localdate().year).order_by("-year").first()


class FigureList(ListPage):
    """A list of one kind of figure, of the latest monitoring year."""

    allows = staticmethod(permissions.sees_business_data)
    template_name = "monitoring/figure_list.html"
    query_form = FigureQuery
    model = ProgressFigure
    explanation = ""
    related = ("hospital__city", "batch")
    order = ("hospital__code", "pk")

    def figures(self):
        snapshot = current_snapshot()
        rows = self.model.objects.visible_to(self.user)
        return rows.filter(snapshot=snapshot) if snapshot else rows.none()

    def rows(self, query):
        return self.figures().select_related(*self.related).order_by(*self.order)

    def extra_context(self) -> dict:
        snapshot = current_snapshot()
        charts = [chart(self.user, snapshot) for chart in self.charts] if snapshot else []
        return {"snapshot": snapshot, "explanation": self.explanation, "charts": charts}

    charts: tuple = ()  # functions of (user, snapshot) to the Charts drawn above the list (vbp.monitoring.charts)


class ProgressList(FigureList):
    title = "采购进度"
    table_id = "progress"
    charts = (charts.progress_by_region, charts.monthly_volumes)
    query_form = ProgressQuery
    explanation = (
        "完成进度 = 执行期内中选产品采购数量 ÷ 约定采购量；序时进度 = 执行期已过天数 ÷ 执行期天数；"
        "完成进度低于序时进度即预警。"
    )
    order = ("hospital__code", "batch__cycle_start", "generic", "pk")
    columns = (
        *HOSPITAL_COLUMNS,
        Column("带量批次", "batch.name"),
        Column("药品通用名", "generic"),
        Column("约定采购量", "agreed", kind="volume", total=True),
        Column("执行开始日期", "starts", kind="date"),
        Column("执行结束日期", "ends", kind="date"),
        Column("中选采购数量", "winning", kind="volume", total=True),
        Column("非中选采购数量", "nonwinning", kind="volume", total=True),
        Column("完成进度", "completion", kind="percent"),
        Column("序时进度", "schedule", kind="percent"),
        Column("低于序时进度", "behind", kind="yesno"),
        Column("中选数量占比", "winning_share", kind="percent"),
        Column("非中选超中选", "nonwinning_over", kind="yesno"),
    )


LINE_COLUMNS = (
    *HOSPITAL_COLUMNS,
    Column("带量批次", "batch.name"),
    Column("订单编号", "order_no"),
    Column("药品通用名", "generic"),
    Column("是否中选", "winning", kind="yesno"),
    Column("配送企业", "distributor"),
    Column("采购数量", "quantity", kind="volume", total=True),
    Column("采购金额", "amount", kind="money", total=True),
    Column("下单日期", "ordered", kind="date"),
    Column("配送日期", "delivered", kind="date"),
    Column("入库日期", "received", kind="date"),
    Column("入库金额", "received_amount", kind="money", total=True),
    Column("支付日期", "paid", kind="date"),
)


class LatePaymentList(FigureList):
    title = "逾期回款"
    table_id = "late"
    charts = (charts.late_by_region,)
    model = OrderLineFigure
    explanation = (
        "入库后超过 30 天才支付、或至监测日期入库已超过 30 天仍未支付的订单；"
        "逾期天数 = 支付日期（未支付为监测日期）− 入库日期 − 30。"
    )
    order = ("-days_late", "hospital__code", "order_no", "pk")
    columns = (*LINE_COLUMNS, Column("逾期天数", "days_late", kind="number"))

    def figures(self):
        return super().figures().filter(kind=OrderLineFigure.Kind.LATE)


class OfflinePurchaseList(FigureList):
    title = "线下采购"
    table_id = "offline"
    model = OrderLineFigure
    explanation = "采购方式为线下的订单（应在平台采购）。"
    order = ("hospital__code", "ordered", "order_no", "pk")
    columns = LINE_COLUMNS

    def figures(self):
        return super().figures().filter(kind=OrderLineFigure.Kind.OFFLINE)


class PaymentList(FigureList):
    title = "回款情况"
    table_id = "payments"
    model = PaymentFigure
    explanation = "30天回款率 = 入库后 30 天内支付的入库金额 ÷ 入库金额。"
    order = ("hospital__code", "batch__cycle_start", "pk")
    columns = (
        *HOSPITAL_COLUMNS,
        Column("带量批次", "batch.name"),
        Column("入库金额", "received_total", kind="money", total=True),
        Column("30天内回款金额", "paid_in_30", kind="money", total=True),
        Column("30天回款率", "paid_in_30_rate", kind="percent"),
    )


class DeliveryList(FigureList):
    """配送情况: per distributor, over the hospitals the user oversees (and the filters name)."""

    title = "配送情况"
    table_id = "delivery"
    charts = (charts.delivery_by_distributor, charts.delivery_by_level)
    model = DeliveryFigure
    query_form = DeliveryQuery
    explanation = "配送率 = 已配送订单行数 ÷ 订单行数；48小时内配送率 = 下单后 2 天内配送的订单行数 ÷ 订单行数。"
    columns = (
        Column("配送企业", "distributor", sticky=True),
        Column("订单行数", "line_count", kind="volume", total=True),
        Column("已配送行数", "delivered_count", kind="volume", total=True),
        Column("配送率", lambda row: Fraction(row["delivered_count"], row["line_count"]), kind="percent"),
        Column("48小时内配送率", lambda row: Fraction(row["within_48h"], row["line_count"]), kind="percent"),
    )

    def rows(self, query):
        return (
            self.figures()
            .values("distributor")
            .annotate(
                line_count=Sum("line_count"), delivered_count=Sum("delivered_count"), within_48h=Sum("within_48h")
            )
            .order_by("distributor")
        )


def _report_url(report) -> str:
    return reverse("monitoring:report", args=[report.pk])


class ReportList(FigureList):
    """报量核对: each report against last year's volume, the flags, and where its 说明 stands."""

    title = "报量核对"
    table_id = "reports"
    model = DemandReport
    query_form = ReportQuery
    explanation = (
        "变化率 = (报量 − 上一年度实际采购量) ÷ 上一年度实际采购量；降幅超过 20%，或报量为 0 却采购了非中选产品的，"
        "医疗机构须提交说明，由医保部门接受或退回重报。"
    )
    order = ("hospital__code", "batch__cycle_start", "generic", "pk")
    columns = (
        *HOSPITAL_COLUMNS,
        Column("带量批次", "batch.name"),
        Column("药品通用名", "generic"),
        Column("报量", "reported", kind="volume", total=True),
        Column("上一年度实际采购量", "last", kind="volume", total=True),
        Column("变化率", "change", kind="percent"),
        Column("降幅超20%", "dropped", kind="yesno"),
        Column("未报量仍采购非中选", "unreported_nonwinning", kind="yesno"),
        Column("状态", "get_status_display", link=_report_url),
    )

    def figures(self):
        reports = DemandReport.objects.visible_to(self.user)
        year = reports.order_by("-year").values_list("year", flat=True).first()
        return reports.filter(year=year) if year else reports.none()
