"""Deterministic monitoring input: a year of order lines with every kind of flag, for the demo and benchmarks.

``generate(hospitals, products, lines=…)`` returns the three input sheets (订单明细, 约定采购量, 报量) as
Polars frames under their Chinese headers, typed (dates, integers, two-decimal amounts). Everything is
drawn from one seeded generator, with NumPy, so ten million lines take seconds and the same arguments
always give the same rows. What it puts in, so every figure shows something: hospitals behind 序时进度
and ahead of it, agreements of 0 and periods not yet started, generics where non-winning products
outsell winning ones, demand reports down by more than 20% and reports of 0 while buying non-winning
products, goods never delivered, delivered late, received and paid late or never, offline purchases.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import polars as pl

from vbp.monitor.schema import AGREEMENTS, NO, OFFLINE, ONLINE, ORDER_LINES, REPORTS, YES

DISTRIBUTORS = tuple(
    f"{place}{kind}医药有限公司"
    for place in ("国药控股", "华润医药", "上海医药", "九州通", "重药控股", "国药集团")
    for kind in ("", "商业", "物流", "配送", "供应链")
)


@dataclass(frozen=True)
class Product:
    batch: str
    generic: str
    price_cents: int  # the winning product's unit price, in fen
    starts: datetime.date
    ends: datetime.date


def default_products(year: int, count: int = 100) -> list[Product]:
    """``count`` generics over five batches; the fifth batch's period starts on 1 July of ``year``."""
    products = []
    for index in range(count):
        batch = index % 5
        starts = datetime.date(year, 7 if batch == 4 else 1, 1)
        ends = datetime.date(year + (1 if batch == 4 else 0), 6 if batch == 4 else 12, 30 if batch == 4 else 31)
        products.append(Product(f"第{batch + 1}批", f"通用名{index + 1:03d}", 50 + (index * 37) % 2000, starts, ends))
    return products


