"""Benchmark of the platform-data import (issue 3's target: 100,000 rows ≤ 15 s and ≤ 1 GB).

Usage: python -m bench.bench_import [--rows 100000] [--workdir DIR]

Builds a fresh database (SQLite in the workdir, or the PostgreSQL of
DATABASE_URL, whose tables are flushed first), a catalog of 250 hospitals ×
400 products, and an .xlsx of platform data. Then, in a fresh child process,
times the dry run and the write of the real import service, and reports its
peak memory. A second child re-imports the same file (all rows unchanged).
Figures only: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_calc import ROOT, run_child

HOSPITALS, PRODUCTS = 250, 400
TARGET_SECONDS, TARGET_MB = 15.0, 1000.0


def _django(database: Path | None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    if database is not None and not os.environ.get("DATABASE_URL"):
        os.environ["VBP_SQLITE_PATH"] = str(database)
    import django

    django.setup()


def prepare(workdir: Path, rows: int) -> Path:
    """A migrated, empty database with the catalog, and the platform-data workbook; the workbook's path."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    from vbp.accounts.models import Role, User
    from vbp.catalog.models import Batch, Hospital, Product
    from vbp.regions.models import Pool, Region

    province = Region.objects.create(code="140000", name="山西省", level=Region.Level.PROVINCE)
    city = Region.objects.create(code="140100", name="太原市", level=Region.Level.CITY, parent=province)
    pool = Pool.objects.create(code="140100", name="太原市", region=city)
    User.objects.create_user("bench", role=Role.PROVINCE, region=province)
    Hospital.objects.bulk_create(
        Hospital(code=f"H{i:05d}", name=f"测试医院{i}", city=city, home_pool=pool) for i in range(HOSPITALS)
    )
    batch = Batch.objects.create(
        code="B1", name="国家第一批集中带量采购", kind="national", cycle_start="2024-01-01", cycle_end="2024-12-31",
        agreed_ratio=70,
    )  # fmt: skip
    Product.objects.bulk_create(
        Product(batch=batch, variety_code=f"V{i:04d}", generic_name=f"药品{i}", bid_price="1.2345",
                weighted_avg_price="3.4567")
        for i in range(PRODUCTS)
    )  # fmt: skip
    return write_workbook(workdir / f"platform-{rows}.xlsx", rows)


def write_workbook(path: Path, rows: int) -> Path:
    from xlsxwriter import Workbook

    from vbp.platformdata.importers import PlatformRecordImporter

    workbook = Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("平台数据")
    sheet.write_row(0, 0, [column.header for column in PlatformRecordImporter.columns])
    for n in range(rows):
        hospital, product = divmod(n, PRODUCTS)
        year = 2024 + hospital // HOSPITALS
        agreed = 1000 + n % 997
        sheet.write_row(n + 1, 0, [
            year, f"H{hospital % HOSPITALS:05d}", "B1", f"V{product:04d}", agreed, agreed * 2, agreed + 10,
            agreed + 500, 490, 12345.67 + n % 100, 0, 99999.99, 50000.5, 45000.25,
        ])  # fmt: skip
    workbook.close()
    return path


def child(path: Path) -> None:
    """Child side: the real service, dry run then write, with the time of each."""
    from vbp.accounts.models import User
    from vbp.platformdata import services

    user = User.objects.get(username="bench")
    content = path.read_bytes()
    started = time.perf_counter()
    job = services.start_import(user, "platform", path.name, content, background=False)
    checked = time.perf_counter()
    if job.status != job.Status.PREVIEW:
        sys.exit(f"dry run refused: {job.problems[:3]}")
    job = services.confirm_import(user, job, background=False)
    written = time.perf_counter()
    print(f"dry-run: {checked - started:.2f} s")
    print(f"write: {written - checked:.2f} s (check again + upsert)")
    print(f"rows: added {job.rows_added}, changed {job.rows_changed}, unchanged {job.rows_unchanged}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "vbp-bench")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    database = args.workdir / "bench-import.sqlite3"
    if args.child:
        _django(database)
        child(args.child)
        return 0
    if not os.environ.get("DATABASE_URL"):
        database.unlink(missing_ok=True)
    _django(database)
    engine = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    path = prepare(args.workdir, args.rows)
    print(f"Import benchmark on {engine}: {args.rows:,} platform-data rows ({path.stat().st_size / 1e6:.1f} MB .xlsx)")
    for label in ("first import (all rows new)", "same file again (all rows unchanged)"):
        run = run_child(
            [sys.executable, "-m", "bench.bench_import", "--child", str(path), "--workdir", str(args.workdir)]
        )
        if run.returncode:
            print(run.stdout, run.stderr)
            return 1
        print(f"  {label}: wall {run.wall:.2f} s, peak {run.peak_mb:,.0f} MB")
        for line in run.stdout.splitlines():
            print(f"    {line}")
        if label.startswith("first"):
            met = run.wall <= TARGET_SECONDS and run.peak_mb <= TARGET_MB
            print(f"    target ≤ {TARGET_SECONDS:.0f} s and ≤ {TARGET_MB:,.0f} MB: {'met' if met else 'not met'}")
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
