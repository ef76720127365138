"""Benchmark of procurement monitoring: `vbp monitor` on generated order lines, with pandas beside it.

Usage: python -m bench.bench_monitor [--lines 10000000] [--as-of 2024-09-30] [--workdir DIR]

Input: a year of order lines from vbp.monitor.generate (2,500 hospitals, 100 generics, seed 2024), written
once as a CSV folder and cached. Each run is a fresh child process, timed from outside with its own peak
memory (wait4): (1) the real ``vbp monitor --timings`` (read and check every cell, compute every figure,
write the workbook); (2) pandas reading the same CSV files and computing the same aggregates (采购进度,
逾期回款, 回款情况, 配送情况, 平台数据) without checking cells or writing a workbook — the baseline; (3)
DuckDB alone, the figures' SQL over the same CSV files read by DuckDB, no checks, no workbook.

Figures only: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_calc import ROOT, run_child

DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "vbp-bench"
TARGET_SECONDS = 30.0  # vbp monitor, whole run
INGEST_SECONDS, INGEST_MB = 20.0, 2048  # ingest to Parquet and every figure


def _tag() -> str:
    source = (ROOT / "vbp" / "monitor" / "generate.py").read_bytes()
    return hashlib.sha256(source).hexdigest()[:8]


def ensure_input(workdir: Path, lines: int) -> Path:
    from vbp.monitor.generate import default_products, generate, write_folder

    folder = workdir / f"monitor-{lines}-{_tag()}"
    if (folder / "done").exists():
        return folder
    started = time.perf_counter()
    hospitals = [f"H{index:05d}" for index in range(2500)]
    write_folder(generate(hospitals, default_products(2024), lines=lines, year=2024), folder)
    (folder / "done").write_text("")
    print(f"generated {lines:,} lines in {time.perf_counter() - started:.1f} s → {folder}")
    return folder


def pandas_child(folder: str, as_of: str) -> None:
    """The baseline: the same aggregates with pandas."""
    import pandas as pd

    started = time.perf_counter()
    dates = ["下单日期", "配送日期", "入库日期", "支付日期"]
    orders = pd.read_csv(Path(folder) / "订单明细.csv", parse_dates=dates, dtype={"医疗机构编码": str})
    agreements = pd.read_csv(
        Path(folder) / "约定采购量.csv", parse_dates=["执行开始日期", "执行结束日期"], dtype={"医疗机构编码": str}
    )
    read = time.perf_counter() - started
    day = pd.Timestamp(as_of)
    lines = orders[orders["下单日期"] <= day].copy()
    for column in dates[1:]:
        lines.loc[lines[column] > day, column] = pd.NaT
    key = ["医疗机构编码", "带量批次", "药品通用名"]
    joined = lines.merge(agreements, on=key)
    inside = joined[(joined["下单日期"] >= joined["执行开始日期"]) & (joined["下单日期"] <= joined["执行结束日期"])]
    winning = inside["是否中选"] == "是"
    progress = (
        inside.assign(w=inside["采购数量"].where(winning, 0), n=inside["采购数量"].where(~winning, 0))
        .groupby(key)[["w", "n"]]
        .sum()
        .reindex(pd.MultiIndex.from_frame(agreements[key]), fill_value=0)
    )
    elapsed = (day.normalize() - agreements["执行开始日期"]).dt.days + 1
    period = (agreements["执行结束日期"] - agreements["执行开始日期"]).dt.days + 1
    schedule = (elapsed.clip(lower=0) / period).clip(upper=1).to_numpy()
    behind = int(((progress["w"].to_numpy() / agreements["约定采购量"].replace(0, 1).to_numpy()) < schedule).sum())
    waited = (lines["支付日期"].fillna(day) - lines["入库日期"]).dt.days
    late = lines[lines["入库日期"].notna() & (waited > 30)]
    in_time = lines["入库金额"].where((lines["支付日期"] - lines["入库日期"]).dt.days <= 30, 0)
    payments = lines.assign(p=in_time).groupby(["医疗机构编码", "带量批次"])[["入库金额", "p"]].sum()
    delivered_days = (lines["配送日期"] - lines["下单日期"]).dt.days
    delivery = lines.assign(d=lines["配送日期"].notna(), f=delivered_days <= 2).groupby("配送企业")[["d", "f"]].mean()
    platform = lines.assign(year=lines["下单日期"].dt.year).groupby([*key, "year"])["采购数量"].sum()
    total = time.perf_counter() - started
    print(
        f"pandas: read {read:.2f} s, aggregate {total - read:.2f} s; behind {behind}, late {len(late)}, "
        f"payments {len(payments)}, distributors {len(delivery)}, platform rows {len(platform)}"
    )


def duckdb_child(folder: str, as_of: str) -> None:
    """DuckDB alone: the figures' SQL over the CSV files as DuckDB reads them, no checks, no workbook."""
    from vbp.monitor.figures import compute, connect
    from vbp.monitor.schema import INPUT_SHEETS

    started = time.perf_counter()
    connection = connect()
    names = {"orders": "订单明细", "agreements": "约定采购量", "reports": "报量"}
    columns = {table: _select_list(INPUT_SHEETS[name][0]) for table, name in names.items()}
    for table, name in names.items():
        path = str(Path(folder) / f"{name}.csv")
        connection.execute(f"CREATE TABLE {table} AS SELECT {columns[table]} FROM read_csv(?)", [path])  # noqa: S608
    connection.execute("CREATE TABLE previous_orders AS SELECT * FROM orders LIMIT 0")
    read = time.perf_counter() - started
    compute(connection, datetime.date.fromisoformat(as_of))
    counts = {
        view: connection.execute(f"SELECT count(*) FROM {view}").fetchall()[0][0]  # noqa: S608
        for view in ("progress", "late_payments", "payments", "delivery", "platform")
    }
    total = time.perf_counter() - started
    print(f"duckdb: read {read:.2f} s, aggregate {total - read:.2f} s; rows {counts}")


