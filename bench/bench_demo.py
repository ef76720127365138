"""Benchmark of loading the demo province (`manage.py load_demo`): target ≤ 30 s at the demo scale.

Usage: python -m bench.bench_demo [--scale demo|bench] [--seed 2024] [--workdir DIR]

Each database gets a fresh child process: SQLite in a new file in the workdir,
and, when DATABASE_URL is set, PostgreSQL in a new test database beside the one
it names (created and dropped by Django, so that database is never touched;
the role needs CREATEDB). The child migrates, then times ``load_demo`` alone;
peak memory is the child's own. ``--scale bench`` loads 1,000,000 platform
records. Figures only: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.bench_calc import ROOT, run_child

TARGET_SECONDS = 30.0
_RESULT_LINE = re.compile(r"^load: ([0-9.]+) s, (\d+) records, (\d+) hospitals, (\d+) products$", re.M)


def child(engine: str, scale: str, seed: int) -> None:
    """Child side: a fresh, migrated database, then load_demo timed on its own."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from vbp.demo.generate import load_demo

    if engine == "postgresql":
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    else:
        call_command("migrate", verbosity=0)
    try:
        started = time.perf_counter()
        summary = load_demo(scale, seed)
        elapsed = time.perf_counter() - started
    finally:
        if engine == "postgresql":
            connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    print(
        f"load: {elapsed:.3f} s, {summary.platform_records} records, {summary.hospitals} hospitals, "
        f"{summary.products} products"
    )


@contextmanager
def _child_environment(engine: str, database: Path) -> Iterator[None]:
    """Settings for the child: production-like (DEBUG off, so no query log), on the engine asked for."""
    saved = dict(os.environ)
    os.environ.update(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="0")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-insecure-key")
    if engine == "sqlite":
        os.environ.pop("DATABASE_URL", None)
        os.environ["VBP_SQLITE_PATH"] = str(database)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def bench(engine: str, scale: str, seed: int, workdir: Path) -> bool:
    database = workdir / f"bench-demo-{scale}.sqlite3"
    for leftover in workdir.glob(database.name + "*"):
        leftover.unlink()
    argv = [sys.executable, "-m", "bench.bench_demo", "--child", engine, "--scale", scale, "--seed", str(seed)]
    with _child_environment(engine, database):
        run = run_child(argv)
    match = _RESULT_LINE.search(run.stdout)
    if run.returncode or not match:
        print(f"  {engine}: failed ({run.returncode})\n{run.stdout}{run.stderr[-3000:]}")
        return False
    seconds, records, hospitals, products = float(match[1]), int(match[2]), int(match[3]), int(match[4])
    print(
        f"  {engine}: load_demo {seconds:.2f} s for {records:,} platform records "
        f"({hospitals:,} hospitals, {products:,} products), {records / seconds:,.0f} records/s; "
        f"child wall {run.wall:.2f} s with migrations, peak {run.peak_mb:,.0f} MB"
    )
    if scale == "demo":
        print(f"    target ≤ {TARGET_SECONDS:.0f} s: {'met' if seconds <= TARGET_SECONDS else 'not met'}")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("demo", "bench"), default="demo")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "vbp-bench")
    parser.add_argument("--child", choices=("sqlite", "postgresql"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.scale, args.seed)
        return 0
    args.workdir.mkdir(parents=True, exist_ok=True)
    engines = ["sqlite"] + (["postgresql"] if os.environ.get("DATABASE_URL") else [])
    print(f"load_demo benchmark, scale {args.scale}, seed {args.seed}:")
    results = [bench(engine, args.scale, args.seed, args.workdir) for engine in engines]
    return 0 if all(results) else 1


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
