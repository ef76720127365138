"""The retention formulas over whole columns, in exact 128-bit scaled integers.

The per-row core (``vbp.core.retention``) is the reference; this is the same
arithmetic for a million rows at once, and a test proves on random data that
both give identical figures. Every decimal column becomes an Int128 of its
value × 10^scale; products add scales, one half-up rounding ends the row. The
magnitudes are bounded before anything is computed: when a 128-bit integer
could overflow, ``compute`` returns None and the caller uses the per-row core.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import polars as pl

from vbp.core.retention import volume_vetoes
from vbp.core.rules import RuleSet

I128 = pl.Int128
SAFE_BOUND = 2**125  # leaves room for the doubling of half-up rounding


@dataclass
class Frames:
    """Per product row figures; per row × pool amounts; per hospital totals."""

    rows: pl.DataFrame
    pools: pl.DataFrame
    hospitals: pl.DataFrame


def _lit(value: int) -> pl.Expr:
    return pl.lit(value, dtype=I128)


def _scaled(frame: pl.DataFrame, name: str) -> tuple[pl.Expr, int]:
    """A Decimal column as (Int128 expression of value × 10^scale, scale)."""
    dtype = frame.schema[name]
    if isinstance(dtype, pl.Decimal):
        return pl.col(name).to_physical().cast(I128), dtype.scale
    return pl.col(name).cast(I128), 0


def _max_abs(frame: pl.DataFrame, expr: pl.Expr) -> int:
    value = frame.select(expr.abs().max()).item()
    return int(value or 0)


def _shift(expr: pl.Expr, places: int) -> pl.Expr:
    return expr * _lit(10**places) if places else expr


def _round_half_up(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """numerator ÷ denominator (denominator > 0) rounded half away from zero."""
    magnitude = (numerator.abs() * _lit(2) + denominator) // (denominator * _lit(2))
    return pl.when(numerator < _lit(0)).then(_lit(0) - magnitude).otherwise(magnitude)


def _as_decimal(expr: pl.Expr, scale: int) -> pl.Expr:
    """An Int128 of value × 10^scale back to a Decimal column of that scale."""
    return expr.cast(pl.Decimal(38, 0)) * pl.lit(Decimal(1).scaleb(-scale), dtype=pl.Decimal(38, scale))


def _decimals(value: Decimal) -> int:
    return max(0, -value.normalize().as_tuple().exponent)


def _ratio_expr(rule_set: RuleSet, score: pl.Expr, score_scale: int) -> tuple[pl.Expr, int]:
    """Score → ratio bands (≥ min_score), capped, as an Int128 at a common scale."""
    bands = rule_set.ratio_bands
    ratio_scale = max([_decimals(min(b.ratio, rule_set.ratio_cap)) for b in bands] + [0])
    min_scale = max([_decimals(b.min_score) for b in bands] + [score_scale])
    score = _shift(score, min_scale - score_scale)
    expr = _lit(0)
    for band in reversed(bands):  # lowest first, so the highest band that holds wins
        ratio = min(band.ratio, rule_set.ratio_cap)
        expr = (
            pl.when(score >= _lit(int(band.min_score.scaleb(min_scale))))
            .then(_lit(int(ratio.scaleb(ratio_scale))))
            .otherwise(expr)
        )
    return expr, ratio_scale


def _veto_expr(rule_set: RuleSet, frame: pl.DataFrame) -> pl.Expr:
    """actual ÷ agreed below a veto's minimum, when the actual volume is given and agreed > 0."""
    agreed, agreed_scale = _scaled(frame, "agreed_volume")
    actual, actual_scale = _scaled(frame, "actual_volume")
    scale = max(agreed_scale, actual_scale)
    agreed, actual = _shift(agreed, scale - agreed_scale), _shift(actual, scale - actual_scale)
    vetoed = pl.lit(False)
    for veto in volume_vetoes(rule_set):
        minimum = Fraction(veto.minimum)
        below = actual * _lit(minimum.denominator) < agreed * _lit(minimum.numerator)
        vetoed = vetoed | (actual.is_not_null() & (agreed > _lit(0)) & below)
    return vetoed.fill_null(False)