def ingest_child(folder: str, as_of: str) -> None:
    """What the web import does with a file, as one run: stream the order lines into Parquet by month, checking
    every cell (vbp.monitor.ingest), then compute every figure over the Parquet files and fetch each one."""
    from vbp.monitor.figures import VIEWS, compute, connect, fetch
    from vbp.monitor.read import read

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="vbp-bench-ingest-") as scratch:
        inputs = read(Path(folder), Path(scratch) / "orders")
        read_seconds = time.perf_counter() - started
        stored = sum(path.stat().st_size for path in inputs.order_files) / 1e6
        connection = connect(inputs)
        compute(connection, datetime.date.fromisoformat(as_of))
        rows = {view: fetch(connection, view).height for view in VIEWS}
        connection.close()
    total = time.perf_counter() - started
    print(
        f"ingest: read, check and store {read_seconds:.2f} s ({len(inputs.order_files)} month files, "
        f"{stored:,.0f} MB); every figure {total - read_seconds:.2f} s; rows {rows}"
    )


def _select_list(columns) -> str:
    """The columns of a sheet as DuckDB reads them from CSV, typed and named as vbp.monitor.read makes them."""
    typed = {
        "yes_no": "{quoted} = '是'",
        "method": "{quoted} = '线下'",
        "integer": "CAST({quoted} AS BIGINT)",
        "amount": "CAST({quoted} AS DECIMAL(18,2))",
        "date": "CAST({quoted} AS DATE)",
    }
    parts = []
    for column in columns:
        quoted = '"' + column.header + '"'
        parts.append(typed.get(column.kind, "{quoted}").format(quoted=quoted) + " AS " + column.name)
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_monitor")
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--as-of", default="2024-09-30")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--child", choices=("pandas", "duckdb", "ingest"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "pandas":
        pandas_child(args.folder, args.as_of)
        return 0
    if args.child == "duckdb":
        duckdb_child(args.folder, args.as_of)
        return 0
    if args.child == "ingest":
        ingest_child(args.folder, args.as_of)
        return 0
    args.workdir.mkdir(parents=True, exist_ok=True)
    folder = ensure_input(args.workdir, args.lines)
    size = sum(path.stat().st_size for path in folder.glob("*.csv")) / 1e6
    print(
        f"vbp monitor on {args.lines:,} order lines ({size:,.0f} MB of CSV), as of {args.as_of}; cpus {os.cpu_count()}"
    )
    output = args.workdir / "监测通报.xlsx"
    vbp = [sys.executable, "-m", "vbp.cli", "monitor", str(folder), "-o", str(output), "--as-of", args.as_of]
    runs = {
        "vbp monitor": [*vbp, "--timings"],
        "ingest and figures": [
            sys.executable,
            "-m",
            "bench.bench_monitor",
            "--child",
            "ingest",
            "--folder",
            str(folder),
        ],
        "pandas": [sys.executable, "-m", "bench.bench_monitor", "--child", "pandas", "--folder", str(folder)],
        "duckdb": [sys.executable, "-m", "bench.bench_monitor", "--child", "duckdb", "--folder", str(folder)],
    }
    for name, command in runs.items():
        if name != "vbp monitor":
            command += ["--as-of", args.as_of]
        child = run_child(command)
        if child.returncode != 0:
            print(f"{name}: failed ({child.returncode})\n{child.stderr[-2000:]}")
            continue
        detail = " | ".join(line for line in child.stdout.splitlines() if not line.startswith("已写出"))
        print(f"{name}: {child.wall:.2f} s wall, {child.peak_mb:,.0f} MB peak — {detail}")
        if name == "vbp monitor":
            verdict = "met" if child.wall <= TARGET_SECONDS else "NOT met"
            print(f"  target: whole run ≤ {TARGET_SECONDS:.0f} s — {verdict}")
        if name == "ingest and figures":
            verdict = "met" if child.wall <= INGEST_SECONDS and child.peak_mb <= INGEST_MB else "NOT met"
            print(f"  target: ≤ {INGEST_SECONDS:.0f} s and ≤ {INGEST_MB:,} MB — {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
