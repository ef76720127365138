"""Background steps of large imports, run by the django-tasks worker (`manage.py db_worker`)."""

from collections.abc import Callable

from django.utils import timezone
from django_tasks import task

from vbp.platformdata import services
from vbp.platformdata.models import ImportJob

Status = ImportJob.Status


@task()
def dry_run_task(job_id: int) -> None:
    _run(job_id, Status.CHECKING, services.dry_run)


@task()
def write_task(job_id: int) -> None:
    _run(job_id, Status.IMPORTING, services.write)


def _run(job_id: int, expected: str, step: Callable[[ImportJob], ImportJob]) -> None:
    """Run one step if the job still waits for it (it may have been cancelled); if it breaks, the job says so."""
    job = ImportJob.objects.filter(pk=job_id, status=expected).first()
    if job is None:
        return
    try:
        step(job)
    except Exception as error:
        ImportJob.objects.filter(pk=job_id).update(
            status=Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000], finished_at=timezone.now()
        )
        raise
