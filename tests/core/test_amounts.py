"""Allocation to pools, the fund split and negative handling (docs/domain.md)."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vbp.core.money import excel_number, round_fraction
from vbp.core.retention import allocate, hospital_payable, payable_amount, split_funds
from vbp.presets import load_preset


def test_province_direct_split_matches_the_seed_section_3_2():
    """Seed 000 §3.2: 省直 11007, 太原市 4403, ten cities 220 each, from shares 50%, 20%, 1%×10."""
    shares = {"省直": Fraction(1, 2), "太原市": Fraction(1, 5)} | {f"city{i}": Fraction(1, 100) for i in range(10)}
    parts = allocate(Decimal("17610"), shares, 0)
    assert parts["省直"] == Decimal("11007")
    assert parts["太原市"] == Decimal("4403")
    assert all(parts[f"city{i}"] == Decimal("220") for i in range(10))


def test_ties_go_to_the_larger_share_then_the_pool_name():
    assert allocate(Decimal("1"), {"甲": Fraction(1), "乙": Fraction(1)}, 0) == {"甲": 0, "乙": 1}
    assert allocate(Decimal("0.01"), {"b": Fraction(1), "a": Fraction(2, 3)}, 2)["b"] == Decimal("0.01")


def test_negative_amounts_are_split_by_magnitude():
    parts = allocate(Decimal("-10"), {"a": Fraction(1), "b": Fraction(1), "c": Fraction(1)}, 0)
    assert sorted(parts.values()) == [-4, -3, -3]


def test_the_fund_remainder_lands_on_the_larger_part():
    split = split_funds(Decimal("100.01"), Decimal(2), Decimal(1), 2)
    assert (split.employee, split.resident) == (Decimal("66.67"), Decimal("33.34"))
    split = split_funds(Decimal("0.01"), Decimal(1), Decimal(1), 2)
    assert split.employee + split.resident == Decimal("0.01")


def test_fund_split_refuses_an_empty_basis():
    with pytest.raises(ValueError, match="zero"):
        split_funds(Decimal(1), Decimal(0), Decimal(0), 2)


def test_negative_handling_per_rule_set():
    assert payable_amount(Decimal("-5.00"), load_preset("default")) == 0
    assert payable_amount(Decimal("-5"), load_preset("shanxi")) == Decimal("-5")
    net = load_preset("default").__class__(**{**load_preset("default").__dict__, "negative_surplus": "net_hospital"})
    assert hospital_payable([Decimal("10"), Decimal("-4")], net) == Decimal("6")
    assert hospital_payable([Decimal("-10"), Decimal("4")], net) == 0


@pytest.mark.parametrize(
    ("value", "decimals", "mode", "expected"),
    [
        (Fraction(5, 2), 0, "half_up", "3"),
        (Fraction(-5, 2), 0, "half_up", "-3"),
        (Fraction(-347834649, 1000), 0, "half_up", "-347835"),
        (Fraction(76116, 100000), 4, "down", "0.7611"),
        (Fraction(1, 3), 2, "half_up", "0.33"),
    ],
)
def test_rounding_is_half_away_from_zero_or_down(value, decimals, mode, expected):
    assert round_fraction(value, decimals, mode) == Decimal(expected)


@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_a_spreadsheet_number_reads_as_the_fifteen_digits_excel_shows(value):
    assert excel_number(value) == Decimal(format(value, ".15g"))
