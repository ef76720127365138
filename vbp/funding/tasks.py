"""Background recalculation of a batch's retained amounts, run by the django-tasks worker (`manage.py db_worker`)."""

from django.utils import timezone
from django_tasks import task

from vbp.funding import services
from vbp.funding.models import Recalculation


@task()
def recalculate_task(job_id: int) -> None:
    """Run one recalculation if it still waits (it may have been cancelled); if it breaks, the job says so."""
    job = Recalculation.objects.filter(pk=job_id, status__in=Recalculation.ACTIVE).first()
    if job is None:
        return
    try:
        services.recalculate(job)
    except Exception as error:
        Recalculation.objects.filter(pk=job_id).update(
            status=Recalculation.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        raise
