"""重新计算: a year's monitoring figures recomputed as of a monitoring date the province picks, by the worker.

The figures of a year are computed when order lines are imported, as of that day; the province may ask for
them as of another day of the year (the end of a quarter, say), and every page then shows that date's. A
request is queued and audited; the worker computes in one transaction (vbp.monitoring.aggregate.refresh), so
the pages show the old figures until the new ones are all there. One request per year runs at a time: asking
again while one waits or runs gives that one. A worker that dies leaves its request 失败 with the reason, and
the province asks again.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from vbp import jobs, permissions
from vbp.audit.services import Kind, record_change, snapshot
from vbp.monitoring import aggregate, store
from vbp.monitoring.models import Refresh

Status = Refresh.Status
AUDITED = ["year", "as_of", "status"]


class RefreshRefused(Exception):
    """The user may not ask for this, or the year or date will not do."""


def years() -> list[int]:
    """The years with stored order lines, latest first."""
    return sorted({year for year, _ in store.stored_months()}, reverse=True)


def request_refresh(user, year: int, as_of: datetime.date) -> Refresh:
    """Queue the year's figures as of ``as_of``; the request already waiting or running for the year if any."""
    if not permissions.refreshes_monitoring(user):
        raise RefreshRefused("只有省医保局可以重新计算监测指标")
    if year not in years():
        raise RefreshRefused(f"{year} 年没有订单明细，无法计算")
    last = min(datetime.date(year, 12, 31), timezone.localdate())
    if not datetime.date(year, 1, 1) <= as_of <= last:
        raise RefreshRefused(f"监测日期应在 {year}-01-01 至 {last:%Y-%m-%d} 之间")
    reap_interrupted()
    try:
        with transaction.atomic():
            job = Refresh.objects.create(year=year, as_of=as_of, requested_by=user)
            record_change(user, Kind.CREATE, job, after=snapshot(job, AUDITED), message=f"申请重新计算 {job}")
            from vbp.monitoring.tasks import refresh_task

            transaction.on_commit(lambda: refresh_task.enqueue(job.pk))
    except IntegrityError:  # one is waiting or running for the year already
        return Refresh.objects.get(year=year, status__in=[Status.QUEUED, Status.RUNNING])
    return job


def run(job: Refresh) -> Refresh:
    """Compute the request's figures if it still waits (another worker may have it); say how it ended."""
    if not jobs.claim(job, waiting={"status": Status.QUEUED}, then={"status": Status.RUNNING}):
        job.refresh_from_db()
        return job
    try:
        with jobs.heartbeat(job):
            aggregate.refresh(job.year, job.as_of)
    except Exception as error:
        _finish(job, Status.FAILED, f"{type(error).__name__}: {error}"[:2000])
        raise
    return _finish(job, Status.DONE)


def _finish(job: Refresh, status: str, error: str = "") -> Refresh:
    with transaction.atomic():
        if not Refresh.objects.filter(pk=job.pk, status=Status.RUNNING, worker=jobs.worker_id()).update(
            status=status, error=error, finished_at=timezone.now()
        ):
            return Refresh.objects.get(pk=job.pk)  # given up as interrupted meanwhile
        job.refresh_from_db()
        message = f"重新计算{'完成' if status == Status.DONE else '失败'}：{job}"
        record_change(
            None, Kind.STATUS, job, before={"status": Status.RUNNING}, after=snapshot(job, AUDITED), message=message
        )
    return job


def reap_interrupted() -> int:
    """Mark every request whose worker stopped beating as failed, with the reason."""
    reaped = 0
    for job in jobs.stale_candidates(Refresh.objects.filter(status=Status.RUNNING)):
        with transaction.atomic():
            if Refresh.objects.filter(pk=job.pk, status=Status.RUNNING, heartbeat_at=job.heartbeat_at).update(
                status=Status.FAILED, error=jobs.INTERRUPTED, finished_at=timezone.now()
            ):
                message = f"重新计算中断：{jobs.INTERRUPTED}"
                record_change(
                    None,
                    Kind.STATUS,
                    job,
                    before={"status": Status.RUNNING},
                    after={"status": Status.FAILED},
                    message=message,
                )
                reaped += 1
    return reaped