def _retains_nothing(rule_set: RuleSet, frame: pl.DataFrame) -> pl.Expr:
    """Vetoed rows, and rows of a renewal (接续) batch when the rule set lets none retain (docs/domain.md)."""
    nothing = pl.col("vetoed")
    if not rule_set.renewal_retains and "renewal" in frame.columns:
        nothing = nothing | pl.col("renewal").fill_null(False)
    return nothing


def _surplus_exprs(frame: pl.DataFrame) -> tuple[dict[str, pl.Expr], int, int]:
    """Budget, actual cost and surplus as Int128 at one scale, and a bound on their size."""
    base, s_base = _scaled(frame, "base_volume")
    price, s_price = _scaled(frame, "weighted_avg_price")
    agreed, s_agreed = _scaled(frame, "agreed_volume")
    bid, s_bid = _scaled(frame, "bid_price")
    nonselected, s_nonselected = _scaled(frame, "nonselected_amount")
    pay = pl.col("pay_ratio").cast(I128)
    inner = max(s_base + s_price, s_agreed + s_bid, s_nonselected)
    budget = _shift(base * price, inner - s_base - s_price) * pay
    spent = _shift(agreed * bid, inner - s_agreed - s_bid) + _shift(nonselected, inner - s_nonselected)
    cost = spent * pay
    bound = (
        _max_abs(frame, base) * _max_abs(frame, price) * 10 ** (inner - s_base - s_price)
        + _max_abs(frame, agreed) * _max_abs(frame, bid) * 10 ** (inner - s_agreed - s_bid)
        + _max_abs(frame, nonselected) * 10 ** (inner - s_nonselected)
    ) * 100
    return {"budget": budget, "actual_cost": cost, "surplus": budget - cost}, inner + 2, bound


def _share_weights(rule_set: RuleSet, visits: pl.DataFrame, hospitals: pl.DataFrame) -> pl.DataFrame:
    """Each pool's weight: its cut share at the rule set's decimals, or its visits at full precision."""
    joined = visits.with_row_index("pool_order").join(hospitals.select("hospital", "total_visits"), on="hospital")
    count, total = pl.col("visits").cast(I128), pl.col("total_visits").cast(I128)
    if rule_set.share_decimals is None:
        weight = count
    elif rule_set.share_rounding == "down":
        weight = _shift(count, rule_set.share_decimals) // total
    else:
        weight = _round_half_up(_shift(count, rule_set.share_decimals), total)
    return joined.with_columns(weight=weight)


def _display_share(rule_set: RuleSet, weight: pl.Expr, total: pl.Expr, display_decimals: int) -> pl.Expr:
    if rule_set.share_decimals is not None:
        return _as_decimal(weight, rule_set.share_decimals)
    return _as_decimal(_round_half_up(_shift(weight, display_decimals), total), display_decimals)


