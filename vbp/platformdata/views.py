"""数据导入 (upload → dry-run preview → 确认导入) and 平台数据 (the records, with a query form and 导出)."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from vbp.accounts.decorators import business_page
from vbp.catalog.models import Batch
from vbp.platformdata import services
from vbp.platformdata.importers import IMPORTERS, PLATFORM_AMOUNTS, PLATFORM_VOLUMES
from vbp.platformdata.models import ImportJob, PlatformRecord
from vbp.platformdata.template_files import template_workbook
from vbp.ui.export import XLSX, YEAR, export_xlsx, paginate

MAX_SHOWN_PROBLEMS = 1000


def _import_jobs(user):
    """Import records are the province bureau's: anyone else finds none (404)."""
    return ImportJob.objects.all() if services.can_import(user) else ImportJob.objects.none()


@login_required
def import_list(request):
    if not services.can_import(request.user):
        raise Http404
    services.reap_interrupted()
    jobs = _import_jobs(request.user).select_related("user").defer("content", "problems", "preview")
    page, query = paginate(request, jobs)
    kinds = [(kind, importer.title) for kind, importer in IMPORTERS.items()]
    return render(request, "platformdata/import_list.html", {"page": page, "query": query, "kinds": kinds})


@login_required
def import_template(request, kind: str):
    if kind not in IMPORTERS or not services.can_import(request.user):
        raise Http404
    importer = IMPORTERS[kind]()
    response = HttpResponse(template_workbook(importer), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(importer.title + '导入模板.xlsx')}"
    return response


@login_required
@require_POST
def import_upload(request):
    if not services.can_import(request.user):
        raise Http404
    upload = request.FILES.get("file")
    kind = request.POST.get("kind", "")
    if upload is None:
        messages.error(request, "请选择要上传的文件")
        return redirect("platformdata:imports")
    try:
        job = services.start_import(request.user, kind, upload.name, upload.read())
    except services.ImportRefused as error:
        messages.error(request, str(error))
        return redirect("platformdata:imports")
    return redirect("platformdata:import", pk=job.pk)


@login_required
def import_detail(request, pk: int):
    services.reap_interrupted()
    job = get_object_or_404(_import_jobs(request.user).select_related("user"), pk=pk)
    context = _job_context(job)
    if request.headers.get("HX-Request"):
        return render(request, "platformdata/_import_status.html", context)
    return render(request, "platformdata/import_detail.html", context)


@login_required
@require_POST
def import_confirm(request, pk: int):
    job = get_object_or_404(_import_jobs(request.user), pk=pk)
    try:
        job = services.confirm_import(request.user, job)
    except services.ImportRefused as error:
        messages.error(request, str(error))
    else:
        if job.status == ImportJob.Status.DONE:
            messages.success(request, f"导入完成：新增 {job.rows_added} 行，修改 {job.rows_changed} 行。")
    return redirect("platformdata:import", pk=pk)


@login_required
@require_POST
def import_cancel(request, pk: int):
    job = get_object_or_404(_import_jobs(request.user), pk=pk)
    try:
        services.cancel_import(request.user, job)
    except services.ImportRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "已取消本次导入，未写入任何数据。")
    return redirect("platformdata:import", pk=pk)


@login_required
@require_POST
def import_rerun(request, pk: int):
    job = get_object_or_404(_import_jobs(request.user), pk=pk)
    try:
        services.rerun_import(request.user, job)
    except services.ImportRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "已重新运行，后台处理中。")
    return redirect("platformdata:import", pk=pk)


def _job_context(job: ImportJob) -> dict:
    problems = [services.problem_parts(problem) for problem in job.problems[:MAX_SHOWN_PROBLEMS]]
    running = job.running
    title = IMPORTERS[job.kind].title if job.kind in IMPORTERS else job.kind
    return {"job": job, "title": title, "problems": problems, "hidden_problems": len(job.problems) - len(problems),
            "running": running}  # fmt: skip


RECORD_HEADERS = ["考核年度", "医疗机构编码", "医疗机构名称", "带量批次", "品种序号", "通用名", "规格"]


@business_page
def record_list(request):
    records = PlatformRecord.objects.visible_to(request.user).select_related("hospital", "product__batch")
    year, batch, name = request.GET.get("year", ""), request.GET.get("batch", ""), request.GET.get("name", "").strip()
    if year.isdigit():
        records = records.filter(year=int(year))
    if batch:
        records = records.filter(product__batch__code=batch)
    if name:
        records = records.filter(hospital__name__contains=name)
    numbers = [*PLATFORM_VOLUMES, *PLATFORM_AMOUNTS]
    if request.GET.get("export"):
        rows = (
            [r.year, r.hospital.code, r.hospital.name, r.product.batch.name, r.product.variety_code,
             r.product.generic_name, r.product.spec, *(getattr(r, field) for _, field in numbers)]
            for r in records.iterator(chunk_size=2000)
        )  # fmt: skip
        batch_name = Batch.objects.filter(code=batch).values_list("name", flat=True).first() if batch else ""
        filters = {"考核年度": year if year.isdigit() else "", "带量批次": batch_name or batch, "医疗机构名称": name}
        headers = RECORD_HEADERS + [header for header, _ in numbers]
        return export_xlsx(request, "平台数据", headers, rows, filters=filters, formats={"考核年度": YEAR})
    page, query = paginate(request, records)
    context = {
        "page": page, "query": query, "year": year, "batch": batch, "name": name,
        "batches": Batch.objects.all(), "years": records.values_list("year", flat=True).distinct().order_by("year"),
    }  # fmt: skip
    return render(request, "platformdata/record_list.html", context)
