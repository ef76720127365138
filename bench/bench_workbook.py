"""Benchmark of the web system's calculation workbook (write_calculation_workbook): 1M rows, ≤ 60 s and ≤ 1.5 GB.

Usage: python -m bench.bench_workbook [--rows 1000000] [--rules shanxi] [--modes stream,lists]
                                      [--no-check] [--keep] [--workdir DIR]

The inputs are bench.generate_workbook's data as the mappings the web system
passes, and each row's RowResult from the core's compute_row, as the web
system computes it. Each mode runs in a fresh child process:

- stream: products and results are iterators, each row made as the writer
  reads it (the way to hand over a million rows: memory stays flat); the
  time of compute_row inside the writing is counted apart;
- lists: products and results are lists made beforehand, then the writer is
  timed alone; the peak then includes a million dicts and RowResults.

Wall time and peak memory are taken as bench.bench_calc takes them
(``run_child``: the child's own rusage). Then ``vbp calc --check`` verifies
the last workbook written. Figures only: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from bench.bench_calc import DEFAULT_WORKDIR, machine, run_child

TARGET_SECONDS, TARGET_MB = 60.0, 1500.0
PRODUCT_FIELDS = {
    "医疗机构编码": "hospital", "医疗机构名称": "hospital_name", "带量批次": "batch", "药品通用名": "generic_name",
    "规格": "spec", "综合得分": "score", "约定采购量": "agreed_volume", "实际采购量": "actual_volume",
    "采购量基数": "base_volume", "中选价格": "bid_price", "加权平均价": "weighted_avg_price",
    "非中选产品使用金额": "nonselected_amount", "医保基金平均支付比例": "pay_ratio",
}  # fmt: skip
_LINE = re.compile(r"^(\w[\w ]*): ([0-9.]+) (s|MB)$", re.M)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # Linux reports KiB


def _product(record: dict) -> dict:
    """A generated 品种明细 row as the web system passes it: English keys, exact numbers, renewal a bool."""
    return {**{name: record[header] for header, name in PRODUCT_FIELDS.items()}, "renewal": record["接续批次"] == "是"}


class Inputs:
    """The generated data (bench.generate_workbook), and the core's result of each row as the web computes it."""

    def __init__(self, rows: int, seed: int, rule_set):
        from bench.generate_workbook import build_frames

        frames = build_frames(rows, seed)
        self.items, self.rule_set = frames["品种明细"], rule_set
        self.hospitals = [
            {"hospital": code, "hospital_name": name, "total_visits": total}
            for code, name, total in frames["医疗机构"].iter_rows()
        ]
        self.visits = [
            {"hospital": code, "pool": pool, "visits": count}
            for code, pool, count in frames["参保住院人次"].iter_rows()
        ]
        self.totals = {hospital["hospital"]: hospital["total_visits"] for hospital in self.hospitals}
        self.pools: dict[str, dict[str, int]] = {}
        for visit in self.visits:
            self.pools.setdefault(visit["hospital"], {})[visit["pool"]] = visit["visits"]
        self.making_seconds = 0.0  # spent making rows: their mappings and compute_row

    def products(self) -> Iterator[dict]:
        return self._timed(_product(record) for record in self.items.iter_rows(named=True))

    def results(self) -> Iterator:
        """compute_row for each row, as the web system computes it."""
        from vbp.core.retention import ProductRow, compute_row

        numbers = ("score", "agreed_volume", "base_volume", "bid_price", "weighted_avg_price", "nonselected_amount")

        def result(product: dict):
            row = ProductRow(
                **{name: Decimal(product[name]) for name in numbers},
                pay_ratio=Decimal(product["pay_ratio"]),
                actual_volume=Decimal(product["actual_volume"]),
                renewal=product["renewal"],
            )
            hospital = product["hospital"]
            return compute_row(self.rule_set, row, self.pools[hospital], self.totals[hospital])

        return self._timed(result(_product(record)) for record in self.items.iter_rows(named=True))

    def _timed(self, items: Iterator) -> Iterator:
        """The items, the time spent making each counted in making_seconds."""
        while True:
            started = time.perf_counter()
            item = next(items, None)
            self.making_seconds += time.perf_counter() - started
            if item is None:
                return
            yield item


