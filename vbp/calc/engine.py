"""Computing a validated input: the vectorised path when 128 bits suffice, else row by row.

Both paths call formulas of the core (``vbp.core.retention`` per row,
``vbp.core.vectorized`` per column) and give identical figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from operator import attrgetter
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
    "score",
    "agreed_volume",
    "base_volume",
    "bid_price",
    "weighted_avg_price",
    "nonselected_amount",
    "pay_ratio",
    "actual_volume",
    "renewal",
)
MONEY_FIELDS = ("budget", "actual_cost", "surplus")


class RowKey(NamedTuple):
    """What names a product row in the output sheets."""

    hospital: str
    hospital_name: str | None
    batch: str
    generic_name: str

    @property
    def place(self) -> tuple[str, str, str]:
        """What names the row on 分统筹区留用金额: hospital, batch, generic name."""
        return self.hospital, self.batch, self.generic_name


def result_frames(
    rule_set: RuleSet, keys: Iterable[RowKey], results: Iterable[RowResult], pool_order: Mapping[str, Iterable[str]]
) -> Frames:
    """The output frames of per-row results, as the column engine gives them (see ``ResultFrames``)."""
    frames = ResultFrames(rule_set, pool_order)
    frames.add(keys, results)
    return frames.frames()


class ResultFrames:
    """Output frames built from per-row results, a block of rows at a time.

    The one implementation for the row engine and for a workbook of the web
    system's own results (``vbp.calc.workbook``), which adds its rows in blocks
    so that a million of them never stand as Python objects at once. A row's
    pools follow its hospital's ``pool_order`` (the order of 参保住院人次), any
    other pool after them.
    """

    def __init__(self, rule_set: RuleSet, pool_order: Mapping[str, Iterable[str]]):
        self.rule_set = rule_set
        self.shown = _DisplayShares(rule_set)
        self.positions = {
            hospital: {pool: index for index, pool in enumerate(pools)} for hospital, pools in pool_order.items()
        }
        self.rows: list[pl.DataFrame] = []
        self.pools: list[pl.DataFrame] = []
        self.by_hospital: dict[str, list[Decimal]] = defaultdict(list)
        self.names: dict[str, str | None] = {}
        self.count = 0

    def add(self, keys: Iterable[RowKey], results: Iterable[RowResult]) -> None:
        """The next rows, each named by its key."""
        rows, pools = [], []
        for row_id, (key, result) in enumerate(zip(keys, results, strict=True), start=self.count):
            rows.append(_row_values(result))
            self.by_hospital[key.hospital].append(result.retained_amount)
            if self.names.get(key.hospital) is None:  # the hospital's first name given, as the column engine takes it
                self.names[key.hospital] = key.hospital_name
            position = self.positions.get(key.hospital, {})
            for pool, amount in result.pool_amounts.items():
                share = result.shares[pool]
                pools.append((row_id, position.get(pool, len(position)), *key.place, pool, share, amount))
        self.count += len(rows)
        columns = _transposed(rows, ROW_FIELDS)
        columns["total_share"] = [self.shown.of(share) for share in columns["total_share"]]
        pool_columns = _transposed(pools, POOL_FIELDS)
        pool_columns["share"] = [self.shown.of(share) for share in pool_columns["share"]]
        self.rows.append(_rows_frame(columns, self.rule_set))
        self.pools.append(_pools_frame(pool_columns, self.rule_set))

    def frames(self) -> Frames:
        """All rows added, their pools, and the hospitals' totals."""
        if not self.rows:
            self.add([], [])
        return Frames(
            rows=_concat(self.rows),
            pools=_concat(self.pools),
            hospitals=_hospitals_frame(self.by_hospital, self.names, self.rule_set),
        )


def _concat(blocks: list[pl.DataFrame]) -> pl.DataFrame:
    """Blocks of rows as one frame; a decimal column takes the largest scale of its blocks."""
    return blocks[0] if len(blocks) == 1 else pl.concat(blocks, how="vertical_relaxed")


ROW_FIELDS = (
    "retention_ratio",
    "vetoed",
    *MONEY_FIELDS,
    "total_share",
    "retained_amount",
    "payable_amount",
)
POOL_FIELDS = ("row_id", "position", "hospital", "batch", "generic_name", "pool", "share", "amount")
_row_values = attrgetter(*ROW_FIELDS)


def _transposed(rows: list[tuple], names: tuple[str, ...]) -> dict[str, list]:
    """Rows of values as columns by name."""
    columns = list(zip(*rows, strict=True)) or [()] * len(names)
    return {name: list(column) for name, column in zip(names, columns, strict=True)}


class _DisplayShares:
    """Shares as shown: to the rule set's decimals, else DISPLAY_SHARE_DECIMALS; each value rounded once."""

    def __init__(self, rule_set: RuleSet):
        self.decimals = share_display_decimals(rule_set)
        self.known: dict[tuple[int, int], Decimal] = {}  # by numerator and denominator: faster than a Fraction's hash

    def of(self, share: Fraction) -> Decimal:
        key = share.numerator, share.denominator
        value = self.known.get(key)
        if value is None:
            value = self.known[key] = round_fraction(share, self.decimals, "half_up")
        return value


def share_display_decimals(rule_set: RuleSet) -> int:
    return rule_set.share_decimals if rule_set.share_decimals is not None else DISPLAY_SHARE_DECIMALS


def decimal_column(values: list, scale: int | None = None) -> pl.Series:
    """Exact Decimals or ints (None for an empty cell) as a Decimal column: at ``scale``, else at the most decimals.

    The values go to Polars as plain text, several times faster than as Decimal objects.
    """
    texts = pl.Series([None if value is None else format(value, "f") for value in values], dtype=pl.String)
    if scale is None:
        scale = (texts.str.len_bytes() - texts.str.find(".", literal=True) - 1).max() or 0
    column = texts.str.to_decimal(scale=scale)
    if column.null_count() != texts.null_count():  # Polars gives null for what 38 digits cannot hold
        raise OverflowError("数值超过 38 位有效数字")
    return column


def _rows_frame(columns: dict[str, list], rule_set: RuleSet) -> pl.DataFrame:
    q = rule_set.amount_decimals
    return pl.DataFrame(
        {
            "retention_ratio": decimal_column(columns["retention_ratio"]),
            "vetoed": pl.Series(columns["vetoed"], dtype=pl.Boolean),
            **{name: decimal_column(columns[name]) for name in MONEY_FIELDS},
            "total_share": decimal_column(columns["total_share"], share_display_decimals(rule_set)),
            "retained_amount": decimal_column(columns["retained_amount"], q),
            "payable_amount": decimal_column(columns["payable_amount"], q),
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
            "share": decimal_column(columns["share"], share_display_decimals(rule_set)),
            "amount": decimal_column(columns["amount"], rule_set.amount_decimals),
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
            "retained_total": decimal_column([sum(by_hospital[h], Decimal(0)) for h in hospitals], q),
            "payable_total": decimal_column([hospital_payable(by_hospital[h], rule_set) for h in hospitals], q),
        }
    )