def compute(
    rule_set: RuleSet,
    products: pl.DataFrame,
    hospitals: pl.DataFrame,
    visits: pl.DataFrame,
    display_share_decimals: int,
) -> Frames | None:
    """Every figure of every product row, or None when 128 bits might not hold them exactly.

    ``products`` has the fields of ``ProductRow``; without a ``renewal`` column no row is of a renewal batch.
    """
    q = rule_set.amount_decimals
    products = products.with_row_index("row_id")
    money, money_scale, surplus_bound = _surplus_exprs(products)
    score, score_scale = _scaled(products, "score")
    ratio, ratio_scale = _ratio_expr(rule_set, score, score_scale)
    weights = _share_weights(rule_set, visits, hospitals)
    per_hospital = weights.group_by("hospital").agg(
        pl.col("weight").sum().alias("weight_sum"), pl.col("total_visits").first()
    )
    weight_bound = _max_abs(per_hospital, pl.col("weight_sum"))
    total_bound = _max_abs(per_hospital, pl.col("total_visits").cast(I128))
    share_scale = rule_set.share_decimals
    if share_scale is None:
        numerator_bound = surplus_bound * 10**ratio_scale * weight_bound * 10**q
        denominator_exp = money_scale + ratio_scale
        if numerator_bound >= SAFE_BOUND or 10**denominator_exp * total_bound >= SAFE_BOUND:
            return None
    else:
        exponent = money_scale + ratio_scale + share_scale - q
        numerator_bound = surplus_bound * 10**ratio_scale * weight_bound * 10 ** max(0, -exponent)
        if numerator_bound >= SAFE_BOUND or 10 ** max(0, exponent) >= SAFE_BOUND:
            return None

    rows = products.join(per_hospital, on="hospital", how="left").with_columns(
        **money, vetoed=_veto_expr(rule_set, products)
    )
    rows = rows.with_columns(ratio=pl.when(_retains_nothing(rule_set, products)).then(_lit(0)).otherwise(ratio))
    product = pl.col("surplus") * pl.col("ratio") * pl.col("weight_sum").cast(I128)
    if share_scale is None:
        units = _round_half_up(
            _shift(product, q), _lit(10 ** (money_scale + ratio_scale)) * pl.col("total_visits").cast(I128)
        )
    elif exponent >= 0:
        units = _round_half_up(product, _lit(10**exponent))
    else:
        units = _shift(product, -exponent)
    rows = rows.with_columns(units=units)
    payable = pl.max_horizontal("units", _lit(0)) if rule_set.negative_surplus == "clip_product" else pl.col("units")
    rows = rows.with_columns(payable_units=payable)

    result_rows = rows.select(
        retention_ratio=_as_decimal(pl.col("ratio"), ratio_scale),
        vetoed=pl.col("vetoed"),
        budget=_as_decimal(pl.col("budget"), money_scale),
        actual_cost=_as_decimal(pl.col("actual_cost"), money_scale),
        surplus=_as_decimal(pl.col("surplus"), money_scale),
        total_share=_display_share(
            rule_set, pl.col("weight_sum").cast(I128), pl.col("total_visits").cast(I128), display_share_decimals
        ),
        retained_amount=_as_decimal(pl.col("units"), q),
        payable_amount=_as_decimal(pl.col("payable_units"), q),
    )
    pools = _allocate(rows, weights, rule_set, display_share_decimals)
    totals = _hospital_totals(rows, rule_set)
    return Frames(rows=result_rows, pools=pools, hospitals=totals)


def _allocate(rows: pl.DataFrame, weights: pl.DataFrame, rule_set: RuleSet, display_decimals: int) -> pl.DataFrame:
    """Each row's rounded amount over its pools by largest remainder (ties: larger share, then pool name)."""
    q = rule_set.amount_decimals
    split = rows.select("row_id", "hospital", "batch", "generic_name", "units", "weight_sum").join(
        weights.select("hospital", "pool", "weight", "total_visits", "pool_order"), on="hospital"
    )
    magnitude = pl.col("units").abs()
    whole = pl.col("weight_sum").cast(I128)
    split = split.with_columns(
        floor=pl.when(whole > _lit(0)).then(magnitude * pl.col("weight") // whole).otherwise(_lit(0)),
        remainder=pl.when(whole > _lit(0)).then(magnitude * pl.col("weight") % whole).otherwise(_lit(0)),
    )
    split = split.with_columns(left=magnitude - pl.col("floor").sum().over("row_id"))
    split = split.sort(["row_id", "remainder", "weight", "pool"], descending=[False, True, True, False]).with_columns(
        rank=pl.int_range(pl.len()).over("row_id").cast(I128)
    )
    part = pl.col("floor") + pl.when(pl.col("rank") < pl.col("left")).then(_lit(1)).otherwise(_lit(0))
    signed = pl.when(pl.col("units") < _lit(0)).then(_lit(0) - part).otherwise(part)
    return split.sort("row_id", "pool_order").select(
        "row_id",
        "hospital",
        "batch",
        "generic_name",
        "pool",
        share=_display_share(rule_set, pl.col("weight"), pl.col("total_visits").cast(I128), display_decimals),
        amount=_as_decimal(signed, q),
    )


def _hospital_totals(rows: pl.DataFrame, rule_set: RuleSet) -> pl.DataFrame:
    q = rule_set.amount_decimals
    totals = rows.group_by("hospital", maintain_order=True).agg(
        pl.col("hospital_name").drop_nulls().first(),
        pl.len().alias("product_count"),
        pl.col("units").sum().alias("retained"),
        pl.col("payable_units").sum().alias("payable"),
    )
    payable = pl.col("payable")
    if rule_set.negative_surplus == "net_hospital":
        payable = pl.max_horizontal(payable, _lit(0))
    return totals.select(
        "hospital",
        "hospital_name",
        pl.col("product_count").cast(pl.Int64),
        retained_total=_as_decimal(pl.col("retained"), q),
        payable_total=_as_decimal(payable, q),
    )
