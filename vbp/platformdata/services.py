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

from vbp import jobs, permissions
from vbp.audit.services import Kind, record_change, snapshot
from vbp.calc.problems import Problem
from vbp.platformdata.importers import IMPORTERS, DryRun
from vbp.platformdata.models import ImportJob
from vbp.platformdata.sheets import UnreadableFile, read_table

Status = ImportJob.Status
# What the audit log keeps of an import: never the file itself (its SHA-256 identifies it).
AUDITED_FIELDS = ["kind", "file_name", "sha256", "status"]
COUNTED_FIELDS = ["total_rows", "rows_added", "rows_changed", "rows_unchanged"]
ACTIVE_IMPORTS_PER_USER = 3  # uploads being checked or written at once, so nobody floods the worker's queue


def _in_background(job: ImportJob, background: bool | None) -> bool:
    """By default files larger than VBP_IMPORT_BACKGROUND_BYTES go to the worker, so the page can show progress."""
    if background is not None:
        return background
    return len(job.content) > settings.VBP_IMPORT_BACKGROUND_BYTES


class ImportRefused(Exception):
    """The user may not do this, or the job is not in a state that allows it."""


def start_import(user, kind: str, file_name: str, content: bytes, *, background: bool | None = None) -> ImportJob:
    """Record an upload and run its dry run (now, or in the background for a large file)."""
    if not permissions.imports_data(user):
        raise ImportRefused("只有省医保局可以导入数据")
    if kind not in IMPORTERS:
        raise ImportRefused(f"没有这种导入：{kind}")
    reap_interrupted()
    active = ImportJob.objects.filter(user=user, status__in=[Status.CHECKING, Status.IMPORTING]).count()
    if active >= ACTIVE_IMPORTS_PER_USER:
        raise ImportRefused(f"您已有 {active} 个导入正在校验或写入，请等其完成（或取消）后再上传")
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=kind,
            user=user,
            file_name=file_name[:255],
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
        )
        after = snapshot(job, AUDITED_FIELDS)
        message = f"上传{IMPORTERS[kind].title}导入文件 {job.file_name}"
        record_change(user, Kind.CREATE, job, after=after, message=message)
        if _in_background(job, background):
            from vbp.platformdata.tasks import dry_run_task

            transaction.on_commit(lambda: dry_run_task.enqueue(job.pk))
            return job
    dry_run(job)
    return job


def dry_run(job: ImportJob) -> ImportJob:
    """Check every row of the job's file and store the problems, or the preview of what it would do."""
    if not jobs.claim(job, waiting={"status": Status.CHECKING}):
        job.refresh_from_db()
        return job  # another worker has it, or it was cancelled
    with jobs.heartbeat(job):
        result = _check(job, progress=True)
        result.release()
    ImportJob.objects.filter(pk=job.pk, status=Status.CHECKING).update(  # not if cancelled meanwhile
        total_rows=result.total_rows,
        done_rows=result.total_rows,
        problems=[asdict(problem) for problem in result.problems],
        preview=[asdict(change) for change in result.preview],
        rows_added=result.added,
        rows_changed=result.changed,
        rows_unchanged=result.unchanged,
        status=Status.REFUSED if result.problems else Status.PREVIEW,
    )
    job.refresh_from_db()
    return job


def confirm_import(user, job: ImportJob, *, background: bool | None = None) -> ImportJob:
    """Write what the dry run previewed: now for a small file, else in the background."""
    if not permissions.imports_data(user):
        raise ImportRefused("只有省医保局可以导入数据")
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != Status.PREVIEW:
            raise ImportRefused(f"此导入当前状态为“{job.get_status_display()}”，不能确认")
        job.status = Status.IMPORTING
        job.done_rows, job.worker, job.heartbeat_at = 0, "", None  # the write waits for a worker to claim it
        job.save(update_fields=["status", "done_rows", "worker", "heartbeat_at"])
        record_change(
            user, Kind.STATUS, job, before={"status": Status.PREVIEW}, after={"status": job.status}, message="确认导入"
        )
    if _in_background(job, background):
        from vbp.platformdata.tasks import write_task

        transaction.on_commit(lambda: write_task.enqueue(job.pk))
        return job
    return write(job, actor=user)


