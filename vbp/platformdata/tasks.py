"""Background steps of large imports, run by the django-tasks worker (`manage.py db_worker`)."""

from collections.abc import Callable

from django.utils import timezone
from django_tasks import task

from vbp.platformdata import services
from vbp.platformdata.models import ImportJob


@task()
def dry_run_task(job_id: int) -> None:
    _run(job_id, services.dry_run)


@task()
def write_task(job_id: int) -> None:
    _run(job_id, services.write)


def _run(job_id: int, step: Callable[[ImportJob], ImportJob]) -> None:
    """Run one step; if it breaks, the job says so instead of showing progress forever."""
    try:
        step(ImportJob.objects.get(pk=job_id))
    except Exception as error:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000], finished_at=timezone.now()
        )
        raise
