"""A real background worker (`manage.py db_worker`) killed in the middle of its work: nothing is lost, the job says
it was interrupted, and 重新运行 with a new worker finishes it.

The worker runs against this test's database (committed data: transactional tests), with a heartbeat of a
fraction of a second; the lease here is short, so an interruption is found within seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import funding_steps as steps
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from vbp.accounts.models import User
from vbp.assessment import services as assessment_services
from vbp.catalog.models import Batch, Hospital, Product
from vbp.funding import services as funding_services
from vbp.funding.models import AmountSheet, Recalculation
from vbp.platformdata import services as import_services
from vbp.platformdata.models import ImportJob, PlatformRecord

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
LEASE = 1.5


@pytest.fixture(autouse=True)
def short_lease(settings):
    settings.VBP_JOB_LEASE_SECONDS = LEASE


def database_env() -> dict[str, str]:
    """The environment that points a worker process at this test's own database."""
    database = connection.settings_dict
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    if connection.vendor == "sqlite":
        env["VBP_SQLITE_PATH"] = str(database["NAME"])
    else:
        user, password = database["USER"], database["PASSWORD"]
        env["DATABASE_URL"] = f"postgres://{user}:{password}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    return env


class Worker:
    """A `manage.py db_worker` process, killed with SIGKILL (no clean-up of any kind) or stopped at the end."""

    def __init__(self, **settings: str):
        env = {
            **database_env(),
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
            "VBP_JOB_HEARTBEAT_SECONDS": "0.2",
            **settings,
        }
        command = [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--no-reload", "--interval", "0.1"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def workers():
    started: list[Worker] = []

    def start(**settings: str) -> Worker:
        started.append(Worker(**settings))
        return started[-1]

    yield start
    for worker in started:
        worker.stop()


def wait_for(condition: Callable[[], object], seconds: float = 120, every: float = 0.01):
    """Poll ``condition`` until it is truthy; its value."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not within {seconds} s: {condition.__doc__ or condition}")


PLATFORM_HEADERS = [
    "考核年度",
    "医疗机构编码",
    "批次编码",
    "品种序号",
    "约定采购量",
    "采购量基数",
    "中选产品实际采购量",
    "同通用名产品采购总量",
    "非中选产品采购量",
    "非中选产品使用金额",
    "线下采购金额",
    "实际药品采购金额",
    "入库金额",
    "30天内回款金额",
]


def platform_file(rows: int) -> bytes:
    """Platform data of later years for the demo's hospitals and products: a few seconds' work to check or write."""
    hospitals = list(Hospital.objects.order_by("code").values_list("code", flat=True))
    products = list(Product.objects.filter(batch__code="GJ-2019-01").values_list("variety_code", flat=True))
    lines = [",".join(PLATFORM_HEADERS)]
    for index in range(rows):
        hospital, product = hospitals[index % len(hospitals)], products[(index // len(hospitals)) % len(products)]
        year = 2030 + index // (len(hospitals) * len(products))
        lines.append(
            f"{year},{hospital},GJ-2019-01,{product},1500,3000,1600,2000,400,1494450.00,0,2000000.00,"
            "300000.00,300000.00"
        )
    return ("\n".join(lines) + "\n").encode()


def start(province: User, rows: int, *, background: bool) -> ImportJob:
    return import_services.start_import(
        province, "platform", "平台数据.csv", platform_file(rows), background=background
    )


def job(pk: int) -> ImportJob:
    return ImportJob.objects.get(pk=pk)


def test_an_import_whose_worker_is_killed_while_checking_is_rerun_to_its_preview(client, workers):
    call_command("load_demo", verbosity=0)
    province = User.objects.get(username="demo_province")
    started = start(province, 20_000, background=True)
    worker = workers()
    wait_for(lambda: job(started.pk).done_rows > 0)  # checking, with progress
    worker.kill()

    client.force_login(province)
    page = wait_for(
        lambda: "中断" in (text := client.get(f"/platform/imports/{started.pk}/").content.decode()) and text
    )
    assert "重新运行" in page and "取消" in page
    interrupted = job(started.pk)
    assert (interrupted.status, interrupted.interrupted_from) == (ImportJob.Status.FAILED, ImportJob.Status.CHECKING)

    assert client.post(f"/platform/imports/{started.pk}/rerun/").status_code == 302
    workers()
    finished = wait_for(lambda: (current := job(started.pk)).status not in ("checking",) and current)
    assert finished.status == ImportJob.Status.PREVIEW, (finished.status, finished.error, finished.problems[:3])
    assert finished.total_rows == 20_000 and finished.rows_added == 20_000


def test_an_import_whose_worker_is_killed_while_writing_writes_nothing_then_all_of_it(client, workers):
    call_command("load_demo", verbosity=0)
    province = User.objects.get(username="demo_province")
    before = PlatformRecord.objects.count()
    started = import_services.start_import(
        province, "platform", "平台数据.csv", platform_file(20_000), background=False
    )
    assert started.status == ImportJob.Status.PREVIEW
    import_services.confirm_import(province, started, background=True)
    worker = workers()
    wait_for(lambda: job(started.pk).heartbeat_at)  # a worker has claimed the write: it is in its transaction
    time.sleep(0.5)
    worker.kill()
    assert PlatformRecord.objects.count() == before  # one transaction: nothing half-written

    client.force_login(province)
    wait_for(lambda: "中断" in client.get(f"/platform/imports/{started.pk}/").content.decode())
    assert job(started.pk).interrupted_from == ImportJob.Status.IMPORTING
    client.post(f"/platform/imports/{started.pk}/rerun/")
    workers()
    finished = wait_for(lambda: (current := job(started.pk)).status not in ("importing",) and current)
    assert finished.status == ImportJob.Status.DONE, (finished.status, finished.error)
    assert PlatformRecord.objects.count() == before + 20_000


def test_a_cancelled_interrupted_import_stays_cancelled(client, workers):
    call_command("load_demo", verbosity=0)
    province = User.objects.get(username="demo_province")
    started = start(province, 20_000, background=True)
    worker = workers()
    wait_for(lambda: job(started.pk).done_rows > 0)
    worker.kill()
    client.force_login(province)
    wait_for(lambda: "中断" in client.get(f"/platform/imports/{started.pk}/").content.decode())
    assert client.post(f"/platform/imports/{started.pk}/cancel/").status_code == 302
    assert job(started.pk).status == ImportJob.Status.CANCELLED
    assert client.post(f"/platform/imports/{started.pk}/rerun/").status_code == 302
    assert job(started.pk).status == ImportJob.Status.CANCELLED  # a rerun of a cancelled import is refused


def test_a_recalculation_killed_at_forty_percent_is_found_and_a_rerun_finishes_it(client, workers):
    call_command("load_demo", verbosity=0)
    batch = Batch.objects.get(name=steps.BATCH)
    hospitals = list(Hospital.objects.order_by("code"))
    late = hospitals[-2:]  # last in the recalculation's order; not province-direct, so home-pool visits are enough
    assert not any(hospital.province_direct for hospital in late)
    for hospital in hospitals[:-2]:  # every hospital is assessed: most lack inputs (资料未齐), which is quick to find
        assessment_services.open_assessment(steps.hospital_account(hospital), hospital, batch, steps.YEAR)
    for hospital in late:
        steps.ready(hospital)  # every input in: their sheets are computed as their visits are submitted
    province = steps.user("demo_province")
    asked_at = timezone.now()

    started = funding_services.start_recalculation(province, batch, steps.YEAR)
    worker = workers(VBP_RECALCULATION_CHUNK="1")
    wait_for(lambda: Recalculation.objects.get(pk=started.pk).done >= len(hospitals) * 0.4, every=0.002)
    worker.freeze()  # stop it at once where it is, then kill it
    worker.kill()
    frozen = Recalculation.objects.get(pk=started.pk)
    assert 0 < frozen.done < frozen.total == len(hospitals), (frozen.done, frozen.total)
    assert all(sheet.computed_at < asked_at for sheet in AmountSheet.objects.all())  # the late ones not reached

    client.force_login(province)
    page = wait_for(
        lambda: "重新运行" in (text := client.get(f"/funding/recalculations/{started.pk}/").content.decode()) and text
    )
    assert f"测算中断于 {frozen.done} / {frozen.total}" in page
    assert Recalculation.objects.get(pk=started.pk).status == Recalculation.Status.FAILED

    assert client.post(f"/funding/recalculations/{started.pk}/rerun/").status_code == 302
    workers()
    done = wait_for(lambda: (current := Recalculation.objects.get(pk=started.pk)).status == "done" and current)
    assert (done.done, done.computed, done.skipped) == (len(hospitals), 2, len(hospitals) - 2)
    sheets = AmountSheet.objects.filter(batch=batch, year=steps.YEAR)
    assert {sheet.hospital_id for sheet in sheets} == {hospital.pk for hospital in late}
    assert all(sheet.computed_at > asked_at for sheet in sheets)