def generate(
    hospitals: list[str],
    products: list[Product],
    *,
    lines: int,
    year: int,
    seed: int = 2024,
    buy_share: float = 0.4,
    agreed: list[tuple[int, int, int]] | None = None,
) -> dict[str, pl.DataFrame]:
    """The three input sheets for ``hospitals`` (codes) buying ``products`` over ``year``.

    ``agreed``: the agreements as (hospital index, product index, agreed volume) when they are given (the
    demo's 平台数据); lines then fall on each in proportion to its volume and buy about it over the year,
    some hospitals more and some less. Without it, agreements are drawn and their volumes follow the lines.
    """
    rng = np.random.default_rng(seed)
    if agreed:
        hospital_of = np.array([row[0] for row in agreed], dtype=np.int64)
        product_of = np.array([row[1] for row in agreed], dtype=np.int64)
        volumes = np.array([row[2] for row in agreed], dtype=np.float64)
        size = np.maximum(volumes, 1.0)
    else:
        hospital_of, product_of = _agreements(rng, len(hospitals), len(products), buy_share)
        size = rng.gamma(2.0, 1.0, len(hospitals))[hospital_of]  # big hospitals order more
    weight = size / size.sum()
    line_agreement = np.sort(rng.choice(len(hospital_of), size=lines, p=weight))

    # per agreement: how it buys (non-winning share, usual distributor, offline habit)
    agreement_count = len(hospital_of)
    nonwinning_share = rng.choice([0.02, 0.05, 0.1, 0.2], size=agreement_count, p=[0.4, 0.35, 0.2, 0.05])
    # a few hospitals keep buying non-winning products instead: on some generics more than the winning ones
    prefers_nonwinning = (rng.random(len(hospitals)) < 0.1)[hospital_of] & (rng.random(agreement_count) < 0.3)
    nonwinning_share = np.where(prefers_nonwinning, 0.65, nonwinning_share)
    usual_distributor = rng.integers(0, len(DISTRIBUTORS), agreement_count)
    # habits of a few hospitals and distributors, so a bulletin names some and not all: buying off the
    # platform, paying late; delivering slowly, or not at all
    hospital_count, distributor_count = len(hospitals), len(DISTRIBUTORS)
    offline_rate = np.where(rng.random(hospital_count) < 0.08, 0.05, 0.0)[hospital_of]
    late_rate = np.where(rng.random(hospital_count) < 0.12, 0.35, 0.03)[hospital_of]
    slow = rng.random(distributor_count) < 0.15
    unreliable = rng.random(distributor_count) < 0.08

    winning = rng.random(lines) >= nonwinning_share[line_agreement]
    distributor = np.where(
        rng.random(lines) < 0.9, usual_distributor[line_agreement], rng.integers(0, len(DISTRIBUTORS), lines)
    )
    offline = rng.random(lines) < offline_rate[line_agreement]
    quantity = rng.integers(1, 400, lines)
    # how fast each hospital buys against what it agreed (a few lag behind), each generic a little around that
    hospital_pace = rng.choice([0.75, 1.0, 1.1, 1.2], size=len(hospitals), p=[0.15, 0.25, 0.35, 0.25])
    pace = hospital_pace[hospital_of] * rng.uniform(0.85, 1.15, agreement_count)
    if agreed:  # scale each line so an agreement's year of winning lines comes to about its volume × its pace
        per_line = size.sum() / (lines * 200.0 * (1 - nonwinning_share.mean()))
        quantity = np.maximum(1, np.round(quantity * per_line * pace[line_agreement])).astype(np.int64)
    unit = np.array([product.price_cents for product in products], dtype=np.int64)[product_of[line_agreement]]
    unit = np.where(winning, unit, unit * rng.integers(2, 6, lines))
    amount_cents = quantity * unit

    # each line is ordered within its product's contract period (within the year)
    first_day, last_day = np.datetime64(f"{year}-01-01"), np.datetime64(f"{year}-12-31")
    period_start = np.array([max(np.datetime64(p.starts), first_day) for p in products], dtype="datetime64[D]")
    period_end = np.array([min(np.datetime64(p.ends), last_day) for p in products], dtype="datetime64[D]")
    period_days = np.maximum((period_end - period_start).astype(np.int64) + 1, 1)
    line_product_of = product_of[line_agreement]
    offset = np.floor(rng.random(lines) * period_days[line_product_of]).astype(np.int64)
    ordered = period_start[line_product_of] + offset.astype("timedelta64[D]")
    prompt = rng.choice([0, 1, 2, 3, 5, 8], size=lines, p=[0.3, 0.35, 0.2, 0.08, 0.05, 0.02])
    late = rng.choice([1, 2, 3, 4, 6, 9], size=lines, p=[0.15, 0.2, 0.25, 0.2, 0.12, 0.08])
    delivery_days = np.where(slow[distributor], late, prompt)
    undelivered = rng.random(lines) < np.where(unreliable[distributor], 0.12, 0.01)
    delivered = ordered + delivery_days.astype("timedelta64[D]")
    received = delivered + rng.integers(0, 3, lines).astype("timedelta64[D]")
    paid_late = rng.random(lines) < late_rate[line_agreement]
    payment_days = np.where(paid_late, rng.integers(31, 120, lines), rng.integers(3, 31, lines))
    unpaid = undelivered | (rng.random(lines) < 0.02)
    paid = received + payment_days.astype("timedelta64[D]")

    number = pl.Series(np.arange(1, lines + 1, dtype=np.int64))
    hospital_codes = pl.Series(hospitals, dtype=pl.String)
    batches = pl.Series([product.batch for product in products], dtype=pl.String)
    generics = pl.Series([product.generic for product in products], dtype=pl.String)
    line_hospital = hospital_of[line_agreement]
    line_product = product_of[line_agreement]
    amount = pl.Series(amount_cents).cast(pl.Decimal(18, 0)).cast(pl.Decimal(18, 2)) / 100
    order_lines = pl.DataFrame(
        {
            "订单编号": pl.select(pl.lit(f"PO{year}") + number.cast(pl.String).str.zfill(9)).to_series(),
            "医疗机构编码": hospital_codes.gather(line_hospital),
            "带量批次": batches.gather(line_product),
            "药品通用名": generics.gather(line_product),
            "是否中选": np.where(winning, YES, NO),
            "配送企业": pl.Series(DISTRIBUTORS).gather(distributor),
            "采购方式": np.where(offline, OFFLINE, ONLINE),
            "采购数量": quantity,
            "采购金额": amount.cast(pl.Decimal(18, 2)),
            "下单日期": ordered,
            "配送日期": np.where(undelivered, np.datetime64("NaT"), delivered),
            "入库日期": np.where(undelivered, np.datetime64("NaT"), received),
            "入库金额": amount.cast(pl.Decimal(18, 2)),
            "支付日期": np.where(unpaid, np.datetime64("NaT"), paid),
        }
    ).with_columns(
        pl.col("下单日期", "配送日期", "入库日期", "支付日期").cast(pl.Date),
        pl.when(pl.col("入库日期").is_null()).then(None).otherwise(pl.col("入库金额")).alias("入库金额"),
    )

    # agreed volumes: the year's winning volume times a factor; above 1 puts the hospital behind schedule
    if agreed:
        agreed_volume = volumes.astype(np.int64)
    else:
        winning_volume = np.bincount(line_agreement, weights=np.where(winning, quantity, 0), minlength=agreement_count)
        factor = rng.choice([0.8, 1.0, 1.15, 1.5], size=agreement_count, p=[0.25, 0.35, 0.25, 0.15])
        drawn = np.round(winning_volume * factor)
        agreed_volume = np.where(rng.random(agreement_count) < 0.005, 0, drawn).astype(np.int64)
    starts = np.array([np.datetime64(product.starts) for product in products])[product_of]
    ends = np.array([np.datetime64(product.ends) for product in products])[product_of]
    agreement_frame = pl.DataFrame(
        {
            "医疗机构编码": hospital_codes.gather(hospital_of),
            "带量批次": batches.gather(product_of),
            "药品通用名": generics.gather(product_of),
            "约定采购量": agreed_volume,
            "执行开始日期": starts,
            "执行结束日期": ends,
        }
    ).with_columns(pl.col("执行开始日期", "执行结束日期").cast(pl.Date))

    last_year = np.round(agreed_volume * rng.uniform(0.8, 1.2, agreement_count)).astype(np.int64)
    change = rng.choice([0.6, 0.9, 1.0, 1.1], size=agreement_count, p=[0.06, 0.3, 0.44, 0.2])
    reported = np.where(rng.random(agreement_count) < 0.02, 0, np.round(last_year * change)).astype(np.int64)
    report_frame = agreement_frame.select("医疗机构编码", "带量批次", "药品通用名").with_columns(
        pl.Series("报量", reported), pl.Series("上一年度实际采购量", last_year)
    )
    return {ORDER_LINES: order_lines, AGREEMENTS: agreement_frame, REPORTS: report_frame}


def _agreements(rng: np.random.Generator, hospitals: int, products: int, buy_share: float):
    """(hospital index, product index) of each agreement: each hospital buys about ``buy_share`` of the products."""
    chosen = rng.random((hospitals, products)) < buy_share
    chosen[np.arange(hospitals), rng.integers(0, products, hospitals)] = True  # everyone buys something
    hospital_of, product_of = np.nonzero(chosen)
    return hospital_of, product_of


def write_folder(sheets: dict[str, pl.DataFrame], folder, kind: str = "csv") -> None:
    """The sheets as ``kind`` (csv or parquet) files named after them, as ``vbp monitor`` reads a folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in sheets.items():
        if kind == "csv":
            frame.write_csv(folder / f"{name}.csv")
        else:
            frame.write_parquet(folder / f"{name}.parquet")
