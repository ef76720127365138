"""重新计算: the province asks for a year's figures as of another date; the worker computes them in one go, every
page then shows that date's; one request per year at a time; a dead worker's request says so; refused for anyone
else and for dates outside the year, with a Chinese message and nothing queued."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.monitoring.test_order_import import csv_bytes, import_orders, province
from vbp.accounts.models import User
from vbp.audit.models import AuditEvent
from vbp.demo.orders import demo_order_sheets
from vbp.monitoring import refresh
from vbp.monitoring.models import ProgressFigure, Refresh, Snapshot
from vbp.monitoring.tasks import refresh_task
from vbp.platformdata.models import ImportJob

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]
YEAR = 2024
QUARTER_END = datetime.date(YEAR, 6, 30)


@pytest.fixture
def orders():
    job = import_orders(csv_bytes(demo_order_sheets(lines=3000, seed=5)["订单明细"]))
    assert job.status == ImportJob.Status.DONE
    assert Snapshot.objects.get(year=YEAR).as_of == datetime.date(YEAR, 12, 31)


def schedules() -> list:
    return list(ProgressFigure.objects.order_by("pk").values_list("schedule", flat=True))


def test_the_province_asks_the_worker_computes_and_every_page_shows_the_new_date(orders, client):
    before = schedules()
    client.force_login(province())
    page = client.post(reverse("monitoring:refresh"), {"year": YEAR, "as_of": "2024-06-30"}, follow=True)
    assert "已申请重新计算 2024 年监测指标（截至 2024-06-30）" in page.content.decode()
    job = Refresh.objects.get()
    assert (job.status, job.as_of, job.requested_by.username) == ("queued", QUARTER_END, "demo_province")
    assert Snapshot.objects.get(year=YEAR).as_of == datetime.date(YEAR, 12, 31)  # nothing changes until it runs

    refresh_task.call(job.pk)

    job.refresh_from_db()
    assert job.status == Refresh.Status.DONE and job.finished_at is not None
    assert Snapshot.objects.get(year=YEAR).as_of == QUARTER_END
    assert schedules() != before and max(schedules()) <= 1
    assert "2024-06-30" in client.get(reverse("monitoring:progress")).content.decode()
    messages = list(AuditEvent.objects.filter(object_type="monitoring.refresh").values_list("message", flat=True))
    assert any("申请重新计算" in text for text in messages) and any("重新计算完成" in text for text in messages)


def test_asking_again_while_one_waits_gives_that_one(orders):
    first = refresh.request_refresh(province(), YEAR, QUARTER_END)
    again = refresh.request_refresh(province(), YEAR, datetime.date(YEAR, 3, 31))
    assert again.pk == first.pk and Refresh.objects.count() == 1
    refresh.run(first)
    assert refresh.request_refresh(province(), YEAR, datetime.date(YEAR, 3, 31)).pk != first.pk


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"year": YEAR, "as_of": "2023-12-31"}, "监测日期应在 2024-01-01 至 2024-12-31 之间"),
        ({"year": YEAR, "as_of": "2025-01-01"}, "监测日期应在 2024-01-01 至 2024-12-31 之间"),
        ({"year": YEAR, "as_of": "2024-13-45"}, "有效的日期"),
        ({"year": YEAR, "as_of": "２０２４-０６-３０\x00"}, ""),
        ({"year": "2023", "as_of": "2023-06-30"}, "选择一个有效的选项"),
        ({"year": "9" * 40, "as_of": "2024-06-30"}, "选择一个有效的选项"),
        ({"year": "", "as_of": ""}, "该字段是必填项"),
    ],
)
def test_a_date_outside_the_year_or_a_bad_value_is_said_in_chinese_and_queues_nothing(orders, client, values, message):
    client.force_login(province())
    response = client.post(reverse("monitoring:refresh"), values)
    assert response.status_code == 200
    assert message in response.content.decode() and 'role="alert"' in response.content.decode()
    assert not Refresh.objects.exists()


def test_a_day_after_today_is_refused_for_the_current_year(orders, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: datetime.date(YEAR, 8, 15))
    with pytest.raises(refresh.RefreshRefused, match="至 2024-08-15 之间"):
        refresh.request_refresh(province(), YEAR, datetime.date(YEAR, 9, 30))


@pytest.mark.parametrize("username", ["demo_city", "demo_district", "demo_hospital", "demo_platform", "demo_sysadmin"])
def test_only_the_province_may_ask(orders, client, username):
    user = User.objects.get(username=username)
    with pytest.raises(refresh.RefreshRefused, match="只有省医保局"):
        refresh.request_refresh(user, YEAR, QUARTER_END)
    client.force_login(user)
    assert client.post(reverse("monitoring:refresh"), {"year": YEAR, "as_of": "2024-06-30"}).status_code == 404
    assert not Refresh.objects.exists()


def test_a_request_whose_worker_died_is_failed_with_the_reason_and_can_be_asked_again(orders, client, settings):
    job = refresh.request_refresh(province(), YEAR, QUARTER_END)
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.VBP_JOB_LEASE_SECONDS + 60)
    Refresh.objects.filter(pk=job.pk).update(
        status=Refresh.Status.RUNNING, worker="elsewhere:1:1", heartbeat_at=long_ago
    )
    client.force_login(province())
    page = client.get(reverse("monitoring:refresh")).content.decode()
    job.refresh_from_db()
    assert job.status == Refresh.Status.FAILED and "后台处理进程已停止" in page
    assert refresh.request_refresh(province(), YEAR, QUARTER_END).pk != job.pk


def test_a_year_without_order_lines_cannot_be_asked_for(client):
    with pytest.raises(refresh.RefreshRefused, match="2024 年没有订单明细"):
        refresh.request_refresh(province(), YEAR, QUARTER_END)
    client.force_login(province())
    assert "尚未导入订单明细" in client.get(reverse("monitoring:refresh")).content.decode()
