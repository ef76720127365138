"""Background steps of monitoring, run by the django-tasks worker (`manage.py db_worker`)."""

from django_tasks import task

from vbp.monitoring import refresh
from vbp.monitoring.models import Refresh


@task()
def refresh_task(job_id: int) -> None:
    """重新计算 a year's figures, if the request still waits for it."""
    job = Refresh.objects.filter(pk=job_id, status=Refresh.Status.QUEUED).first()
    if job is not None:
        refresh.run(job)
