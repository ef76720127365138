"""Order lines imported into the system: dry run, preview by month, all or nothing, months replaced; the pages show
exactly what `vbp monitor` computes from the same lines, each user only the hospitals of their region."""

from __future__ import annotations

import datetime
import io

import polars as pl
import pytest
from django.db.models import Sum
from django.urls import reverse
from python_calamine import CalamineWorkbook

from tests.monitor.conftest import read_sheets, run_vbp
from vbp.accounts.models import User
from vbp.catalog.models import Hospital
from vbp.catalog.naming import monitoring_names
from vbp.demo.orders import demo_order_sheets
from vbp.monitoring import aggregate, store
from vbp.monitoring.models import DeliveryFigure, MonthlyFigure, OrderLineFigure, ProgressFigure, Snapshot
from vbp.platformdata import services
from vbp.platformdata.models import ImportJob

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]
YEAR = 2024
NOT_YET = {"配送日期": pl.Date, "入库日期": pl.Date, "入库金额": pl.Decimal(18, 2), "支付日期": pl.Date}


def csv_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(buffer)
    return buffer.getvalue()


def province() -> User:
    return User.objects.get(username="demo_province")


def import_orders(content: bytes, name: str = "订单明细.csv") -> ImportJob:
    job = services.start_import(province(), "orders", name, content, background=False)
    if job.status == ImportJob.Status.PREVIEW:
        job = services.confirm_import(province(), job, background=False)
    return job


@pytest.fixture
def sheets():
    return demo_order_sheets(lines=4000, seed=7)


def test_an_import_previews_its_months_then_stores_them_and_computes_the_figures(sheets):
    orders = sheets["订单明细"]
    job = services.start_import(province(), "orders", "订单明细.csv", csv_bytes(orders), background=False)

    assert job.status == ImportJob.Status.PREVIEW, job.problems
    assert job.total_rows == orders.height and job.rows_added == orders.height and job.rows_changed == 0
    months = orders.select(pl.col("下单日期").dt.month()).unique().height
    assert len(job.preview) == months and {change["action"] for change in job.preview} == {"新增"}
    assert store.stored_files() == []  # a dry run stores nothing
    assert [path.name for path in store.root().iterdir()] == []  # and keeps nothing it staged

    job = services.confirm_import(province(), job, background=False)

    assert job.status == ImportJob.Status.DONE
    assert sum(store.stored_months().values()) == orders.height
    assert sorted(path.name for path in store.root().iterdir()) == [f"year={YEAR}"]
    snapshot = Snapshot.objects.get(year=YEAR)
    assert snapshot.lines == orders.height and snapshot.as_of == datetime.date(YEAR, 12, 31)
    assert ProgressFigure.objects.filter(snapshot=snapshot).exists()


def test_a_second_import_of_a_month_replaces_it_and_leaves_the_others(sheets):
    orders = sheets["订单明细"]
    assert import_orders(csv_bytes(orders)).status == ImportJob.Status.DONE
    before = store.stored_months()
    march = orders.filter(pl.col("下单日期").dt.month() == 3).head(10)
    # one line of January, re-dated into March: it leaves January
    january = (
        orders.filter(pl.col("下单日期").dt.month() == 1)
        .head(1)
        .with_columns(pl.lit(datetime.date(YEAR, 3, 5)).alias("下单日期"))
        .with_columns(pl.lit(None).cast(dtype).alias(name) for name, dtype in NOT_YET.items())
    )

    job = import_orders(csv_bytes(pl.concat([march, january])))

    assert job.status == ImportJob.Status.DONE, job.problems
    after = store.stored_months()
    assert after[(YEAR, 3)] == 11
    assert after[(YEAR, 1)] == before[(YEAR, 1)] - 1
    assert {month: count for month, count in after.items() if month[1] not in (1, 3)} == {
        month: count for month, count in before.items() if month[1] not in (1, 3)
    }
    assert Snapshot.objects.get(year=YEAR).lines == sum(after.values())


