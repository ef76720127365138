"""结余测算数据上报 (seed 001 §4.1): Wuhan's offline scoring by the reviewing bureau.

Batch list with deadlines → a batch's hospitals (one year, the latest by default) → 导出模版, or
考核数据上传: upload → dry run (every problem by sheet, row and column; warnings; a preview) → 确认,
which checks the file again and writes all or nothing. The 医保考核评分 is the review: what it scores
counts as reviewed, and a hospital whose every product is scored has its Part 2 review submitted.
The uploaded file waits in the database (PendingScoreUpload, one per user, batch and year), named by
its SHA-256, between the dry run and 确认. The lists are ListPages (vbp.assessment.lists); the batch a
URL names is found by ``@page``; posts go through forms; the work is offline.py's.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from vbp import permissions
from vbp.assessment import offline
from vbp.assessment.forms import UPLOAD_GONE, ScoreConfirmForm, ScoreUploadForm
from vbp.assessment.lists import OfflineBatchList, OfflineHospitalList
from vbp.audit.services import record_export
from vbp.catalog.models import Batch
from vbp.ui.export import XLSX
from vbp.ui.views import Lookup, page

BATCH = Lookup(Batch, "batch_id", related=("rule_set",))
MAX_SHOWN = 1000  # problems, warnings and preview rows shown on the page
NOT_OFFLINE = "本批次的考核方案不采用线下评分，请在“审核”菜单中在线审核。"
reviewer_page = page(permissions.reviews_assessments, batch=BATCH)


def _batch_url(batch: Batch, year: int | None = None) -> str:
    url = reverse("assessment:offline_batch", args=[batch.pk])
    return f"{url}?year={year}" if year else url


# --- lists ---------------------------------------------------------------------------------------


batch_list = OfflineBatchList.as_view()
batch_page = reviewer_page(OfflineHospitalList.as_view())


# --- 导出模版 ----------------------------------------------------------------------------------


@reviewer_page
def template(request, batch: Batch, year: int):
    if not offline.uses_offline_scoring(batch.rule_set):
        messages.error(request, NOT_OFFLINE)
        return redirect(_batch_url(batch))
    response = HttpResponse(offline.template_workbook(request.user, batch, year), content_type=XLSX)
    file_name = f"{batch.name}-{year}年度-医疗机构自评分数表.xlsx"
    record_export(request.user, f"导出模版：{file_name}")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(file_name)}"
    return response


# --- 考核数据上传 --------------------------------------------------------------------------------


@reviewer_page
@require_POST
def upload(request, batch: Batch, year: int):
    back = redirect(_batch_url(batch, year))
    if not offline.uses_offline_scoring(batch.rule_set):
        messages.error(request, NOT_OFFLINE)
        return back
    form = ScoreUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form.first_error())
        return back
    uploaded = form.cleaned_data["file"]
    offline.keep_upload(request.user, batch, year, uploaded.name, uploaded.read())
    return redirect("assessment:offline_preview", batch_id=batch.pk, year=year)


@reviewer_page
def preview(request, batch: Batch, year: int):
    """The dry run of the waiting upload, checked afresh against today's data each time it is shown."""
    pending = offline.pending_upload(request.user, batch, year)
    if pending is None:
        messages.error(request, "没有待确认的上传文件，请先上传。")
        return redirect(_batch_url(batch, year))
    result = offline.check_upload(request.user, batch, year, pending.file_name, bytes(pending.content))
    context = {
        "batch": batch,
        "year": year,
        "pending": pending,
        "result": result,
        "confirm": offline.CONFIRM,
        "problems": result.problems[:MAX_SHOWN],
        "warnings": result.warnings[:MAX_SHOWN],
        "rows": result.rows[:MAX_SHOWN],
        "hidden_rows": max(0, len(result.rows) - MAX_SHOWN),
        "hidden_problems": max(0, len(result.problems) - MAX_SHOWN),
        "hidden_warnings": max(0, len(result.warnings) - MAX_SHOWN),
    }
    return render(request, "assessment/offline_preview.html", context)


@reviewer_page
@require_POST
def confirm(request, batch: Batch, year: int):
    form = ScoreConfirmForm(request.POST)
    pending = offline.pending_upload(request.user, batch, year)
    if pending is None or not form.is_valid() or form.cleaned_data["sha256"] != pending.sha256:
        messages.error(request, UPLOAD_GONE)  # the page's own hidden value: anything else means the file changed
        return redirect(_batch_url(batch, year))
    try:
        result = offline.import_bureau_scores(
            request.user, batch, year, pending.file_name, bytes(pending.content), pending.sha256
        )
    except offline.OfflineRefused as error:
        messages.error(request, f"未写入任何数据：{error}，详见下表。")
        return redirect("assessment:offline_preview", batch_id=batch.pk, year=year)
    pending.delete()
    hospitals = len({row.hospital.pk for row in result.rows})
    done = f"已导入 {hospitals} 家医疗机构 {len(result.rows)} 个品种的医保考核评分"
    if result.finished:
        done += f"；其中 {result.finished} 家医疗机构全部品种已评分，集采任务完成情况评分审核已提交"
    messages.success(request, done + "。")
    return redirect(_batch_url(batch, year))


@reviewer_page
@require_POST
def cancel(request, batch: Batch, year: int):
    pending = offline.pending_upload(request.user, batch, year)
    if pending is not None:
        pending.delete()
        messages.success(request, "已放弃本次上传，未写入任何数据。")
    return redirect(_batch_url(batch, year))


urlpatterns = [
    path("", batch_list, name="offline_batches"),
    path("<id:batch_id>/", batch_page, name="offline_batch"),
    path("<id:batch_id>/<year:year>/template/", template, name="offline_template"),
    path("<id:batch_id>/<year:year>/upload/", upload, name="offline_upload"),
    path("<id:batch_id>/<year:year>/preview/", preview, name="offline_preview"),
    path("<id:batch_id>/<year:year>/confirm/", confirm, name="offline_confirm"),
    path("<id:batch_id>/<year:year>/cancel/", cancel, name="offline_cancel"),
]
