"""A hospital's totals over its product rows: what it is paid, by pool and by fund.

docs/domain.md "Province-direct hospitals" and "Fund split", docs/calculator.md 汇总:
the totals are sums of the rounded row amounts; the payable total is split over the
pools by their shares and over the two funds by their basis, each split adding up
exactly to the whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from vbp.core.retention import FundSplit, RowResult, allocate, hospital_payable, split_funds
from vbp.core.rules import RuleSet


@dataclass(frozen=True)
class HospitalTotals:
    product_count: int
    budget: Decimal  # 医保资金预算合计 (exact)
    surplus: Decimal  # 结余测算基数合计 (exact, may be negative)
    retained: Decimal  # 留用金额合计
    payable: Decimal  # 应留用金额合计
    pool_payable: dict[str, Decimal]  # 应留用金额 by pool, adding up to ``payable``
    funds: FundSplit | None  # 职保 / 居保 of ``payable``, where the rule set splits funds


def hospital_totals(
    rule_set: RuleSet,
    results: Sequence[RowResult],
    shares: Mapping[str, Fraction],
    fund_basis: tuple[Decimal, Decimal] | None = None,
) -> HospitalTotals:
    """Totals of one hospital's rows (one batch, one year), with the pool and fund splits of what is paid.

    Per product the payable amount is split over the pools by the hospital's shares; when the
    rule set nets negatives per hospital, the netted total is split instead.
    """
    q = rule_set.amount_decimals
    zero = Decimal(0).scaleb(-q)
    payable = hospital_payable((row.retained_amount for row in results), rule_set)
    if rule_set.negative_surplus == "net_hospital":
        pool_payable = allocate(payable, shares, q)
    else:
        pool_payable = {pool: zero for pool in shares}
        for row in results:
            # the row's own split of its amount, when what is paid is that amount (it was allocated the same way)
            split = row.pool_amounts if row.payable_amount == row.retained_amount else None
            for pool, amount in (split or allocate(row.payable_amount, shares, q)).items():
                pool_payable[pool] += amount
    funds = None
    if rule_set.fund_split and fund_basis is not None:
        funds = split_funds(payable, Decimal(fund_basis[0]), Decimal(fund_basis[1]), q)
    return HospitalTotals(
        product_count=len(results),
        budget=sum((row.budget for row in results), Decimal(0)),
        surplus=sum((row.surplus for row in results), Decimal(0)),
        retained=sum((row.retained_amount for row in results), zero),
        payable=payable,
        pool_payable=pool_payable,
        funds=funds,
    )
