"""重新测算 covers the caller's own hospitals only, and the queue cannot be flooded: one per batch-year runs."""

import funding_steps as steps
import pytest

from vbp.catalog.models import Batch, Hospital
from vbp.funding import services
from vbp.funding.models import AmountSheet, Recalculation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


@pytest.fixture
def two_cities():
    taiyuan = Hospital.objects.filter(city__name="太原市", province_direct=False).order_by("code").first()
    datong = Hospital.objects.filter(city__name="大同市").order_by("code").first()
    for hospital in (taiyuan, datong):
        steps.ready(hospital)
    for queued in Recalculation.objects.filter(status__in=Recalculation.ACTIVE):  # what the worker would do
        services.recalculate(queued)
    return taiyuan, datong


def computed_at(hospital):
    return AmountSheet.objects.get(hospital=hospital).computed_at


def test_a_city_recalculates_its_own_hospitals_and_no_other(two_cities):
    taiyuan, datong = two_cities
    before = computed_at(taiyuan), computed_at(datong)
    job = services.start_recalculation(steps.user("demo_city2"), Batch.objects.get(name=steps.BATCH), 2024,
                                       background=False)  # fmt: skip
    assert (job.status, job.total, job.computed) == ("done", 1, 1)
    assert computed_at(taiyuan) == before[0]  # 太原's sheet untouched by 大同's bureau
    assert computed_at(datong) > before[1]


def test_a_flood_of_requests_queues_one_recalculation(client, two_cities):
    batch = Batch.objects.get(name=steps.BATCH)
    client.force_login(steps.user("demo_city"))
    locations = {client.post(f"/funding/recalculate/{batch.pk}/2024/")["Location"] for _ in range(20)}
    assert len(locations) == 1  # every request lands on the same job's page
    assert Recalculation.objects.filter(batch=batch, year=2024, status__in=Recalculation.ACTIVE).count() == 1


def test_a_request_the_running_one_does_not_cover_waits_its_turn(client, two_cities):
    batch = Batch.objects.get(name=steps.BATCH)
    services.start_recalculation(steps.user("demo_city"), batch, 2024)  # queued, 太原 only
    client.force_login(steps.user("demo_city2"))
    response = client.post(f"/funding/recalculate/{batch.pk}/2024/", follow=True)
    assert "正在由太原市医保局演示员重新测算，请待其完成后再发起" in response.content.decode()
    assert Recalculation.objects.filter(batch=batch, year=2024, status__in=Recalculation.ACTIVE).count() == 1


def test_the_province_joins_nothing_narrower_but_a_city_joins_the_provinces(client, two_cities):
    batch = Batch.objects.get(name=steps.BATCH)
    provinces = services.start_recalculation(steps.user("demo_province"), batch, 2024)
    assert services.start_recalculation(steps.user("demo_city"), batch, 2024).pk == provinces.pk
    client.force_login(steps.user("demo_city"))
    assert client.get(f"/funding/recalculations/{provinces.pk}/").status_code == 200  # it sees the job it joined
    client.force_login(steps.user("demo_hospital"))
    assert client.get(f"/funding/recalculations/{provinces.pk}/").status_code == 404
