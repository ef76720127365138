"""数据导入 (upload → dry-run preview → 确认导入) and 平台数据 (the records, with a query form and 导出).

The two lists are list pages (vbp.platformdata.lists); every other page is guarded by ``@page``: the
province bureau only (``imports_data``), the import record named by the URL fetched through its scope.
"""

from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from vbp import permissions
from vbp.platformdata import services
from vbp.platformdata.forms import UploadForm
from vbp.platformdata.importers import IMPORTERS
from vbp.platformdata.lists import ImportList, RecordList, import_jobs
from vbp.platformdata.models import ImportJob
from vbp.platformdata.template_files import template_workbook
from vbp.ui.export import XLSX
from vbp.ui.views import Lookup, page, refused

MAX_SHOWN_PROBLEMS = 1000
JOB = Lookup(import_jobs(), "pk", related=("user",))

record_list = RecordList.as_view()
import_list = ImportList.as_view()


@page(permissions.imports_data)
def import_template(request, kind: str):
    if kind not in IMPORTERS:
        raise Http404
    importer = IMPORTERS[kind]()
    response = HttpResponse(template_workbook(importer), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(importer.title + '导入模板.xlsx')}"
    return response


@page(permissions.imports_data)
@require_POST
def import_upload(request):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form.first_error())
        return redirect("platformdata:imports")
    upload = form.cleaned_data["file"]
    try:
        job = services.start_import(request.user, form.cleaned_data["kind"], upload.name, upload.read())
    except services.ImportRefused as error:
        refused(request, error)
        return redirect("platformdata:imports")
    return redirect("platformdata:import", pk=job.pk)


@page(permissions.imports_data, job=JOB)
def import_detail(request, job: ImportJob):
    if services.reap_interrupted():
        job.refresh_from_db()
    context = _job_context(job)
    if request.headers.get("HX-Request"):
        return render(request, "platformdata/_import_status.html", context)
    return render(request, "platformdata/import_detail.html", context)


@page(permissions.imports_data, job=JOB)
@require_POST
def import_confirm(request, job: ImportJob):
    try:
        job = services.confirm_import(request.user, job)
    except services.ImportRefused as error:
        refused(request, error)
    else:
        if job.status == ImportJob.Status.DONE:
            messages.success(request, f"导入完成：新增 {job.rows_added} 行，修改 {job.rows_changed} 行。")
    return redirect("platformdata:import", pk=job.pk)


@page(permissions.imports_data, job=JOB)
@require_POST
def import_cancel(request, job: ImportJob):
    try:
        services.cancel_import(request.user, job)
    except services.ImportRefused as error:
        refused(request, error)
    else:
        messages.success(request, "已取消本次导入，未写入任何数据。")
    return redirect("platformdata:import", pk=job.pk)


@page(permissions.imports_data, job=JOB)
@require_POST
def import_rerun(request, job: ImportJob):
    try:
        services.rerun_import(request.user, job)
    except services.ImportRefused as error:
        refused(request, error)
    else:
        messages.success(request, "已重新运行，后台处理中。")
    return redirect("platformdata:import", pk=job.pk)


def _job_context(job: ImportJob) -> dict:
    problems = [services.problem_parts(problem) for problem in job.problems[:MAX_SHOWN_PROBLEMS]]
    title = IMPORTERS[job.kind].title if job.kind in IMPORTERS else job.kind
    hidden = len(job.problems) - len(problems)
    return {"job": job, "title": title, "problems": problems, "hidden_problems": hidden, "running": job.running}