def child(rows: int, seed: int, rules: str, mode: str, output: Path) -> None:
    """Child side: the inputs as lists (then time the writing alone) or as iterators (made while writing)."""
    from vbp.calc.workbook import write_calculation_workbook
    from vbp.presets import resolve_rule_set

    rule_set = resolve_rule_set(rules)
    started = time.perf_counter()
    inputs = Inputs(rows, seed, rule_set)
    products, results = inputs.products(), inputs.results()
    if mode == "lists":
        products, results = list(products), list(results)
    print(f"inputs: {time.perf_counter() - started:.2f} s", flush=True)
    print(f"peak before writing: {peak_mb():.0f} MB", flush=True)
    inputs.making_seconds, started = 0.0, time.perf_counter()
    write_calculation_workbook(output, rule_set, products, inputs.hospitals, inputs.visits, results)
    print(f"write: {time.perf_counter() - started:.2f} s", flush=True)
    print(f"making rows while writing: {inputs.making_seconds:.2f} s", flush=True)


MODES = {
    "stream": "products and results as iterators, each row made (its compute_row too) as the writer reads it",
    "lists": "products and results as lists made beforehand",
}


def bench_mode(mode: str, args: argparse.Namespace, output: Path) -> bool:
    """One child in ``mode``; its figures printed; whether it succeeded."""
    argv = ["--rows", str(args.rows), "--seed", str(args.seed), "--rules", args.rules, "--mode", mode]
    run = run_child([sys.executable, "-m", "bench.bench_workbook", *argv, "--child", str(output)])
    print(f"{mode}: {MODES[mode]}")
    if run.returncode != 0:
        print(f"  failed ({run.returncode}): {run.stderr.strip()[-2000:]}", file=sys.stderr)
        return False
    figures = {name: float(value) for name, value, _ in _LINE.findall(run.stdout)}
    write, making, peak = figures["write"], figures["making rows while writing"], run.peak_mb
    print(f"  rows made beforehand in {figures['inputs']:.2f} s (peak then {figures['peak before writing']:,.0f} MB)")
    print(f"  write_calculation_workbook {write:.2f} s, of which {making:.2f} s making the rows it read")
    own = write - making
    print(f"  the writer's own time {own:.2f} s: ≤ {TARGET_SECONDS:g} s {_verdict(own <= TARGET_SECONDS)}")
    print(f"  peak memory {peak:,.0f} MB: ≤ 1.5 GB {_verdict(peak <= TARGET_MB)}")
    print(f"  child wall {run.wall:.2f} s; workbook {output.stat().st_size / 1e6:.1f} MB", flush=True)
    return True


def _verdict(ok: bool) -> str:
    return "met" if ok else "not met"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark write_calculation_workbook (the web's 测算底稿).")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of 品种明细 (default 1000000)")
    parser.add_argument("--rules", default="shanxi", help="rule set (default shanxi)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--modes", default="stream,lists", help="stream, lists or both (default stream,lists)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help=f"default {DEFAULT_WORKDIR}")
    parser.add_argument("--no-check", action="store_true", help="skip vbp calc --check of the written workbook")
    parser.add_argument("--keep", action="store_true", help="keep the written workbook")
    parser.add_argument("--mode", choices=list(MODES), default="stream", help=argparse.SUPPRESS)  # child side
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # child side: the output path
    args = parser.parse_args(argv)

    if args.child is not None:
        child(args.rows, args.seed, args.rules, args.mode, args.child)
        return 0

    modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    if not modes or any(mode not in MODES for mode in modes):
        parser.error(f"--modes: one or more of {', '.join(MODES)}")
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    output = workdir / f"workbook-{args.rows}-{args.rules.replace('/', '_')}.xlsx"
    print(f"Machine: {machine()}")
    print(f"Rules: {args.rules}; {args.rows:,} rows of 品种明细; output {output}", flush=True)
    ok = all([bench_mode(mode, args, output) for mode in modes])
    if ok and not args.no_check:
        check = run_child([sys.executable, "-m", "vbp.cli", "calc", "--check", str(output)])
        last = (check.stdout.strip().splitlines() or [check.stderr.strip()[-500:]])[-1]
        print(f"vbp calc --check: exit {check.returncode}, {check.wall:.2f} s, peak {check.peak_mb:,.0f} MB: {last}")
        ok = check.returncode == 0
    if not args.keep:
        output.unlink(missing_ok=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
