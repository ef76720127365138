"""Shown and exported figures round half-up (half away from zero), as the rule sets and Excel do — never half-even.

Every formatter and export helper is compared with a reference built from `Decimal.quantize(..., ROUND_HALF_UP)`
in a context wide enough that nothing else rounds.
"""

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vbp.core.money import quantize_half_up
from vbp.funding import workbook
from vbp.funding.lists import product_columns
from vbp.platformdata.fields import CellError, Column
from vbp.ui.templatetags.vbp_format import money, percent, volume

WIDE = 200  # digits: more than any value here holds, so the reference itself never rounds


def reference(value: Decimal, decimals: int) -> Decimal:
    with localcontext() as context:
        context.prec = WIDE
        return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def hundredfold(value: Decimal) -> Decimal:
    with localcontext() as context:
        context.prec = WIDE
        return value * 100


def number(units: int, places: int) -> Decimal:
    """units × 10^-places, built exactly (no context rounding)."""
    return Decimal(f"{units}E-{places}")


# Up to 30 integer digits and up to 12 decimals; ties (a last digit 5) are drawn often on purpose.
plain = st.builds(number, st.integers(-(10**42), 10**42), st.integers(0, 12))
ties = st.builds(
    lambda units, places: number(units * 10 + (5 if units >= 0 else -5), places),
    st.integers(-(10**30), 10**30),
    st.integers(1, 8),
)
decimals = st.one_of(plain, ties)
places = st.integers(0, 4)


@settings(derandomize=True, max_examples=300)
@given(decimals, places)
def test_money_rounds_half_up(value, places):
    expected = f"{reference(value, places):,.{places}f}"
    assert money(value, places) == expected
    assert money(str(value), places) == expected  # a number held as text reads the same
    assert money(format(value, "f"), str(places)) == expected  # the argument as a template passes it


@settings(derandomize=True, max_examples=300)
@given(decimals)
def test_money_defaults_to_two_decimals(value):
    assert money(value) == f"{reference(value, 2):,.2f}"


@settings(derandomize=True, max_examples=300)
@given(decimals)
def test_percent_rounds_half_up(value):
    assert percent(value) == f"{reference(hundredfold(value), 2):.2f}%"


@settings(derandomize=True, max_examples=300)
@given(decimals)
def test_volume_rounds_half_up(value):
    assert volume(value) == f"{reference(value, 0):,.0f}"


@settings(derandomize=True, max_examples=300)
@given(decimals, places)
def test_quantize_half_up_is_the_reference(value, places):
    rounded = quantize_half_up(value, places)
    assert rounded == reference(value, places)
    assert rounded.as_tuple().exponent == -places


@settings(derandomize=True, max_examples=200)
@given(decimals, decimals, decimals, decimals, decimals, places)
def test_the_product_columns_export_money_half_up(budget, cost, surplus, retained, payable, places):
    """The exported product rows: intermediates to the fen, amounts at the row's rule-set places, half up."""
    row = {
        "budget": budget,
        "actual_cost": cost,
        "surplus": surplus,
        "retained_amount": retained,
        "payable_amount": payable,
        "sheet__decimals": places,
    }
    columns = {column.header: column for column in product_columns(None)}
    headers = ("医保资金预算", "实际医保支出", "测算结余", "留用金额", "应留用金额")
    exported = [columns[header].cell(row) for header in headers]
    expected = [reference(value, 2) for value in (budget, cost, surplus)]
    expected += [reference(retained, places), reference(payable, places)]
    assert [str(value) for value in exported] == [str(value) for value in expected]
    assert columns["留用金额"].cell({**row, "retained_amount": None}) is None


@settings(derandomize=True, max_examples=200)
@given(decimals, decimals, decimals, places)
def test_workbook_results_round_half_up(retained, payable, pool_amount, places):
    one = Decimal(1)
    row = SimpleNamespace(
        retention_ratio=one,
        vetoed=False,
        budget=one,
        actual_cost=one,
        surplus=one,
        retained_amount=retained,
        payable_amount=payable,
        pool_amounts={"149900": ["1/3", format(pool_amount, "f")]},
    )
    result = workbook._result(row, places)
    assert result.retained_amount == reference(retained, places)
    assert result.payable_amount == reference(payable, places)
    assert result.pool_amounts == {"149900": reference(pool_amount, places)}
    assert result.shares == {"149900": Fraction(1, 3)}


