"""Two recalculations of one batch at the same moment, in real threads: one runs, the other joins it, and the
sheets end in the state one alone gives."""

import funding_steps as steps
import pytest
from django.core.management import call_command
from threads import at_once

from vbp.catalog.models import Batch, Hospital
from vbp.funding import services
from vbp.funding.models import AmountSheet, ProductAmount, Recalculation

pytestmark = pytest.mark.django_db(transaction=True)


def state():
    sheets = AmountSheet.objects.order_by("hospital_id").values_list("hospital_id", "retained_total", "payable_total")
    rows = ProductAmount.objects.order_by("sheet__hospital_id", "product_id")
    return list(sheets), list(rows.values_list("sheet__hospital_id", "product_id", "retained_amount"))


def test_two_recalculations_at_once_leave_the_same_sheets_as_one():
    call_command("load_demo", verbosity=0)
    batch = Batch.objects.get(name=steps.BATCH)
    for hospital in Hospital.objects.filter(city__name="太原市", province_direct=False).order_by("code")[:4]:
        steps.ready(hospital)
    province = steps.user("demo_province")
    alone = state()

    outcomes = at_once(*[lambda: services.start_recalculation(province, batch, 2024, background=False)] * 2)

    assert all(not isinstance(outcome, Exception) for outcome in outcomes), outcomes
    jobs = sorted(Recalculation.objects.filter(pk__in={job.pk for job in outcomes}), key=lambda job: job.pk)
    assert all(job.status == Recalculation.Status.DONE for job in jobs)
    # the second request joined the first, or (when the first had already finished) ran after it: never two at once
    assert len(jobs) == 1 or jobs[1].requested_at >= jobs[0].finished_at
    assert state() == alone and len(alone[0]) == 4
    assert ProductAmount.objects.values("sheet", "product").distinct().count() == ProductAmount.objects.count()
