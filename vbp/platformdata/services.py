"""Imports as a user runs them: upload (dry run), confirm (write all or nothing), cancel.

Small files are checked and written within the request; large ones by the
background worker (django-tasks), the page polling the job's progress.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from vbp.accounts.models import Role
from vbp.calc.problems import Problem
from vbp.platformdata.importers import IMPORTERS, DryRun
from vbp.platformdata.models import ImportJob
from vbp.platformdata.sheets import UnreadableFile, read_table

Status = ImportJob.Status


def _in_background(job: ImportJob, background: bool | None) -> bool:
    """By default files larger than VBP_IMPORT_BACKGROUND_BYTES go to the worker, so the page can show progress."""
    if background is not None:
        return background
    return len(job.content) > settings.VBP_IMPORT_BACKGROUND_BYTES


class ImportRefused(Exception):
    """The user may not do this, or the job is not in a state that allows it."""


def can_import(user) -> bool:
    """Master and platform data are the province bureau's (此数据由平台提供)."""
    return user.is_authenticated and user.role == Role.PROVINCE


def start_import(user, kind: str, file_name: str, content: bytes, *, background: bool | None = None) -> ImportJob:
    """Record an upload and run its dry run (now, or in the background for a large file)."""
    if not can_import(user):
        raise ImportRefused("只有省医保局可以导入数据")
    if kind not in IMPORTERS:
        raise ImportRefused(f"没有这种导入：{kind}")
    job = ImportJob.objects.create(
        kind=kind,
        user=user,
        file_name=file_name[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )
    if _in_background(job, background):
        from vbp.platformdata.tasks import dry_run_task

        transaction.on_commit(lambda: dry_run_task.enqueue(job.pk))
    else:
        dry_run(job)
    return job


def dry_run(job: ImportJob) -> ImportJob:
    """Check every row of the job's file and store the problems, or the preview of what it would do."""
    result = _check(job, progress=True)
    job.total_rows = result.total_rows
    job.done_rows = result.total_rows
    job.problems = [asdict(problem) for problem in result.problems]
    job.preview = [asdict(change) for change in result.preview]
    job.rows_added, job.rows_changed, job.rows_unchanged = result.added, result.changed, result.unchanged
    job.status = Status.REFUSED if result.problems else Status.PREVIEW
    job.save()
    return job


def confirm_import(user, job: ImportJob, *, background: bool | None = None) -> ImportJob:
    """Write what the dry run previewed: now for a small file, else in the background."""
    if not can_import(user):
        raise ImportRefused("只有省医保局可以导入数据")
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != Status.PREVIEW:
            raise ImportRefused(f"此导入当前状态为“{job.get_status_display()}”，不能确认")
        job.status = Status.IMPORTING
        job.done_rows = 0
        job.save(update_fields=["status", "done_rows"])
    if _in_background(job, background):
        from vbp.platformdata.tasks import write_task

        transaction.on_commit(lambda: write_task.enqueue(job.pk))
        return job
    return write(job)


def write(job: ImportJob) -> ImportJob:
    """Check the file again against today's data and write it, all or nothing, in one transaction."""
    with transaction.atomic():
        result = _check(job, progress=False)
        if not result.problems:
            IMPORTERS[job.kind]().write(result.upserts)
    job.problems = [asdict(problem) for problem in result.problems]
    job.status = Status.FAILED if result.problems else Status.DONE
    job.rows_added, job.rows_changed, job.rows_unchanged = result.added, result.changed, result.unchanged
    job.done_rows = job.total_rows
    job.finished_at = timezone.now()
    job.save()
    return job


def cancel_import(user, job: ImportJob) -> ImportJob:
    if not can_import(user):
        raise ImportRefused("只有省医保局可以导入数据")
    updated = ImportJob.objects.filter(pk=job.pk, status__in=[Status.PREVIEW, Status.REFUSED]).update(
        status=Status.CANCELLED, finished_at=timezone.now()
    )
    if not updated:
        raise ImportRefused("此导入已在写入或已完成，不能取消")
    job.refresh_from_db()
    return job


def _check(job: ImportJob, *, progress: bool) -> DryRun:
    importer = IMPORTERS[job.kind]()
    try:
        table = read_table(bytes(job.content), job.file_name, importer.sheet, [c.header for c in importer.columns])
    except UnreadableFile as error:
        return DryRun(problems=[error.problem])
    if progress:
        ImportJob.objects.filter(pk=job.pk).update(total_rows=len(table.rows), done_rows=0)

        def report(done: int) -> None:
            ImportJob.objects.filter(pk=job.pk).update(done_rows=done)

        return importer.check(table, report)
    return importer.check(table)


def problem_parts(problem: dict) -> Problem:
    """A stored problem back as the Problem it was."""
    return Problem(**problem)
