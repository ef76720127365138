"""Retained amounts: budget, actual cost, surplus, shares, rounding and splits.

Implements docs/domain.md "The formulas" (seed 000 §3.1):

    留用金额 = 【采购量基数×加权平均价×支付比例 − (约定采购量×中选价格+非中选产品使用金额)×支付比例】
              × 结余留用比例 × 参保患者使用量占比

Arithmetic is exact: Decimal for sums and products (any inexact step raises),
Fraction for shares, and one rounding at the end, as the rule set says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Context, Decimal, Inexact, InvalidOperation, Overflow, localcontext
from fractions import Fraction

from vbp.core.money import round_fraction
from vbp.core.rules import RuleSet
from vbp.core.scoring import evaluate_veto, retention_ratio

ZERO = Decimal(0)
HUNDRED = Decimal(100)
# Sums and products of inputs must never round: a wide precision, and a trap if they would.
EXACT = Context(prec=200, traps=[Inexact, InvalidOperation, Overflow])


@dataclass(frozen=True)
class ProductRow:
    """The inputs of one hospital × product (one batch, one assessment year)."""

    score: Decimal
    agreed_volume: Decimal
    base_volume: Decimal
    bid_price: Decimal
    weighted_avg_price: Decimal
    nonselected_amount: Decimal
    pay_ratio: Decimal  # 医保基金平均支付比例 as a percent, 1–100
    actual_volume: Decimal | None = None
    renewal: bool = False


@dataclass(frozen=True)
class RowResult:
    retention_ratio: Decimal
    vetoed: bool
    budget: Decimal
    actual_cost: Decimal
    surplus: Decimal
    shares: dict[str, Fraction]
    total_share: Fraction
    retained_amount: Decimal
    payable_amount: Decimal
    pool_amounts: dict[str, Decimal]


def budget(base_volume: Decimal, weighted_avg_price: Decimal, pay_ratio: Decimal) -> Decimal:
    """医保资金预算 = 采购量基数 × 同通用名加权平均价 × 支付比例."""
    with localcontext(EXACT):
        return base_volume * weighted_avg_price * pay_ratio / HUNDRED


def actual_cost(agreed_volume: Decimal, bid_price: Decimal, nonselected_amount: Decimal, pay_ratio: Decimal) -> Decimal:
    """实际医保支出 = (约定采购量 × 中选价格 + 非中选产品使用金额) × 支付比例."""
    with localcontext(EXACT):
        return (agreed_volume * bid_price + nonselected_amount) * pay_ratio / HUNDRED


def is_vetoed(rule_set: RuleSet, row: ProductRow) -> bool:
    """一票否决: the rule set's vetoes on agreed vs actual volume; no actual volume, no veto."""
    if row.actual_volume is None:
        return False
    inputs = {"actual_volume": row.actual_volume, "agreed_volume": row.agreed_volume}
    return any(evaluate_veto(veto, inputs).vetoed for veto in volume_vetoes(rule_set))


def effective_ratio(rule_set: RuleSet, row: ProductRow, vetoed: bool) -> Decimal:
    """The ratio actually applied: none when vetoed or for a renewal batch that may not retain."""
    if vetoed or (row.renewal and not rule_set.renewal_retains):
        return ZERO
    return retention_ratio(rule_set, row.score)


def pool_share(visits: int, total_visits: int, rule_set: RuleSet) -> Fraction:
    """参保患者使用量占比 of one pool: visits ÷ total, cut as the rule set says."""
    share = Fraction(visits, total_visits)
    if rule_set.share_decimals is None:
        return share
    return Fraction(round_fraction(share, rule_set.share_decimals, rule_set.share_rounding))


def pool_shares(visits: Mapping[str, int], total_visits: int, rule_set: RuleSet) -> dict[str, Fraction]:
    """Every pool's share of one hospital's patients."""
    return {pool: pool_share(count, total_visits, rule_set) for pool, count in visits.items()}


def retained_amount(surplus_value: Decimal, ratio: Decimal, total_share: Fraction, rule_set: RuleSet) -> Decimal:
    """留用金额 = surplus × ratio × share, rounded half-up once to the rule set's decimals."""
    exact = Fraction(surplus_value) * Fraction(ratio) * total_share
    return round_fraction(exact, rule_set.amount_decimals, "half_up")


def payable_amount(amount: Decimal, rule_set: RuleSet) -> Decimal:
    """应留用金额 of one product: clipped at zero when the rule set clips per product."""
    if rule_set.negative_surplus == "clip_product":
        return max(amount, ZERO.quantize(amount))
    return amount