def test_a_bad_file_names_every_bad_row_and_stores_nothing(sheets):
    orders = sheets["订单明细"].head(20).with_columns(pl.col("采购数量").cast(pl.String))
    orders = orders.with_columns(
        pl.when(pl.int_range(pl.len()) == 3).then(pl.lit("十")).otherwise(pl.col("采购数量")).alias("采购数量"),
        pl.when(pl.int_range(pl.len()) == 5)
        .then(pl.lit("H404"))
        .otherwise(pl.col("医疗机构编码"))
        .alias("医疗机构编码"),
    )

    job = services.start_import(province(), "orders", "订单明细.csv", csv_bytes(orders), background=False)

    assert job.status == ImportJob.Status.REFUSED
    assert [(p["row"], p["column"]) for p in job.problems] == [(5, "H（采购数量）"), (7, "B（医疗机构编码）")]
    assert not list(store.root().glob(".staging-*"))  # what the dry run staged is gone
    fixed = orders.with_columns(pl.col("采购数量").str.replace("十", "10"))
    job = services.start_import(province(), "orders", "订单明细.csv", csv_bytes(fixed), background=False)
    assert job.status == ImportJob.Status.REFUSED
    assert [(p["row"], p["column"], p["message"]) for p in job.problems] == [
        (7, "B（医疗机构编码）", "系统中没有医疗机构“H404”")
    ]
    assert store.stored_files() == [] and not Snapshot.objects.exists()


@pytest.mark.parametrize("name", ["订单明细.xlsx", "订单明细.parquet"])
def test_workbooks_and_parquet_files_import_alike(sheets, tmp_path, name):
    orders = sheets["订单明细"].head(200)
    path = tmp_path / name
    if name.endswith(".xlsx"):
        orders.write_excel(path, worksheet="订单明细")
    else:
        orders.write_parquet(path)

    job = import_orders(path.read_bytes(), name)

    assert job.status == ImportJob.Status.DONE, job.problems
    assert sum(store.stored_months().values()) == 200


def test_the_pages_show_what_vbp_monitor_computes_from_the_same_lines(sheets, tmp_path, client):
    orders = sheets["订单明细"]
    assert import_orders(csv_bytes(orders)).status == ImportJob.Status.DONE
    snapshot = Snapshot.objects.get(year=YEAR)
    folder = tmp_path / "input"
    folder.mkdir()
    orders.write_csv(folder / "订单明细.csv")
    headers = {"hospital": "医疗机构编码", "batch": "带量批次", "generic": "药品通用名", "agreed": "约定采购量"}
    agreements = aggregate.agreements(YEAR).rename({**headers, "starts": "执行开始日期", "ends": "执行结束日期"})
    agreements.write_csv(folder / "约定采购量.csv")
    result = run_vbp("monitor", folder, "-o", tmp_path / "监测通报.xlsx", "--as-of", snapshot.as_of.isoformat())
    assert result.code == 0, result.err
    book = read_sheets(tmp_path / "监测通报.xlsx")

    client.force_login(province())
    exported = client.get(reverse("monitoring:progress"), {"export": "xlsx", "size": 200})
    (tmp_path / "page.xlsx").write_bytes(b"".join(exported.streaming_content))
    offline_rows = progress_by_key(book["采购进度"])
    stored = {
        (figure.hospital.code, figure.batch.name, figure.generic): (figure.winning, figure.completion, figure.behind)
        for figure in ProgressFigure.objects.select_related("hospital", "batch")
    }
    assert len(stored) == len(offline_rows) > 100
    for key, (winning, completion, behind) in stored.items():
        assert offline_rows[key] == (winning, float(completion), "是" if behind else "否"), key
    exported_rows = {
        (row["医疗机构编码"], row["带量批次"], row["药品通用名"]): (
            row["中选采购数量"],
            row["完成进度"],
            row["低于序时进度"],
        )
        for row in export_records(tmp_path / "page.xlsx")
    }
    assert exported_rows == offline_rows  # the page's export: every row, the same figures

    late = {(row["订单编号"], row["逾期天数"]) for row in book["逾期回款"]}
    assert late == {
        (line.order_no, line.days_late) for line in OrderLineFigure.objects.filter(kind=OrderLineFigure.Kind.LATE)
    }
    monthly = MonthlyFigure.objects.aggregate(winning=Sum("winning"), nonwinning=Sum("nonwinning"))
    assert monthly["winning"] == sum(row["中选产品实际采购量"] for row in book["平台数据"])
    assert monthly["winning"] + monthly["nonwinning"] == sum(row["同通用名产品采购总量"] for row in book["平台数据"])
    delivery = {row["配送企业"]: (row["订单行数"], row["已配送行数"]) for row in book["配送情况"]}
    page_delivery = client.get(reverse("monitoring:delivery"), {"size": 200}).content.decode()
    for distributor, (lines, delivered) in delivery.items():
        figures = DeliveryFigure.objects.filter(distributor=distributor)
        assert (sum(f.line_count for f in figures), sum(f.delivered_count for f in figures)) == (lines, delivered)
        assert distributor in page_delivery


def progress_by_key(records: list[dict]) -> dict[tuple, tuple]:
    """采购进度 rows by hospital, batch and generic: winning volume, 完成进度 and 低于序时进度."""
    return {
        (row["医疗机构编码"], row["带量批次"], row["药品通用名"]): (
            row["中选采购数量"],
            row["完成进度"],
            row["低于序时进度"],
        )
        for row in records
    }


