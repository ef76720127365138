"""Background jobs that prove they are alive (imports, recalculations), so that one whose worker died is found.

A job row carries the worker running it and a heartbeat: while a step runs, a thread of the
worker stamps the row every ``VBP_JOB_HEARTBEAT_SECONDS``. A job still marked as running whose
heartbeat is older than ``VBP_JOB_LEASE_SECONDS`` — and whose worker, when it ran on this
machine, is gone — was interrupted (the worker was killed, the machine restarted): ``reap``
marks it failed with the reason, and its own app offers 重新运行 or 取消. The work of a step is
one transaction, or transactions that are safe to repeat, so a rerun finishes it.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import socket
import threading
from collections.abc import Iterator

from django.conf import settings
from django.db import DatabaseError, connections, models
from django.utils import timezone

log = logging.getLogger(__name__)

INTERRUPTED = "后台处理进程已停止（可能被终止或服务器重启），本步骤未完成；可重新运行或取消"


def worker_id() -> str:
    """This worker, as a job row names it: host, process id and thread (threads of one process are workers too)."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:100]


def claim(job: LeasedJobFields, *, waiting: dict, then: dict | None = None) -> bool:
    """Take ``job`` for this worker if it is still waiting (``waiting``: the row's status filter), setting ``then``.

    Exactly one of several workers (or threads) asking at once gets True.
    """
    taken = type(job).objects.filter(pk=job.pk, heartbeat_at__isnull=True, **waiting)
    return taken.update(worker=worker_id(), heartbeat_at=timezone.now(), **(then or {})) == 1


class LeasedJobFields(models.Model):
    """What a background job row records of the worker running it."""

    worker = models.CharField("处理进程", max_length=100, blank=True)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def waiting_for_worker(self) -> bool:
        """Queued, no worker has taken it yet."""
        return self.heartbeat_at is None


@contextlib.contextmanager
def heartbeat(job: LeasedJobFields) -> Iterator[None]:
    """Keep stamping a job this worker claimed, from a thread, while the block runs."""
    model, pk = type(job), job.pk
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.VBP_JOB_HEARTBEAT_SECONDS):
                try:
                    model.objects.filter(pk=pk).update(heartbeat_at=timezone.now())
                except DatabaseError as error:  # e.g. SQLite busy under a long write: the next beat tries again
                    log.warning("heartbeat of %s %s missed: %s", model.__name__, pk, error)
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=beat, name=f"heartbeat-{model.__name__}-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def is_stale(job: LeasedJobFields, now=None) -> bool:
    """Whether a job a worker took has stopped beating, and its worker (if on this machine) is gone."""
    if job.heartbeat_at is None:
        return False
    now = now or timezone.now()
    if (now - job.heartbeat_at).total_seconds() <= settings.VBP_JOB_LEASE_SECONDS:
        return False
    return not _alive_here(job.worker)


def _alive_here(worker: str) -> bool:
    """Whether ``worker`` is a live process of this machine (False if it ran elsewhere: the lease decides)."""
    parts = worker.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdecimal():
        return False
    pid = parts[1]
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # a process of another user holds that id
    return True


def stale_candidates(queryset: models.QuerySet) -> list:
    """Rows of ``queryset`` (already filtered to running statuses) whose lease has run out."""
    limit = timezone.now() - datetime.timedelta(seconds=settings.VBP_JOB_LEASE_SECONDS)
    return [job for job in queryset.filter(heartbeat_at__lt=limit) if is_stale(job)]
