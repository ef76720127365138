"""The pages of 采购使用监测: lists on the shared machinery (vbp.monitoring.lists), and the quarterly 通报."""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from vbp import permissions
from vbp.monitoring import refresh, services
from vbp.monitoring.bulletin import bulletin
from vbp.monitoring.forms import BulletinQuery, ExplainForm, RefreshForm, ReviewForm
from vbp.monitoring.lists import (
    DeliveryList,
    LatePaymentList,
    OfflinePurchaseList,
    PaymentList,
    ProgressList,
    ReportList,
)
from vbp.monitoring.models import DemandReport, Refresh, Snapshot
from vbp.ui.export import PERCENT, export_workbook
from vbp.ui.templatetags.vbp_format import percent
from vbp.ui.views import Lookup, page

progress = ProgressList.as_view()
late_payments = LatePaymentList.as_view()
payments = PaymentList.as_view()
delivery = DeliveryList.as_view()
offline = OfflinePurchaseList.as_view()
reports = ReportList.as_view()
REPORT = Lookup(DemandReport, "pk", related=("hospital", "batch", "reviewer"))


@page(permissions.sees_business_data, report=REPORT)
def report_detail(request, report: DemandReport):
    """One report: its figures, the hospital's 说明 and the bureau's review, and the form the user may send."""
    return render(request, "monitoring/report_detail.html", _report_context(request, report))


@page(permissions.sees_business_data, report=REPORT)
@require_POST
def report_explain(request, report: DemandReport):
    if not permissions.explains_demand_report(request.user, report.hospital):
        raise Http404
    form = ExplainForm(request.POST)
    if form.is_valid():
        values = form.cleaned_data
        try:
            services.explain(request.user, report, values["explanation"], values["reported"], version=values["version"])
        except services.ReportRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "说明已提交，待医保部门审核。")
            return redirect("monitoring:report", pk=report.pk)
    report.refresh_from_db()
    return render(request, "monitoring/report_detail.html", _report_context(request, report, explain=form))


@page(permissions.sees_business_data, report=REPORT)
@require_POST
def report_review(request, report: DemandReport):
    if not permissions.reviews_demand_report(request.user, report.hospital):
        raise Http404
    form = ReviewForm(request.POST)
    if form.is_valid():
        values = form.cleaned_data
        accept = values["decision"] == "accept"
        try:
            services.review(request.user, report, accept, values["note"], version=values["version"])
        except services.ReportRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "已接受说明。" if accept else "已退回，待医疗机构重新报量并说明。")
            return redirect("monitoring:report", pk=report.pk)
    report.refresh_from_db()
    return render(request, "monitoring/report_detail.html", _report_context(request, report, review=form))


def _report_context(request, report: DemandReport, explain=None, review=None) -> dict:
    user, status = request.user, DemandReport.Status
    context = {"report": report, "title": f"报量核对：{report.hospital.name} {report.generic}"}
    if permissions.explains_demand_report(user, report.hospital) and report.status in services.EXPLAINABLE:
        context["explain"] = explain or ExplainForm(initial={"version": report.version})
        context["returned"] = report.status == status.RETURNED
    if permissions.reviews_demand_report(user, report.hospital) and report.status == status.REVIEW:
        context["review"] = review or ReviewForm(initial={"version": report.version})
    return context


HOSPITAL_HEADERS = (
    "地市",
    "医疗机构编码",
    "医疗机构名称",
    "医院等级",
    "完成进度",
    "序时进度",
    "非中选超中选品种数",
    "按期回款率",
    "逾期回款笔数",
    "线下采购笔数",
    "线下采购金额",
    "通报事项",
)
DISTRIBUTOR_HEADERS = ("配送企业", "订单行数", "已配送行数", "配送率", "48小时内配送率", "通报事项")


@page(permissions.sees_business_data)
def quarterly_bulletin(request):
    """季度通报: pick a year, a quarter (and a city); the flagged hospitals per city and distributors, on the page
    (printable) and as a workbook."""
    query = BulletinQuery(request.GET, user=request.user)
    values = query.values if query.is_valid() else {}
    result = None
    if "year" in values and "quarter" in values:
        result = bulletin(query.hospitals(), values["year"], values["quarter"])
        if request.GET.get("export"):
            return _export(request, result, query)
    title = f"{result.year}年第{result.quarter}季度集中带量采购监测通报" if result else "季度通报"
    floors = {
        "payment_floor": percent(Decimal(settings.VBP_PAYMENT_30D_FLOOR)),
        "delivery_floor": percent(Decimal(settings.VBP_DELIVERY_RATE_FLOOR)),
        "fast_floor": percent(Decimal(settings.VBP_DELIVERY_48H_FLOOR)),
    }
    context = {"title": title, "query": query, "result": result, **floors}
    return render(request, "monitoring/bulletin.html", context)


def _export(request, result, query):
    hospitals = [
        [
            flags.city,
            flags.code,
            flags.name,
            flags.level,
            _ratio(flags.completion),
            _ratio(flags.schedule),
            flags.nonwinning_over,
            _ratio(flags.on_time_rate),
            flags.late_lines,
            flags.offline_lines,
            flags.offline_amount,
            flags.reasons,
        ]
        for flags in result.hospitals
    ]
    distributors = [
        [
            flags.distributor,
            flags.lines,
            flags.delivered,
            _ratio(flags.delivery_rate),
            _ratio(flags.within_48h_rate),
            flags.reasons,
        ]
        for flags in result.distributors
    ]
    rates = {"配送率": PERCENT, "48小时内配送率": PERCENT}
    hospital_rates = {"完成进度": PERCENT, "序时进度": PERCENT, "按期回款率": PERCENT}
    title = f"{result.year}年第{result.quarter}季度集中带量采购监测通报"
    return export_workbook(
        request,
        title,
        [
            ("通报医疗机构", HOSPITAL_HEADERS, hospitals, hospital_rates),
            ("通报配送企业", DISTRIBUTOR_HEADERS, distributors, rates),
        ],
        filters={**query.shown(), "监测日期": f"{result.as_of:%Y-%m-%d}"},
    )


def _ratio(value):
    """A ratio as the export writes it: the percentage the page shows, as a number (0.9512 for 95.12%)."""
    return None if value is None else Decimal(percent(value).rstrip("%")) / 100


@page(permissions.refreshes_monitoring)
def refresh_figures(request):
    """重新计算: the figures of each year and their monitoring date; ask for a year's as of another date."""
    years = refresh.years()
    form = RefreshForm(request.POST or None, years=years, initial={"year": years[0] if years else None})
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            job = refresh.request_refresh(request.user, values["year"], values["as_of"])
        except refresh.RefreshRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"已申请重新计算 {job.year} 年监测指标（截至 {job.as_of:%Y-%m-%d}），"
                "后台计算完成后各页面即显示新的指标。",
            )
            return redirect("monitoring:refresh")
    refresh.reap_interrupted()
    requests = list(Refresh.objects.select_related("requested_by")[:20])
    context = {
        "title": "重新计算监测指标",
        "form": form,
        "snapshots": Snapshot.objects.order_by("-year"),
        "requests": requests,
        "running": any(job.active for job in requests),
    }
    return render(request, "monitoring/refresh.html", context)
