"""Benchmark of the monitoring pages on bench-scale data: target ≤ 300 ms a page.

Usage: python -m bench.bench_monitor_pages [--lines 10000000] [--workdir DIR] [--reload]

A child process loads ``load_demo --scale bench`` with ``--lines`` order lines into a SQLite file and a data
folder in the workdir (kept, and reused by later runs unless --reload), timing the load; then, as the
province, a city and a hospital, it asks for every monitoring page (and the 工作台 home page) through the
Django test client, once to warm up and then five times, and prints the median and slowest answer in
milliseconds. DEBUG is off, as in production. Figures only: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_calc import ROOT, run_child
from bench.bench_demo import _child_environment

TARGET_MS = 300.0
REPEATS = 5
USERS = ("demo_province", "demo_city", "demo_hospital")
PAGES = (
    ("工作台", "/"),
    ("采购进度", "/monitoring/"),
    ("采购进度（低于序时进度，第 100 页）", "/monitoring/?flag=behind&page=100"),
    ("逾期回款", "/monitoring/late-payments/"),
    ("回款情况", "/monitoring/payments/"),
    ("配送情况", "/monitoring/delivery/"),
    ("线下采购", "/monitoring/offline/"),
    ("报量核对", "/monitoring/reports/"),
    ("季度通报（2024 年第三季度）", "/monitoring/bulletin/?year=2024&quarter=3"),
    ("配送企业档案", "/supervision/distributors/"),
    ("供应问题反馈", "/supervision/issues/"),
    ("约谈督导", "/supervision/interviews/"),
)


def child(lines: int, reload: bool) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from vbp.accounts.models import User
    from vbp.monitoring.models import ProgressFigure

    marker = Path(os.environ["VBP_DATA_ROOT"]) / f"loaded-{lines}"
    call_command("migrate", verbosity=0)
    if reload or not marker.exists():
        started = time.perf_counter()
        call_command("load_demo", scale="bench", orders=lines, verbosity=0)
        print(f"load_demo --scale bench --orders {lines:,}: {time.perf_counter() - started:.1f} s")
        marker.write_text("")
    print(f"figures: {ProgressFigure.objects.count():,} 采购进度 rows")
    worst = 0.0
    for username in USERS:
        client = Client(HTTP_HOST="localhost")
        client.force_login(User.objects.get(username=username))
        for name, url in PAGES:
            response = client.get(url)
            if response.status_code != 200:
                print(f"  {username} {name}: HTTP {response.status_code}")
                continue
            times = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            worst = max(worst, max(times))
            print(f"  {username:14} {name:20} median {statistics.median(times):6.0f} ms, slowest {max(times):6.0f} ms")
    print(f"slowest page: {worst:.0f} ms — target ≤ {TARGET_MS:.0f} ms {'met' if worst <= TARGET_MS else 'NOT met'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "vbp-bench")
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.lines, args.reload)
        return 0
    folder = args.workdir / f"monitor-pages-{args.lines}"
    folder.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "bench.bench_monitor_pages", "--child", "--lines", str(args.lines)]
    with _child_environment("sqlite", folder / "db.sqlite3"):  # as bench_demo's children: SQLite, DEBUG off
        os.environ["VBP_DATA_ROOT"] = str(folder / "data")
        (folder / "data").mkdir(exist_ok=True)
        run = run_child([*argv, "--reload"] if args.reload else argv)
    print(run.stdout, end="")
    if run.returncode:
        print(f"failed ({run.returncode})\n{run.stderr[-3000:]}")
        return 1
    print(f"child wall {run.wall:.1f} s, peak {run.peak_mb:,.0f} MB")
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