def write(job: ImportJob, *, actor=None) -> ImportJob:
    """Check the file again against today's data and write it, all or nothing, in one transaction.

    ``actor`` is the user who confirmed, when the write runs in their request; the
    background worker writes as the system (its confirmation is already recorded).
    """
    if not jobs.claim(job, waiting={"status": Status.IMPORTING}):
        job.refresh_from_db()
        return job  # another worker has it
    with jobs.heartbeat(job), transaction.atomic():
        result = _check(job, progress=False)
        try:
            if not result.problems:
                IMPORTERS[job.kind]().write_result(result)
        finally:
            result.release()
        owner = ImportJob.objects.select_for_update().filter(pk=job.pk).values_list("status", "worker").first()
        if owner != (Status.IMPORTING, jobs.worker_id()):  # given up as interrupted, and maybe rerun elsewhere
            transaction.set_rollback(True)
            return ImportJob.objects.get(pk=job.pk)
        before = snapshot(job, ["status"])
        job.problems = [asdict(problem) for problem in result.problems]
        job.status = Status.FAILED if result.problems else Status.DONE
        job.rows_added, job.rows_changed, job.rows_unchanged = result.added, result.changed, result.unchanged
        job.done_rows = job.total_rows
        job.finished_at = timezone.now()
        job.save()
        after = {**snapshot(job, ["status", *COUNTED_FIELDS]), "problems": len(job.problems)}
        record_change(actor, Kind.STATUS, job, before=before, after=after, message=_write_message(job))
    return job


def _write_message(job: ImportJob) -> str:
    if job.status == Status.DONE:
        return f"导入完成：新增 {job.rows_added} 行，修改 {job.rows_changed} 行，未变 {job.rows_unchanged} 行"
    return f"导入未写入：发现 {len(job.problems)} 处问题"


def cancel_import(user, job: ImportJob) -> ImportJob:
    """取消: a preview not confirmed, a refused file, an interrupted job, or a check still waiting for the worker."""
    if not permissions.imports_data(user):
        raise ImportRefused("只有省医保局可以导入数据")
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        before = locked.status
        waiting = before == Status.CHECKING and locked.waiting_for_worker
        if not (before in (Status.PREVIEW, Status.REFUSED) or locked.can_rerun or waiting):
            raise ImportRefused("此导入正在处理或已完成，不能取消")
        ImportJob.objects.filter(pk=job.pk).update(status=Status.CANCELLED, finished_at=timezone.now())
        job.refresh_from_db()
        record_change(
            user, Kind.STATUS, job, before={"status": before}, after={"status": job.status}, message="取消导入"
        )
    return job


def _check(job: ImportJob, *, progress: bool) -> DryRun:
    importer = IMPORTERS[job.kind]()
    if importer.reads_whole_file:  # order lines: millions of rows, read and checked by columns

        def read(done: int) -> None:
            ImportJob.objects.filter(pk=job.pk).update(done_rows=done)

        return importer.check_file(bytes(job.content), job.file_name, read if progress else None)
    try:
        table = read_table(bytes(job.content), job.file_name, importer.sheet, importer.headers())
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


# --- jobs whose worker died --------------------------------------------------------------------------------


def reap_interrupted() -> int:
    """Mark every import whose worker stopped beating as failed (中断), remembering the step it was in."""
    running = ImportJob.objects.filter(status__in=[Status.CHECKING, Status.IMPORTING])
    reaped = 0
    for job in jobs.stale_candidates(running):
        with transaction.atomic():
            locked = ImportJob.objects.select_for_update().get(pk=job.pk)
            if not locked.running or not jobs.is_stale(locked):
                continue
            before = snapshot(locked, ["status"])
            locked.interrupted_from, locked.status = locked.status, Status.FAILED
            locked.error, locked.finished_at = jobs.INTERRUPTED, timezone.now()
            locked.save(update_fields=["interrupted_from", "status", "error", "finished_at"])
            after = snapshot(locked, ["status", "interrupted_from"])
            record_change(
                None, Kind.STATUS, locked, before=before, after=after, message=f"导入中断：{jobs.INTERRUPTED}"
            )
            reaped += 1
    return reaped


def rerun_import(user, job: ImportJob) -> ImportJob:
    """重新运行 the step an interrupted import was in (its dry run, or its write), in the background."""
    if not permissions.imports_data(user):
        raise ImportRefused("只有省医保局可以导入数据")
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if not job.can_rerun:
            raise ImportRefused(f"此导入当前状态为“{job.get_status_display()}”，无需重新运行")
        step = job.interrupted_from
        before = snapshot(job, ["status"])
        job.status, job.interrupted_from, job.error, job.finished_at = step, "", "", None
        job.worker, job.heartbeat_at, job.done_rows = "", None, 0
        rerun_fields = ["status", "interrupted_from", "error", "finished_at", "worker", "heartbeat_at", "done_rows"]
        job.save(update_fields=rerun_fields)
        record_change(user, Kind.STATUS, job, before=before, after=snapshot(job, ["status"]), message="重新运行导入")
        from vbp.platformdata.tasks import dry_run_task, write_task

        task = dry_run_task if step == Status.CHECKING else write_task
        transaction.on_commit(lambda: task.enqueue(job.pk))
    return job
