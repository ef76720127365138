"""Properties of the core's arithmetic, over random inputs (hypothesis)."""

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from vbp.core.retention import ProductRow, allocate, compute_row, split_funds
from vbp.core.scoring import retention_ratio
from vbp.presets import PRESETS, load_preset

RULE_SETS = [load_preset(name) for name in PRESETS]

amounts = st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
weights = st.dictionaries(st.text(min_size=1, max_size=4), st.integers(0, 10**6), min_size=1, max_size=12).filter(
    lambda d: sum(d.values()) > 0
)
money = st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False)


@given(amounts, weights, st.sampled_from([0, 2]))
def test_pool_parts_always_add_up_to_the_whole(amount, raw_weights, decimals):
    amount = amount.quantize(Decimal(1).scaleb(-decimals))
    parts = allocate(amount, {k: Fraction(v) for k, v in raw_weights.items()}, decimals)
    assert sum(parts.values()) == amount
    assert all(abs(part) <= abs(amount) for part in parts.values())


@given(amounts, st.integers(0, 10**7), st.integers(0, 10**7))
def test_fund_parts_always_add_up_to_the_whole(amount, employee, resident):
    if employee + resident == 0:
        return
    split = split_funds(amount, Decimal(employee), Decimal(resident), 2)
    assert split.employee + split.resident == amount


@given(st.sampled_from(RULE_SETS), st.decimals(min_value=0, max_value=100, places=2))
def test_the_ratio_never_exceeds_the_cap(rule_set, score):
    assert 0 <= retention_ratio(rule_set, score) <= rule_set.ratio_cap


@given(
    st.sampled_from(RULE_SETS),
    st.integers(0, 100),
    money,
    money,
    money,
    money,
    money,
    st.integers(1, 100),
    st.lists(st.integers(0, 5000), min_size=1, max_size=12),
    st.randoms(use_true_random=False),
)
def test_row_results_do_not_depend_on_pool_order(rule_set, score, agreed, base, bid, price, other, pay, visits, rng):
    row = ProductRow(Decimal(score), agreed, base, bid, price, other, Decimal(pay))
    pools = {f"pool{i}": count for i, count in enumerate(visits)}
    total = sum(visits) + 1
    shuffled = list(pools.items())
    rng.shuffle(shuffled)
    first = compute_row(rule_set, row, pools, total)
    second = compute_row(rule_set, row, dict(shuffled), total)
    assert first.retained_amount == second.retained_amount
    assert first.pool_amounts == second.pool_amounts
    assert sum(first.pool_amounts.values()) == first.retained_amount
    assert first.retention_ratio <= rule_set.ratio_cap
