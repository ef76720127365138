"""Computing a validated input: the vectorised path when 128 bits suffice, else row by row.

Both paths call formulas of the core (``vbp.core.retention`` per row,
``vbp.core.vectorized`` per column) and give identical figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

import polars as pl

from vbp.calc.schema import DISPLAY_SHARE_DECIMALS
from vbp.calc.validate import Inputs
from vbp.core import vectorized
from vbp.core.money import round_fraction
from vbp.core.retention import ProductRow, RowResult, compute_row, hospital_payable
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


def compute_rows(inputs: Inputs, rule_set: RuleSet) -> Frames:
    """The per-row core over every row: the reference path, exact at any size."""
    totals = dict(inputs.hospitals.select("hospital", "total_visits").iter_rows())
    pools: dict[str, dict[str, int]] = defaultdict(dict)
    for hospital, pool, count in inputs.visits.select("hospital", "pool", "visits").iter_rows():
        pools[hospital][pool] = count
    keys, results = [], []
    for record in inputs.products.select(*RowKey._fields, *INPUT_FIELDS).iter_rows(named=True):
        values = {field: record[field] for field in INPUT_FIELDS}
        values["pay_ratio"] = Decimal(values["pay_ratio"])
        hospital = record["hospital"]
        keys.append(RowKey(*(record[field] for field in RowKey._fields)))
        results.append(compute_row(rule_set, ProductRow(**values), pools[hospital], totals[hospital]))
    return result_frames(rule_set, keys, results, {hospital: list(counts) for hospital, counts in pools.items()})


INPUT_FIELDS = (
    "score", "agreed_volume", "base_volume", "bid_price", "weighted_avg_price",
    "nonselected_amount", "pay_ratio", "actual_volume", "renewal",
)  # fmt: skip
MONEY_FIELDS = ("budget", "actual_cost", "surplus")


class RowKey(NamedTuple):
    """What names a product row in the output sheets."""

    hospital: str
    hospital_name: str | None
    batch: str
    generic_name: str


def result_frames(
    rule_set: RuleSet, keys: Iterable[RowKey], results: Iterable[RowResult], pool_order: Mapping[str, Iterable[str]]
) -> Frames:
    """The output frames of per-row results, as the column engine gives them.

    The one implementation for the row engine and for a workbook of the web
    system's own results (``vbp.calc.workbook``). A row's pools follow its
    hospital's ``pool_order`` (the order of 参保住院人次), any other pool after them.
    """
    shown = _DisplayShares(rule_set)
    positions = {hospital: {pool: index for index, pool in enumerate(pools)} for hospital, pools in pool_order.items()}
    columns: dict[str, list] = {name: [] for name in ROW_FIELDS}
    pool_columns: dict[str, list] = {name: [] for name in POOL_FIELDS}
    by_hospital: dict[str, list[Decimal]] = defaultdict(list)
    names: dict[str, str | None] = {}
    for row_id, (key, result) in enumerate(zip(keys, results, strict=True)):
        for name in ROW_FIELDS:
            columns[name].append(getattr(result, name))
        by_hospital[key.hospital].append(result.retained_amount)
        if names.get(key.hospital) is None:  # the hospital's first name given, as the column engine takes it
            names[key.hospital] = key.hospital_name
        position = positions.get(key.hospital, {})
        for pool, amount in result.pool_amounts.items():
            values = {
                "row_id": row_id, "position": position.get(pool, len(position)), "hospital": key.hospital,
                "batch": key.batch, "generic_name": key.generic_name, "pool": pool, "share": result.shares[pool],
                "amount": amount,
            }  # fmt: skip
            for name, value in values.items():
                pool_columns[name].append(value)
    columns["total_share"] = [shown.of(share) for share in columns["total_share"]]
    pool_columns["share"] = [shown.of(share) for share in pool_columns["share"]]
    return Frames(
        rows=_rows_frame(columns, rule_set),
        pools=_pools_frame(pool_columns, rule_set),
        hospitals=_hospitals_frame(by_hospital, names, rule_set),
    )


ROW_FIELDS = (
    "retention_ratio", "vetoed", *MONEY_FIELDS, "total_share", "retained_amount", "payable_amount",
)  # fmt: skip
POOL_FIELDS = ("row_id", "position", "hospital", "batch", "generic_name", "pool", "share", "amount")


class _DisplayShares:
    """Shares as shown: to the rule set's decimals, else DISPLAY_SHARE_DECIMALS; each value rounded once."""

    def __init__(self, rule_set: RuleSet):
        self.decimals = share_display_decimals(rule_set)
        self.known: dict[Fraction, Decimal] = {}

    def of(self, share: Fraction) -> Decimal:
        value = self.known.get(share)
        if value is None:
            value = self.known[share] = round_fraction(share, self.decimals, "half_up")
        return value


def share_display_decimals(rule_set: RuleSet) -> int:
    return rule_set.share_decimals if rule_set.share_decimals is not None else DISPLAY_SHARE_DECIMALS


def _column(values: list, scale: int | None = None) -> pl.Series:
    if scale is None:
        return pl.Series(values)
    return pl.Series(values, dtype=pl.Decimal(38, scale))


def _scale(values) -> int:
    return max([max(0, -value.as_tuple().exponent) for value in values if value is not None] + [0])


def _rows_frame(columns: dict[str, list], rule_set: RuleSet) -> pl.DataFrame:
    money_scale = max((_scale(columns[name]) for name in MONEY_FIELDS), default=0)
    ratios = columns["retention_ratio"]
    q = rule_set.amount_decimals
    return pl.DataFrame(
        {
            "retention_ratio": _column(ratios, _scale(ratios)),
            "vetoed": pl.Series(columns["vetoed"], dtype=pl.Boolean),
            **{name: _column(columns[name], money_scale) for name in MONEY_FIELDS},
            "total_share": _column(columns["total_share"], share_display_decimals(rule_set)),
            "retained_amount": _column(columns["retained_amount"], q),
            "payable_amount": _column(columns["payable_amount"], q),
        }
    )


def _pools_frame(columns: dict[str, list], rule_set: RuleSet) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "row_id": pl.Series(columns["row_id"], dtype=pl.UInt32),
            "position": pl.Series(columns["position"], dtype=pl.UInt32),
            **{
                name: pl.Series(columns[name], dtype=pl.String)
                for name in ("hospital", "batch", "generic_name", "pool")
            },
            "share": _column(columns["share"], share_display_decimals(rule_set)),
            "amount": _column(columns["amount"], rule_set.amount_decimals),
        }
    )
    return frame.sort("row_id", "position", maintain_order=True).drop("position")


def _hospitals_frame(by_hospital: dict[str, list[Decimal]], names: dict, rule_set: RuleSet) -> pl.DataFrame:
    q = rule_set.amount_decimals
    hospitals = list(by_hospital)
    return pl.DataFrame(
        {
            "hospital": pl.Series(hospitals, dtype=pl.String),
            "hospital_name": pl.Series([names[h] for h in hospitals], dtype=pl.String),
            "product_count": pl.Series([len(by_hospital[h]) for h in hospitals], dtype=pl.Int64),
            "retained_total": _column([sum(by_hospital[h], Decimal(0)) for h in hospitals], q),
            "payable_total": _column([hospital_payable(by_hospital[h], rule_set) for h in hospitals], q),
        }
    )