def hospital_payable(amounts: Iterable[Decimal], rule_set: RuleSet) -> Decimal:
    """应留用金额合计 of a hospital: the per-product payable sums, netted and clipped if the rules say so."""
    amounts = list(amounts)
    total = sum((payable_amount(amount, rule_set) for amount in amounts), ZERO)
    if rule_set.negative_surplus == "net_hospital":
        return max(total, ZERO)
    return total


def allocate(amount: Decimal, weights: Mapping[str, Fraction], decimals: int) -> dict[str, Decimal]:
    """Split a rounded amount over parts in proportion to weights, by largest remainder.

    The parts add up exactly to ``amount``. Ties go to the larger weight first,
    then to the name in order (docs/calculator.md, "Pools' amounts").
    """
    units = int(amount.scaleb(decimals))
    if len(weights) == 1 and next(iter(weights.values())) > 0:  # one part takes it all (most hospitals: one pool)
        return {name: Decimal(units).scaleb(-decimals) for name in weights}
    total_weight = sum(weights.values(), Fraction(0))
    if total_weight == 0:
        if units:
            raise ValueError("cannot allocate a non-zero amount over zero weights")
        return {name: Decimal(0).scaleb(-decimals) for name in weights}
    magnitude, sign = abs(units), (-1 if units < 0 else 1)
    floors, remainders = {}, {}
    for name, weight in weights.items():
        exact = magnitude * weight / total_weight
        floors[name] = exact.numerator // exact.denominator
        remainders[name] = exact - floors[name]
    left = magnitude - sum(floors.values())
    order = sorted(weights, key=lambda name: (-remainders[name], -weights[name], name))
    for name in order[:left]:
        floors[name] += 1
    return {name: Decimal(sign * floors[name]).scaleb(-decimals) for name in weights}


@dataclass(frozen=True)
class FundSplit:
    employee: Decimal  # 职保
    resident: Decimal  # 居保


def split_funds(amount: Decimal, employee_basis: Decimal, resident_basis: Decimal, decimals: int) -> FundSplit:
    """Split an amount into 职保 and 居保 by their basis (e.g. visits by insurance type).

    The smaller part is rounded half-up and the larger takes the rest, so the
    rounding remainder lands on the larger part and both add up exactly.
    """
    if employee_basis < 0 or resident_basis < 0:
        raise ValueError("fund split basis cannot be negative")
    whole = employee_basis + resident_basis
    if whole == 0:
        raise ValueError("fund split basis is zero for both funds")
    smaller_is_employee = employee_basis < resident_basis
    smaller_basis = employee_basis if smaller_is_employee else resident_basis
    smaller = round_fraction(Fraction(amount) * Fraction(smaller_basis) / Fraction(whole), decimals, "half_up")
    larger = amount - smaller
    if smaller_is_employee:
        return FundSplit(employee=smaller, resident=larger)
    return FundSplit(employee=larger, resident=smaller)


def compute_row(rule_set: RuleSet, row: ProductRow, visits: Mapping[str, int], total_visits: int) -> RowResult:
    """Every figure of one product row, from its inputs and its hospital's visits by pool."""
    if total_visits <= 0:
        raise ValueError("total visits must be positive")
    if sum(visits.values()) > total_visits:
        raise ValueError("pools' visits exceed the hospital total")
    vetoed = is_vetoed(rule_set, row)
    ratio = effective_ratio(rule_set, row, vetoed)
    row_budget = budget(row.base_volume, row.weighted_avg_price, row.pay_ratio)
    row_cost = actual_cost(row.agreed_volume, row.bid_price, row.nonselected_amount, row.pay_ratio)
    with localcontext(EXACT):
        row_surplus = row_budget - row_cost
    shares = pool_shares(visits, total_visits, rule_set)
    total_share = sum(shares.values(), Fraction(0))
    amount = retained_amount(row_surplus, ratio, total_share, rule_set)
    return RowResult(
        retention_ratio=ratio,
        vetoed=vetoed,
        budget=row_budget,
        actual_cost=row_cost,
        surplus=row_surplus,
        shares=shares,
        total_share=total_share,
        retained_amount=amount,
        payable_amount=payable_amount(amount, rule_set),
        pool_amounts=allocate(amount, shares, rule_set.amount_decimals),
    )


VOLUME_FIELDS = ("actual_volume", "agreed_volume")


def volume_vetoes(rule_set: RuleSet) -> tuple:
    """The vetoes on actual ÷ agreed volume: the ones a product row alone can decide."""
    return tuple(veto for veto in rule_set.vetoes if (veto.numerator, veto.denominator) == VOLUME_FIELDS)