def export_records(path) -> list[dict]:
    """The rows of a page's export under its header row (a header block of who, when and which filters sits above)."""
    workbook = CalamineWorkbook.from_path(str(path))
    cells = workbook.get_sheet_by_name(workbook.sheet_names[0]).to_python()
    start = next(index for index, row in enumerate(cells) if row[0] == "医疗机构编码")
    return [dict(zip(cells[start], row, strict=True)) for row in cells[start + 1 :]]


@pytest.mark.parametrize("username", ["demo_city", "demo_district", "demo_hospital", "demo_platform"])
def test_every_monitoring_page_holds_only_hospitals_in_scope(sheets, client, username):
    assert import_orders(csv_bytes(sheets["订单明细"])).status == ImportJob.Status.DONE
    user = User.objects.get(username=username)
    inside = set(Hospital.objects.visible_to(user).values_list("name", flat=True))
    outside = set(Hospital.objects.exclude(name__in=inside).values_list("name", flat=True))
    client.force_login(user)
    for name in ("progress", "late_payments", "payments", "offline"):
        html = client.get(reverse(f"monitoring:{name}"), {"size": 200}).content.decode()
        assert not [hospital for hospital in outside if f">{hospital}<" in html], name
    shown = {figure.hospital.name for figure in ProgressFigure.objects.visible_to(user).select_related("hospital")}
    assert shown <= inside and shown


def test_the_platform_sheet_of_vbp_monitor_imports_unchanged_and_keeps_the_other_columns(sheets, tmp_path):
    from vbp.platformdata.models import PlatformRecord

    folder = tmp_path / "input"
    folder.mkdir()
    sheets["订单明细"].write_csv(folder / "订单明细.csv")
    headers = {"hospital": "医疗机构编码", "batch": "带量批次", "generic": "药品通用名", "agreed": "约定采购量"}
    agreements = aggregate.agreements(YEAR).rename({**headers, "starts": "执行开始日期", "ends": "执行结束日期"})
    agreements.write_csv(folder / "约定采购量.csv")
    report = tmp_path / "监测通报.xlsx"
    assert run_vbp("monitor", folder, "-o", report, "--as-of", f"{YEAR}-12-31").code == 0
    before = {(r.hospital_id, r.product_id): r for r in PlatformRecord.objects.filter(year=YEAR)}

    job = services.start_import(province(), "platform", report.name, report.read_bytes(), background=False)

    assert job.status == ImportJob.Status.PREVIEW, job.problems[:5]
    kept = job.preview[0]
    assert kept["action"] == "保留" and [change[0] for change in kept["changes"]] == ["采购量基数", "实际药品采购金额"]
    assert services.confirm_import(province(), job, background=False).status == ImportJob.Status.DONE
    platform = {
        (row["医疗机构编码"], row["带量批次"], row["药品通用名"]): row for row in read_sheets(report)["平台数据"]
    }
    names = monitoring_names()
    checked = 0
    for record in PlatformRecord.objects.filter(year=YEAR).select_related("hospital"):
        row = platform[(record.hospital.code, *names[record.product_id])]
        old = before[(record.hospital_id, record.product_id)]
        assert record.base_volume == old.base_volume and record.drug_purchase_amount == old.drug_purchase_amount
        assert record.agreed_volume == old.agreed_volume == row["约定采购量"]
        assert (record.winning_volume, record.generic_volume) == (
            row["中选产品实际采购量"],
            row["同通用名产品采购总量"],
        )
        assert float(record.purchase_in_amount) == row["入库金额"]
        checked += 1
    assert checked == len(before)


def test_a_long_file_says_how_many_rows_it_has_read_while_it_reads(sheets, client, monkeypatch):
    from vbp.monitor import ingest
    from vbp.monitoring.importer import OrderLineImporter

    monkeypatch.setattr(ingest, "BATCH_ROWS", 1000)
    heard = []
    result = OrderLineImporter().check_file(csv_bytes(sheets["订单明细"]), "订单明细.csv", heard.append)
    result.release()
    assert heard == [1000, 2000, 3000, 4000] and result.total_rows == 4000

    job = services.start_import(province(), "orders", "订单明细.csv", csv_bytes(sheets["订单明细"]), background=True)
    ImportJob.objects.filter(pk=job.pk).update(
        done_rows=2000, worker="w", heartbeat_at=datetime.datetime.now(datetime.UTC)
    )
    client.force_login(province())
    page = client.get(reverse("platformdata:import", args=[job.pk])).content.decode()
    assert "已读取并校验 2000 行" in page
