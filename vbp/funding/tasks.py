"""Background recalculation of a batch's retained amounts, run by the django-tasks worker (`manage.py db_worker`)."""

from django.utils import timezone
from django_tasks import task

from vbp.funding import services
from vbp.funding.models import Recalculation


@task()
def recalculate_task(job_id: int) -> None:
    """Run one recalculation; if it breaks, the job says so instead of showing progress forever."""
    try:
        services.recalculate(Recalculation.objects.get(pk=job_id))
    except Exception as error:
        Recalculation.objects.filter(pk=job_id).update(
            status=Recalculation.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )  # fmt: skip
        raise
