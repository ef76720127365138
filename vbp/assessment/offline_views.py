"""结余测算数据上报 (seed 001 §4.1): Wuhan's offline scoring by the reviewing bureau.

Batch list with deadlines → a batch's hospitals (one year, the latest by default) → 导出模版, or
考核数据上传: upload → dry run (every problem by sheet, row and column; warnings; a preview) → 确认,
which checks the file again and writes all or nothing. The uploaded file waits in the database
(PendingScoreUpload, one per user, batch and year), named by its SHA-256, between the dry run and 确认.
Views parse, call offline.py and render.
"""

from __future__ import annotations

import datetime
import hashlib
from functools import wraps
from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from vbp.accounts.decorators import business_page
from vbp.assessment import offline, selectors, services
from vbp.assessment.models import PendingScoreUpload
from vbp.audit.services import record_export
from vbp.catalog.models import Batch
from vbp.ui.export import XLSX, YEAR, export_xlsx, paginate

PENDING_KEPT = datetime.timedelta(days=1)  # an upload not confirmed by then is dropped
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_SHOWN = 1000  # problems, warnings and preview rows shown on the page
CONFIRM = "确认后将写入全部医保考核评分并据此计算结余留用比例，是否继续？"
BATCH_HEADERS = ["带量批次", "批次类型", "考核方案", "填报截止时间", "考核方式", "医疗机构数", "最新考核年度"]
HOSPITAL_HEADERS = ["区域", "医疗机构编号", "医疗机构名称", "品种数", "自评状态", "已导入医保考核评分品种数"]


def bureau_page(view):
    """A page of the reviewing bureaus (city, district, province); for anyone else it does not exist (404)."""

    @business_page
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not selectors.reviews_assessments(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return guarded


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _batch_url(batch_id: int, year: int | None = None) -> str:
    url = reverse("assessment:offline_batch", args=[batch_id])
    return f"{url}?year={year}" if year else url


# --- lists ---------------------------------------------------------------------------------------


@bureau_page
def batch_list(request):
    name = request.GET.get("name", "").strip()
    rows = offline.batch_rows(request.user, name)
    if request.GET.get("export"):
        exported = (
            [r["batch"].name, r["batch"].get_kind_display(), str(r["batch"].rule_set or ""),
             _local(r["batch"].fill_deadline), "线下评分" if r["offline"] else "在线审核", r["hospitals"], r["latest"]]
            for r in rows
        )  # fmt: skip
        filters, formats = {"带量批次": name}, {"最新考核年度": YEAR}
        return export_xlsx(request, "结余测算数据上报", BATCH_HEADERS, exported, sheet="带量批次", filters=filters,
                           formats=formats)  # fmt: skip
    page, query = paginate(request, rows)
    return render(request, "assessment/offline_batches.html", {"page": page, "query": query, "name": name})


@bureau_page
def batch_page(request, batch_id: int):
    batch = get_object_or_404(Batch.objects.select_related("rule_set"), pk=batch_id)
    years = offline.years_of(request.user, batch)
    asked = request.GET.get("year", "")
    year = int(asked) if asked.isdigit() and int(asked) in years else (years[0] if years else None)
    name = request.GET.get("name", "").strip()
    rows = offline.hospital_rows(request.user, batch, year, name) if year else []
    if request.GET.get("export"):
        exported = (
            [r["area"], r["hospital"].code, r["hospital"].name, r["products"], r["status"], r["scored"]] for r in rows
        )
        title = f"{batch.name}-{year}年度医疗机构"
        filters = {"带量批次": batch.name, "考核年度": year, "医疗机构名称": name}
        return export_xlsx(request, title, HOSPITAL_HEADERS, exported, sheet="医疗机构", filters=filters)
    page, query = paginate(request, rows)
    context = {
        "batch": batch, "year": year, "years": years, "name": name, "page": page, "query": query,
        "offline": offline.uses_offline_scoring(batch.rule_set), "closed": services.deadline_passed(batch),
        "pending": _pending(request, batch, year),
    }  # fmt: skip
    return render(request, "assessment/offline_batch.html", context)


# --- 导出模版 ----------------------------------------------------------------------------------


def _offline_batch(request, batch_id: int) -> Batch | None:
    """The batch, if it is scored offline; otherwise the user is told so (None)."""
    batch = get_object_or_404(Batch.objects.select_related("rule_set"), pk=batch_id)
    if offline.uses_offline_scoring(batch.rule_set):
        return batch
    messages.error(request, "本批次的考核方案不采用线下评分，请在“审核”菜单中在线审核。")
    return None


@bureau_page
def template(request, batch_id: int, year: int):
    batch = _offline_batch(request, batch_id)
    if batch is None:
        return redirect("assessment:offline_batch", batch_id=batch_id)
    response = HttpResponse(offline.template_workbook(request.user, batch, year), content_type=XLSX)
    file_name = f"{batch.name}-{year}年度-医疗机构自评分数表.xlsx"
    record_export(request.user, f"导出模版：{file_name}")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(file_name)}"
    return response


