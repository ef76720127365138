"""Number formats users expect, defined once: money, percent, volume.

Every figure is rounded half-up (half away from zero), as the rule sets and Excel round, by
`quantize_half_up`; the f-string only lays out digits that are already rounded. A value that is not
a number comes back as text: a page never fails over a figure it cannot format.
"""

from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django import template

from vbp.core.money import NumberFormatError, excel_number, quantize_half_up, round_fraction

register = template.Library()

# Magnitudes beyond this are shown as given, not expanded digit by digit (Django's floatformat stops at 200 too).
MAX_DIGITS = 200


def _number(value) -> Decimal | Fraction | None:
    """The value as an exact number, or None when it is not a finite number of a sane size."""
    if isinstance(value, Fraction):
        return value
    try:
        number = excel_number(value) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, NumberFormatError, TypeError, ValueError):
        return None
    if not number.is_finite() or number.adjusted() > MAX_DIGITS:
        return None
    return number


def _rounded(number: Decimal | Fraction, decimals: int) -> Decimal:
    if isinstance(number, Fraction):  # an exact share (the core keeps them so): one exact rounding
        return round_fraction(number, decimals, "half_up")
    return quantize_half_up(number, decimals)


@register.filter
def money(value, decimals: int = 2) -> str:
    """Yuan with thousands separators and fixed decimals: 1,494,450.00."""
    if value is None or value == "":
        return ""
    number, places = _number(value), int(decimals)
    if number is None:
        return str(value)
    return f"{_rounded(number, places):,.{max(places, 0)}f}"


@register.filter
def percent(value) -> str:
    """A ratio (0.7611) as a percent with 2 decimals: 76.11%."""
    if value is None or value == "":
        return ""
    number = _number(value)
    if number is None:
        return str(value)
    hundredfold = number * 100 if isinstance(number, Fraction) else _shifted(number, 2)
    return f"{_rounded(hundredfold, 2):.2f}%"


@register.filter
def volume(value) -> str:
    """Volumes as integers with thousands separators."""
    if value is None or value == "":
        return ""
    number = _number(value)
    if number is None:
        return str(value)
    return f"{_rounded(number, 0):,.0f}"


def _shifted(number: Decimal, places: int) -> Decimal:
    """``number`` × 10^places by moving the point: exact, where a product rounds to the context's 28 digits."""
    sign, digits, exponent = number.as_tuple()
    return Decimal((sign, digits, exponent + places))
