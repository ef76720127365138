"""Generate input workbooks for `vbp calc` (see docs/calculator.md).

Usage: python -m bench.generate_workbook OUT --rows N [--seed S] [--hospitals H] [--csv]
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

import polars as pl

SHEET_ITEMS = "品种明细"
SHEET_HOSPITALS = "医疗机构"
SHEET_VISITS = "参保住院人次"

ITEM_COLUMNS = [
    "医疗机构编码",
    "医疗机构名称",
    "带量批次",
    "接续批次",
    "药品通用名",
    "规格",
    "综合得分",
    "约定采购量",
    "实际采购量",
    "采购量基数",
    "中选价格",
    "加权平均价",
    "非中选产品使用金额",
    "医保基金平均支付比例",
]
HOSPITAL_COLUMNS = ["医疗机构编码", "医疗机构名称", "上一年度住院总人次"]
VISIT_COLUMNS = ["医疗机构编码", "统筹区", "住院人次"]

BATCHES = [
    "国家第一批集中带量采购",
    "国家第三批集中带量采购",
    "山西省第一批集中带量采购",
    "国家组织冠脉支架集中带量采购",
    "国家第一批集中带量采购(接续)",
]
RENEWAL_BATCHES = {"国家第一批集中带量采购(接续)"}
CITIES = [
    "太原市",
    "大同市",
    "阳泉市",
    "长治市",
    "晋城市",
    "朔州市",
    "晋中市",
    "运城市",
    "忻州市",
    "临汾市",
    "吕梁市",
]
PROVINCE_POOL = "省直"
SPECS = [
    "0.2g*10片",
    "10mg*28片",
    "2ml:0.2mg",
    "0.5g*24粒",
    "5ml:100mg",
    "20mg*14片",
    "1g/瓶",
    "3.0mm*18mm",
]

PRICE = pl.Decimal(18, 3)
AMOUNT = pl.Decimal(18, 2)
PROVINCE_DIRECT_SHARE = 0.05
VETO_SHARE = 0.05


def _scaled(values: list[int], dtype: pl.Decimal) -> pl.Series:
    """Integers in minor units (1/10**scale) -> exact Decimal column."""
    unit = pl.lit(Decimal(1).scaleb(-dtype.scale), dtype=pl.Decimal(18, dtype.scale))
    ints = pl.Series(values, dtype=pl.Int64).cast(pl.Decimal(18, 0))
    return pl.select(ints * unit).to_series().cast(dtype)


def _hospital_frames(rng: random.Random, count: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    rnd = rng.random
    direct = set(rng.sample(range(count), max(1, round(count * PROVINCE_DIRECT_SHARE))))
    codes, names, totals = [], [], []
    v_codes, v_pools, v_visits = [], [], []
    for i in range(count):
        code = f"H{i:05d}"
        total = 1000 + int(rnd() * 199_001)  # 1000..200000
        insured = total // 2 + int(rnd() * (total - total // 2 + 1))  # <= total
        if i in direct:
            name = f"山西省第{i + 1}医院"
            pools = [PROVINCE_POOL, *CITIES]
            # Split `insured` into len(pools) parts by sorted cut points.
            cuts = sorted(int(rnd() * (insured + 1)) for _ in range(len(pools) - 1))
            bounds = [0, *cuts, insured]
            parts = [b - a for a, b in itertools.pairwise(bounds)]
        else:
            city = CITIES[int(rnd() * len(CITIES))]
            name = f"{city}第{i + 1}医院"
            pools, parts = [city], [insured]
        codes.append(code)
        names.append(name)
        totals.append(total)
        v_codes.extend([code] * len(pools))
        v_pools.extend(pools)
        v_visits.extend(parts)
    hospitals = pl.DataFrame(
        {"医疗机构编码": codes, "医疗机构名称": names, "上一年度住院总人次": totals},
        schema={
            "医疗机构编码": pl.String,
            "医疗机构名称": pl.String,
            "上一年度住院总人次": pl.Int64,
        },
    )
    visits = pl.DataFrame(
        {"医疗机构编码": v_codes, "统筹区": v_pools, "住院人次": v_visits},
        schema={"医疗机构编码": pl.String, "统筹区": pl.String, "住院人次": pl.Int64},
    )
    return hospitals, visits


def _item_frame(rng: random.Random, rows: int, hospitals: pl.DataFrame) -> pl.DataFrame:
    per = max(1, math.ceil(rows / hospitals.height))
    rnd = rng.random
    score, agreed, actual, base, price, avg, nonsel, ratio = ([] for _ in range(8))
    for _ in range(rows):
        score.append(60 + int(rnd() * 41) if rnd() < 0.9 else int(rnd() * 60))
        b = 100 + int(rnd() * 99_901)  # 100..100000
        a = b * (50 + int(rnd() * 31)) // 100  # 50%..80% of the base
        if rnd() < VETO_SHARE:
            actual.append(a - 1 - int(rnd() * (a // 2)))  # strictly below agreed
        else:
            actual.append(a + int(rnd() * (a // 2 + 1)))
        p = 500 + int(rnd() * 199_501)  # 0.500..200.000
        w = p * (90 + int(rnd() * 211)) // 100  # 0.9x..3.0x the winning price
        # Non-selected spend: 0..60% of base x average price, 10% of rows none.
        nonsel.append(0 if rnd() < 0.1 else int(b * w // 10 * rnd() * 0.6))
        base.append(b)
        agreed.append(a)
        price.append(p)
        avg.append(w)
        ratio.append(50 + int(rnd() * 41))  # 50..90

    products = pl.DataFrame(
        {
            "带量批次": [BATCHES[j % len(BATCHES)] for j in range(per)],
            "接续批次": ["是" if BATCHES[j % len(BATCHES)] in RENEWAL_BATCHES else "否" for j in range(per)],
            "药品通用名": [f"药品{j:04d}" for j in range(per)],
            "规格": [SPECS[j % len(SPECS)] for j in range(per)],
        }
    )
    k = pl.int_range(rows, dtype=pl.Int64, eager=True)
    h_idx, p_idx = k // per, k % per
    return pl.DataFrame(
        {
            "医疗机构编码": hospitals["医疗机构编码"].gather(h_idx),
            "医疗机构名称": hospitals["医疗机构名称"].gather(h_idx),
            "带量批次": products["带量批次"].gather(p_idx),
            "接续批次": products["接续批次"].gather(p_idx),
            "药品通用名": products["药品通用名"].gather(p_idx),
            "规格": products["规格"].gather(p_idx),
            "综合得分": pl.Series(score, dtype=pl.Int64),
            "约定采购量": pl.Series(agreed, dtype=pl.Int64),
            "实际采购量": pl.Series(actual, dtype=pl.Int64),
            "采购量基数": pl.Series(base, dtype=pl.Int64),
            "中选价格": _scaled(price, PRICE),
            "加权平均价": _scaled(avg, PRICE),
            "非中选产品使用金额": _scaled(nonsel, AMOUNT),
            "医保基金平均支付比例": pl.Series(ratio, dtype=pl.Int64),
        }
    )


def build_frames(rows: int, seed: int = 1, hospitals: int | None = None) -> dict[str, pl.DataFrame]:
    """The three input sheets as exact-typed frames, keyed by sheet name."""
    if rows < 0:
        raise ValueError("rows must be >= 0")
    count = max(10, rows // 400) if hospitals is None else hospitals
    if count < 1:
        raise ValueError("hospitals must be >= 1")
    rng = random.Random(seed)
    hosp, visits = _hospital_frames(rng, count)
    items = _item_frame(rng, rows, hosp)
    return {SHEET_ITEMS: items, SHEET_HOSPITALS: hosp, SHEET_VISITS: visits}


def generate(
    path: str | os.PathLike,
    rows: int,
    seed: int = 1,
    hospitals: int | None = None,
    fmt: str = "xlsx",
) -> dict[str, pl.DataFrame]:
    """Write an input workbook (fmt="xlsx") or a folder of CSVs (fmt="csv").

    Returns the generated frames (exact Decimal types).
    """
    if fmt not in ("xlsx", "csv"):
        raise ValueError(f"fmt must be 'xlsx' or 'csv', not {fmt!r}")
    frames = build_frames(rows, seed, hospitals)
    path = Path(path)
    if fmt == "csv":
        path.mkdir(parents=True, exist_ok=True)
        for name, df in frames.items():
            df.write_csv(path / f"{name}.csv")  # Decimals keep their scale
        return frames

    from rustpy_xlsxwriter import FastExcel

    path.parent.mkdir(parents=True, exist_ok=True)
    book = FastExcel(str(path))
    for name, df in frames.items():
        # rustpy-xlsxwriter 0.8 silently leaves Decimal cells empty, so write
        # them as Float64: exact below 2**53 minor units, and the shortest
        # round-trip repr ("129.397") lands in the file.
        book.sheet(name, df.with_columns(pl.col(pl.Decimal).cast(pl.Float64)))
    book.save()
    return frames


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate a `vbp calc` input workbook.")
    parser.add_argument("out", help="output .xlsx file, or folder with --csv")
    parser.add_argument("--rows", type=int, required=True, help="rows of 品种明细")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hospitals", type=int, default=None)
    parser.add_argument("--csv", action="store_true", help="write a folder of CSV files")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    generate(args.out, args.rows, args.seed, args.hospitals, "csv" if args.csv else "xlsx")
    elapsed = time.perf_counter() - start
    out = Path(args.out)
    size = sum(f.stat().st_size for f in out.iterdir()) if out.is_dir() else out.stat().st_size
    print(f"{args.rows} rows -> {out} ({size / 1e6:.1f} MB) in {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
