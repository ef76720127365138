"""Exact decimal helpers: parsing, rounding and rational rounding of money."""

from __future__ import annotations

import re
from decimal import MAX_EMAX, MIN_EMIN, ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from fractions import Fraction

ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "down": ROUND_DOWN}

_SEPARATORS = re.compile(r"[,\s，]")


class NumberFormatError(ValueError):
    """Raised when text is not a number."""


def parse_decimal(value: object) -> Decimal:
    """Read a number given as int, Decimal or text ("1,234.50", " 70 ").

    Floats are refused: a float is already inexact, so it must never reach money.
    """
    if isinstance(value, bool):
        raise NumberFormatError("不是数字")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = _SEPARATORS.sub("", value)
        if not text:
            raise NumberFormatError("为空")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise NumberFormatError("不是数字") from None
    else:
        raise NumberFormatError(f"不支持的数值类型 {type(value).__name__}")
    if not result.is_finite():
        raise NumberFormatError("不是有限数字")
    return result


EXCEL_SIGNIFICANT_DIGITS = 15


def excel_number(value: float) -> Decimal:
    """A number cell read from a spreadsheet, as the decimal Excel shows: 15 significant digits.

    Spreadsheet files store numbers as binary doubles, so this is the one place a
    float becomes a Decimal: 129.397 comes back as 129.397, not 129.39699999999999.
    """
    if value != value or value in (float("inf"), float("-inf")):
        raise NumberFormatError("不是有限数字")
    if value.is_integer() and abs(value) < 10**EXCEL_SIGNIFICANT_DIGITS:
        return Decimal(int(value))
    shortest = repr(value)  # the shortest text that reads back as this double
    if "e" not in shortest and len(shortest.replace("-", "").replace(".", "").lstrip("0")) <= EXCEL_SIGNIFICANT_DIGITS:
        return Decimal(shortest)  # already within what Excel shows
    return Decimal(format(value, f".{EXCEL_SIGNIFICANT_DIGITS}g")).normalize()


def quantum(decimals: int) -> Decimal:
    """The smallest unit at ``decimals`` places: 2 → Decimal('0.01')."""
    return Decimal(1).scaleb(-decimals)


def round_decimal(value: Decimal, decimals: int, mode: str = "half_up") -> Decimal:
    """Round a Decimal to ``decimals`` places; half-up means half away from zero."""
    return value.quantize(quantum(decimals), rounding=ROUNDING_MODES[mode])


def quantize_half_up(value: Decimal, decimals: int) -> Decimal:
    """A figure as shown or exported: ``decimals`` places, half away from zero, as the rule sets and Excel round.

    The one place display and export rounding is defined (a bare ``quantize`` or an f-string rounds half-even).
    Exact at any size: the precision is what the result needs, not the context's 28 digits.
    """
    needed = max(value.adjusted(), 0) + decimals + 2  # integer digits, decimals, and room for a carry
    context = Context(prec=max(needed, 1), Emax=MAX_EMAX, Emin=MIN_EMIN)
    return value.quantize(quantum(decimals), rounding=ROUND_HALF_UP, context=context)


def round_fraction(value: Fraction, decimals: int, mode: str = "half_up") -> Decimal:
    """Round an exact rational to ``decimals`` places, exactly, with one rounding."""
    scaled = value * 10**decimals
    sign = -1 if scaled < 0 else 1
    numerator, denominator = abs(scaled.numerator), scaled.denominator
    if mode == "half_up":
        units = (2 * numerator + denominator) // (2 * denominator)
    elif mode == "down":
        units = numerator // denominator
    else:
        raise ValueError(f"unknown rounding mode {mode!r}")
    return Decimal(sign * units).scaleb(-decimals) if units else Decimal(0).scaleb(-decimals)


def to_fraction(value: Decimal | int) -> Fraction:
    """An exact rational of a Decimal or int."""
    return Fraction(value)
