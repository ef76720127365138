"""Computing a validated input: the vectorised path when 128 bits suffice, else row by row.

Both paths call formulas of the core (``vbp.core.retention`` per row,
``vbp.core.vectorized`` per column) and give identical figures.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import polars as pl

from vbp.calc.schema import DISPLAY_SHARE_DECIMALS
from vbp.calc.validate import Inputs
from vbp.core import vectorized
from vbp.core.money import round_fraction
from vbp.core.retention import ProductRow, compute_row, hospital_payable
from vbp.core.rules import RuleSet
from vbp.core.vectorized import Frames


def compute(inputs: Inputs, rule_set: RuleSet, *, engine: str = "auto") -> Frames:
    """Every output figure; ``engine`` is auto, vectorized or rows."""
    if engine in ("auto", "vectorized"):
        frames = vectorized.compute(rule_set, inputs.products, inputs.hospitals, inputs.visits, DISPLAY_SHARE_DECIMALS)
        if frames is not None:
            return frames
        if engine == "vectorized":
            raise OverflowError("数值过大，无法按列计算")
    return compute_rows(inputs, rule_set)


def _display_share(share: Fraction, rule_set: RuleSet) -> Decimal:
    decimals = rule_set.share_decimals if rule_set.share_decimals is not None else DISPLAY_SHARE_DECIMALS
    return round_fraction(share, decimals, "half_up")


def _column(values: list, scale: int | None = None) -> pl.Series:
    if scale is None:
        return pl.Series(values)
    return pl.Series(values, dtype=pl.Decimal(38, scale))


def _scale(values) -> int:
    return max([max(0, -value.as_tuple().exponent) for value in values if value is not None] + [0])


def compute_rows(inputs: Inputs, rule_set: RuleSet) -> Frames:
    """The per-row core over every row: the reference path, exact at any size."""
    totals = dict(inputs.hospitals.select("hospital", "total_visits").iter_rows())
    names = dict(inputs.hospitals.select("hospital", "hospital_name").iter_rows())
    pools: dict[str, dict[str, int]] = defaultdict(dict)
    for hospital, pool, count in inputs.visits.select("hospital", "pool", "visits").iter_rows():
        pools[hospital][pool] = count
    fields = [
        "score", "agreed_volume", "base_volume", "bid_price", "weighted_avg_price",
        "nonselected_amount", "pay_ratio", "actual_volume",
    ]  # fmt: skip
    results, pool_rows = [], []
    by_hospital: dict[str, list] = defaultdict(list)
    product_names = {}
    for row_id, record in enumerate(
        inputs.products.select("hospital", "hospital_name", "batch", "generic_name", *fields).iter_rows(named=True)
    ):
        values = {field: record[field] for field in fields}
        values["pay_ratio"] = Decimal(values["pay_ratio"])
        result = compute_row(rule_set, ProductRow(**values), pools[record["hospital"]], totals[record["hospital"]])
        results.append(result)
        by_hospital[record["hospital"]].append(result)
        product_names.setdefault(record["hospital"], record["hospital_name"])
        for pool, amount in result.pool_amounts.items():
            share = _display_share(result.shares[pool], rule_set)
            pool_rows.append((row_id, record["hospital"], record["batch"], record["generic_name"], pool, share, amount))
    return Frames(
        rows=_rows_frame(results, rule_set),
        pools=_pools_frame(pool_rows, rule_set),
        hospitals=_hospitals_frame(by_hospital, names, product_names, rule_set),
    )


def _rows_frame(results: list, rule_set: RuleSet) -> pl.DataFrame:
    money = {name: [getattr(r, name) for r in results] for name in ("budget", "actual_cost", "surplus")}
    money_scale = max((_scale(values) for values in money.values()), default=0)
    ratios = [r.retention_ratio for r in results]
    share_scale = rule_set.share_decimals if rule_set.share_decimals is not None else DISPLAY_SHARE_DECIMALS
    q = rule_set.amount_decimals
    return pl.DataFrame(
        {
            "retention_ratio": _column(ratios, _scale(ratios)),
            "vetoed": _column([r.vetoed for r in results]).cast(pl.Boolean),
            **{name: _column(values, money_scale) for name, values in money.items()},
            "total_share": _column([_display_share(r.total_share, rule_set) for r in results], share_scale),
            "retained_amount": _column([r.retained_amount for r in results], q),
            "payable_amount": _column([r.payable_amount for r in results], q),
        }
    )


def _pools_frame(pool_rows: list, rule_set: RuleSet) -> pl.DataFrame:
    share_scale = rule_set.share_decimals if rule_set.share_decimals is not None else DISPLAY_SHARE_DECIMALS
    columns = list(zip(*pool_rows, strict=True)) or [[]] * 7
    return pl.DataFrame(
        {
            "row_id": pl.Series(columns[0], dtype=pl.UInt32),
            "hospital": pl.Series(columns[1], dtype=pl.String),
            "batch": pl.Series(columns[2], dtype=pl.String),
            "generic_name": pl.Series(columns[3], dtype=pl.String),
            "pool": pl.Series(columns[4], dtype=pl.String),
            "share": _column(list(columns[5]), share_scale),
            "amount": _column(list(columns[6]), rule_set.amount_decimals),
        }
    )


def _hospitals_frame(by_hospital: dict, names: dict, product_names: dict, rule_set: RuleSet) -> pl.DataFrame:
    q = rule_set.amount_decimals
    hospitals = list(by_hospital)
    return pl.DataFrame(
        {
            "hospital": pl.Series(hospitals, dtype=pl.String),
            "hospital_name": pl.Series([product_names[h] for h in hospitals], dtype=pl.String),
            "product_count": pl.Series([len(by_hospital[h]) for h in hospitals], dtype=pl.Int64),
            "retained_total": _column(
                [sum((r.retained_amount for r in by_hospital[h]), Decimal(0)) for h in hospitals], q
            ),
            "payable_total": _column(
                [hospital_payable((r.retained_amount for r in by_hospital[h]), rule_set) for h in hospitals], q
            ),
        }
    )