@settings(derandomize=True, max_examples=200)
@given(st.builds(number, st.integers(-(10**17), 10**17), st.integers(0, 6)), st.integers(0, 3))
def test_import_cells_are_never_rounded(value, places):
    """An imported amount with more decimals than its column holds is refused, whichever way it would round."""
    column = Column("金额", "amount", kind="decimal", decimals=places, minimum=None)
    if abs(value) >= Decimal(10) ** 15 or reference(value, places) != value:
        with pytest.raises(CellError):
            column.read(value)
    else:
        assert column.read(value) == value


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        (money(Decimal("271733.705")), "271,733.71"),  # half-even would show .70; Excel and the rule set show .71
        (money(Decimal("-0.005")), "-0.01"),  # half away from zero
        (money(Decimal("0.005")), "0.01"),
        (money(Decimal("2.675")), "2.68"),
        (money(Decimal("9.995")), "10.00"),
        (money(Decimal("1234.5"), 0), "1,235"),
        (money(Decimal("0.00005"), 4), "0.0001"),
        (money(Decimal("12.5"), "0"), "13"),
        (money(Decimal("-2.5"), 0), "-3"),
        (percent(Decimal("0.123450")), "12.35%"),
        (percent(Decimal("0.0000500")), "0.01%"),
        (percent(Decimal("-0.00005")), "-0.01%"),
        (percent(Decimal("1")), "100.00%"),
        (volume(Decimal("2.5")), "3"),
        (volume(Decimal("-2.5")), "-3"),
        (volume(Decimal("1234567.5")), "1,234,568"),
        # 30 integer digits: beyond the context's 28, where a bare quantize fails and a product rounds half-even
        (money(Decimal("123456789012345678901234567890.125")), "123,456,789,012,345,678,901,234,567,890.13"),
        (money(Decimal("999999999999999999999999999999.995")), "1,000,000,000,000,000,000,000,000,000,000.00"),
        (volume(Decimal("123456789012345678901234567890.5")), "123,456,789,012,345,678,901,234,567,891"),
        (percent(Decimal("1234567890123456789012345678.901234565")), "123456789012345678901234567890.12%"),
        # many decimals: one rounding of the whole value, not of a shortened one
        (money(Decimal("0.004999999999999999999999999999999")), "0.00"),
        (money(Decimal("0.005000000000000000000000000000001")), "0.01"),
        (percent(Decimal("0.1234499999999999999999999999999999")), "12.34%"),
        (percent(Decimal("0.1234500000000000000000000000000001")), "12.35%"),
        (volume(Decimal("0.4999999999999999999999999999999999")), "0"),
        # exact shares stay exact
        (percent(Fraction(1, 8)), "12.50%"),
        (percent(Fraction(123_45, 1_000_00)), "12.35%"),
        (percent(Fraction(1, 3)), "33.33%"),
        (money(Fraction(1, 200)), "0.01"),
        (volume(Fraction(5, 2)), "3"),
        # numbers held as text or int, and floats read as Excel shows them (2.675, not 2.67499999…)
        (
            "|".join([money("271733.705"), money(" 70 "), money(1494450), money(2.675), volume(2.5)]),
            "271,733.71|70.00|1,494,450.00|2.68|3",
        ),
    ],
)
def test_explicit_cases(shown, expected):
    assert shown == expected


@pytest.mark.parametrize("value", [None, ""])
def test_nothing_shows_nothing(value):
    assert money(value) == percent(value) == volume(value) == ""


@pytest.mark.parametrize(
    "value",
    [
        "abc",
        "1,234.5",
        Decimal("NaN"),
        Decimal("-NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        float("nan"),
        float("inf"),
        [1],
        object,
        Decimal("1E+1000"),
    ],
)
def test_what_is_not_a_number_comes_back_as_text(value):
    """A template never fails over a figure it cannot format: it shows what it was given."""
    assert money(value) == money(value, 0) == percent(value) == volume(value) == str(value)


def test_the_filters_render_in_a_template():
    from django.template import Context, Template

    template = Template(
        "{% load vbp_format %}{{ a|money }} {{ a|money:d }} {{ r|percent }} {{ v|volume }} {{ x|money }}"
    )
    context = Context({"a": Decimal("271733.705"), "d": 0, "r": Decimal("0.123450"), "v": Decimal("2.5"), "x": "abc"})
    assert template.render(context) == "271,733.71 271,734 12.35% 3 abc"
