"""`manage.py import_orders`: a file too large to upload, checked and previewed on the server, written only with
--confirm, recorded as the province's import and in the audit log; refused for anyone else, and on any problem."""

from __future__ import annotations

import io

import polars as pl
import pytest
from django.core.management import CommandError, call_command

from vbp.audit.models import AuditEvent
from vbp.demo.orders import demo_order_sheets
from vbp.monitoring import store
from vbp.monitoring.models import Snapshot
from vbp.platformdata.models import ImportJob

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


@pytest.fixture
def orders_file(tmp_path):
    path = tmp_path / "全年订单明细.csv"
    demo_order_sheets(lines=3000, seed=3)["订单明细"].write_csv(path)
    return path


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_orders", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_without_confirm_it_previews_the_months_and_writes_nothing(orders_file):
    out, _ = run(orders_file, "--user", "demo_province")
    assert "已校验 3,000 行" in out and "2024年1月 新增：0 行 →" in out
    assert "未写入任何数据" in out
    assert store.stored_files() == [] and not ImportJob.objects.exists() and not Snapshot.objects.exists()
    assert [path.name for path in store.root().iterdir()] == []  # nothing staged is left


def test_with_confirm_it_stores_the_lines_computes_the_figures_and_records_the_import(orders_file):
    out, _ = run(orders_file, "--user", "demo_province", "--confirm")
    assert "导入完成：3,000 行" in out
    assert sum(store.stored_months().values()) == 3000
    assert Snapshot.objects.get(year=2024).lines > 0
    job = ImportJob.objects.get()
    assert (job.kind, job.status, job.user.username, job.total_rows) == ("orders", "done", "demo_province", 3000)
    assert job.file_name == "全年订单明细.csv" and len(job.sha256) == 64
    event = AuditEvent.objects.get(object_type="platformdata.importjob", object_id=str(job.pk))
    assert event.username == "demo_province" and "命令行" in event.message


def test_a_bad_file_lists_every_problem_and_writes_nothing(orders_file, tmp_path):
    frame = pl.read_csv(orders_file, infer_schema=False)
    bad = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 9).then(pl.lit("很多")).otherwise(pl.col("采购数量")).alias("采购数量")
    )
    path = tmp_path / "坏文件.csv"
    bad.write_csv(path)
    err = io.StringIO()
    with pytest.raises(CommandError, match="发现 1 处问题，未写入任何数据"):
        call_command(
            "import_orders", str(path), "--user", "demo_province", "--confirm", stderr=err, stdout=io.StringIO()
        )
    assert "订单明细 第11行 H（采购数量）列：应为≥ 0 的整数，实为“很多”" in err.getvalue()
    assert store.stored_files() == [] and not ImportJob.objects.exists()


@pytest.mark.parametrize("username", ["demo_city", "demo_hospital", "demo_sysadmin", "nobody"])
def test_only_a_province_account_may_import(orders_file, username):
    with pytest.raises(CommandError, match="只有省医保局可以导入数据"):
        run(orders_file, "--user", username, "--confirm")
    assert store.stored_files() == []


def test_a_missing_file_is_named_without_its_folder(tmp_path):
    with pytest.raises(CommandError, match=r"^文件不存在：没有\.csv$"):
        run(tmp_path / "没有.csv", "--user", "demo_province")
