"""Benchmark of recalculating retained amounts and exporting them at the bench scale of the demo.

Usage: python -m bench.bench_recalc [--workdir DIR] [--keep]

A child process loads ``load_demo --scale bench`` (2,500 hospitals × 400 products,
1,000,000 platform records) into a fresh SQLite file, or into a throwaway test
database beside DATABASE_URL's when it is set, then gives every hospital reviewed
scores, submitted visits and every batch a submitted payment ratio (bulk rows: the
set-up is not what is measured; the scores' ratios and vetoes come from the core).
Then it times:

- 重新测算 of the largest batch (services.recalculate; target ≤ 30 s), then of the other batches;
- 导出全部品种明细 of all 1,000,000 product rows through the page's own view (target ≤ 60 s, ≤ 1.5 GB);
- the 测算底稿 of the largest batch.

Figures only: nothing here asserts a timing. ``--keep`` keeps the SQLite file, so a
second run skips the load and set-up.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_calc import ROOT, run_child
from bench.bench_demo import _child_environment

_LINE = re.compile(r"^(\w+): (.*)$", re.M)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def _set_up(year: int) -> None:
    """Reviewed scores, visits and ratios for every assessed pair, written in bulk."""
    from django.db import transaction

    from vbp.accounts.models import User
    from vbp.assessment.models import Assessment, ProductScore
    from vbp.catalog.models import Batch, Hospital
    from vbp.core.retention import ProductRow, is_vetoed
    from vbp.core.scoring import ratio_for
    from vbp.funding.models import Entry, PayRatio, PoolVisits, VisitReport
    from vbp.platformdata.models import PlatformRecord
    from vbp.regions.models import Pool
    from vbp.rulesets.services import rule_set_of

    province = User.objects.get(username="demo_province")
    batches = {batch.pk: batch for batch in Batch.objects.select_related("rule_set")}
    rule_sets = {pk: rule_set_of(batch.rule_set) for pk, batch in batches.items()}
    with transaction.atomic():
        pairs = PlatformRecord.objects.filter(year=year).order_by().values_list("hospital_id", "product__batch_id")
        pairs = pairs.distinct()
        Assessment.objects.bulk_create(
            [Assessment(hospital_id=h, batch_id=b, year=year, rule_set_id=batches[b].rule_set_id, status="submitted",
                        part1_review="done", part2_review="done") for h, b in pairs],
            batch_size=2000,
        )  # fmt: skip
        assessments = {(a.hospital_id, a.batch_id): a.pk for a in Assessment.objects.filter(year=year)}
        scores = []
        records = PlatformRecord.objects.filter(year=year).values_list(
            "hospital_id", "product_id", "product__batch_id", "agreed_volume", "winning_volume"
        )
        for hospital_id, product_id, batch_id, agreed, actual in records.iterator(chunk_size=20000):
            rule_set = rule_sets[batch_id]
            score = 55 + (hospital_id * 7 + product_id * 3) % 46  # 55–100: every ratio band
            row = ProductRow(score, agreed, 0, 0, 0, 0, 1, actual_volume=actual, renewal=batches[batch_id].renewal)
            vetoed = is_vetoed(rule_set, row)
            scores.append(ProductScore(
                assessment_id=assessments[hospital_id, batch_id], product_id=product_id,
                rule_set_id=batches[batch_id].rule_set_id, part1=45, part2=score - 45, score=score, vetoed=vetoed,
                retention_ratio=ratio_for(rule_set, score, vetoed=vetoed),
            ))  # fmt: skip
            if len(scores) == 20000:
                ProductScore.objects.bulk_create(scores, batch_size=2000)
                scores = []
        ProductScore.objects.bulk_create(scores, batch_size=2000)
        PayRatio.objects.bulk_create([PayRatio(batch_id=pk, year=year, percent=70, status=Entry.SUBMITTED,
                                               submitted_by=province) for pk in batches])  # fmt: skip
        hospitals = list(Hospital.objects.all())
        VisitReport.objects.bulk_create([VisitReport(hospital=h, year=year, total_visits=100000,
                                                     status=Entry.SUBMITTED) for h in hospitals])  # fmt: skip
        reports = {report.hospital_id: report.pk for report in VisitReport.objects.filter(year=year)}
        pools = list(Pool.objects.all())
        visits = []
        for hospital in hospitals:
            chosen = pools if hospital.province_direct else [p for p in pools if p.pk == hospital.home_pool_id]
            report = reports[hospital.pk]
            visits += [PoolVisits(report_id=report, pool=pool, visits=70000 // len(chosen) + i, status=Entry.SUBMITTED,
                                  entered_by=province) for i, pool in enumerate(chosen)]  # fmt: skip
        PoolVisits.objects.bulk_create(visits, batch_size=2000)


def child(keep: bool) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import RequestFactory

    from vbp.accounts.models import User
    from vbp.catalog.models import Batch
    from vbp.demo.generate import load_demo
    from vbp.funding import amount_views, services
    from vbp.funding.models import PayRatio, ProductAmount, Recalculation
    from vbp.funding.workbook import workbook_response
    from vbp.platformdata.models import PlatformRecord

    postgres = connection.vendor == "postgresql"
    if postgres:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    else:
        call_command("migrate", verbosity=0)
    try:
        year = 2024
        started = time.perf_counter()
        if not User.objects.filter(username="demo_province").exists():
            load_demo("bench")
        if not PayRatio.objects.exists():
            _set_up(year)
        print(f"setup: {time.perf_counter() - started:.1f} s")
        province = User.objects.get(username="demo_province")
        records = PlatformRecord.objects.filter(year=year).order_by().values_list("product__batch")
        sizes = dict(records.annotate(n=Count("pk")))
        order = sorted(sizes, key=lambda pk: -sizes[pk])
        for index, batch_id in enumerate(order):
            batch = Batch.objects.get(pk=batch_id)
            job = Recalculation.objects.create(batch=batch, year=year, requested_by=province)
            started = time.perf_counter()
            job = services.recalculate(job)
            label = "recalc_largest" if index == 0 else "recalc_other"
            print(f"{label}: {time.perf_counter() - started:.2f} s {sizes[batch_id]} rows {job.computed} hospitals "
                  f"{batch.name}")  # fmt: skip
        request = RequestFactory().get("/funding/surplus/products/", {"export": "xlsx", "year": str(year)})
        request.user = province
        rows = ProductAmount.objects.count()
        started = time.perf_counter()
        response = amount_views.SurplusProducts(request).respond()
        size = sum(len(chunk) for chunk in response.streaming_content)
        print(f"export: {time.perf_counter() - started:.2f} s {rows} rows {size} bytes peak {_peak_mb():.0f} MB")
        started = time.perf_counter()
        response = workbook_response(province, Batch.objects.get(pk=order[0]), year)
        size = sum(len(chunk) for chunk in response.streaming_content)
        print(f"workbook: {time.perf_counter() - started:.2f} s {sizes[order[0]]} rows {size} bytes "
              f"peak {_peak_mb():.0f} MB")  # fmt: skip
    finally:
        if postgres:
            connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "vbp-bench")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite database for the next run")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.keep)
        return 0
    args.workdir.mkdir(parents=True, exist_ok=True)
    engine = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    database = args.workdir / "bench-recalc.sqlite3"
    if not args.keep:
        for leftover in args.workdir.glob(database.name + "*"):
            leftover.unlink()
    print(f"recalculation and export benchmark ({engine}, load_demo --scale bench):")
    with _child_environment(engine, database):
        run = run_child([sys.executable, "-m", "bench.bench_recalc", "--child", *(["--keep"] if args.keep else [])])
    if run.returncode:
        print(f"  failed ({run.returncode})\n{run.stdout}{run.stderr[-3000:]}")
        return 1
    for name, text in _LINE.findall(run.stdout):
        print(f"  {name}: {text}")
    print(f"  child wall {run.wall:.1f} s, peak {run.peak_mb:,.0f} MB")
    print("  targets: recalc_largest ≤ 30 s; export ≤ 60 s and ≤ 1,500 MB")
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