# --- 考核数据上传 --------------------------------------------------------------------------------


def _pending(request, batch: Batch, year: int | None) -> PendingScoreUpload | None:
    """The user's upload of this batch and year waiting for 确认, if any (and not yet too old)."""
    fresh = PendingScoreUpload.objects.filter(uploaded_at__gt=timezone.now() - PENDING_KEPT)
    return fresh.filter(user=request.user, batch=batch, year=year).first()


@bureau_page
@require_POST
def upload(request, batch_id: int, year: int):
    batch = _offline_batch(request, batch_id)
    back = redirect(_batch_url(batch_id, year))
    if batch is None:
        return back
    uploaded = request.FILES.get("file")
    if uploaded is None:
        messages.error(request, "请选择要上传的文件")
        return back
    if uploaded.size > MAX_UPLOAD_BYTES:
        messages.error(request, f"文件过大（不能超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB）")
        return back
    content = uploaded.read()
    PendingScoreUpload.objects.filter(uploaded_at__lte=timezone.now() - PENDING_KEPT).delete()
    PendingScoreUpload.objects.update_or_create(
        user=request.user, batch=batch, year=year,
        defaults={"file_name": uploaded.name[:255], "sha256": hashlib.sha256(content).hexdigest(), "content": content},
    )  # fmt: skip
    return redirect("assessment:offline_preview", batch_id=batch.pk, year=year)


@bureau_page
def preview(request, batch_id: int, year: int):
    """The dry run of the waiting upload, checked afresh against today's data each time it is shown."""
    batch = get_object_or_404(Batch.objects.select_related("rule_set"), pk=batch_id)
    pending = _pending(request, batch, year)
    if pending is None:
        messages.error(request, "没有待确认的上传文件，请先上传。")
        return redirect(_batch_url(batch.pk, year))
    result = offline.check_upload(request.user, batch, year, pending.file_name, bytes(pending.content))
    context = {
        "batch": batch, "year": year, "pending": pending, "result": result, "confirm": CONFIRM,
        "problems": result.problems[:MAX_SHOWN], "warnings": result.warnings[:MAX_SHOWN],
        "rows": result.rows[:MAX_SHOWN], "hidden_rows": max(0, len(result.rows) - MAX_SHOWN),
        "hidden_problems": max(0, len(result.problems) - MAX_SHOWN),
        "hidden_warnings": max(0, len(result.warnings) - MAX_SHOWN),
    }  # fmt: skip
    return render(request, "assessment/offline_preview.html", context)


@bureau_page
@require_POST
def confirm(request, batch_id: int, year: int):
    batch = get_object_or_404(Batch, pk=batch_id)
    pending = _pending(request, batch, year)
    if pending is None or request.POST.get("sha256") != pending.sha256:
        messages.error(request, "待确认的文件已更换或已失效，请重新上传。")
        return redirect(_batch_url(batch.pk, year))
    try:
        result = offline.import_bureau_scores(
            request.user, batch, year, pending.file_name, bytes(pending.content), pending.sha256
        )
    except offline.OfflineRefused as error:
        messages.error(request, f"未写入任何数据：{error}，详见下表。")
        return redirect("assessment:offline_preview", batch_id=batch.pk, year=year)
    pending.delete()
    hospitals = len({row.hospital.pk for row in result.rows})
    messages.success(request, f"已导入 {hospitals} 家医疗机构 {len(result.rows)} 个品种的医保考核评分。")
    return redirect(_batch_url(batch.pk, year))


@bureau_page
@require_POST
def cancel(request, batch_id: int, year: int):
    batch = get_object_or_404(Batch, pk=batch_id)
    pending = _pending(request, batch, year)
    if pending is not None:
        pending.delete()
        messages.success(request, "已放弃本次上传，未写入任何数据。")
    return redirect(_batch_url(batch.pk, year))


urlpatterns = [
    path("", batch_list, name="offline_batches"),
    path("<int:batch_id>/", batch_page, name="offline_batch"),
    path("<int:batch_id>/<int:year>/template/", template, name="offline_template"),
    path("<int:batch_id>/<int:year>/upload/", upload, name="offline_upload"),
    path("<int:batch_id>/<int:year>/preview/", preview, name="offline_preview"),
    path("<int:batch_id>/<int:year>/confirm/", confirm, name="offline_confirm"),
    path("<int:batch_id>/<int:year>/cancel/", cancel, name="offline_cancel"),
]
