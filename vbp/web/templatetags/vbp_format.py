"""Number formats users expect, defined once: money, percent, volume."""

from decimal import Decimal
from fractions import Fraction

from django import template

from vbp.core.money import round_fraction

register = template.Library()


@register.filter
def money(value, decimals: int = 2) -> str:
    """Yuan with thousands separators and fixed decimals: 1,494,450.00."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.{int(decimals)}f}"


@register.filter
def percent(value) -> str:
    """A ratio (0.7611) as a percent with 2 decimals: 76.11%."""
    if value is None or value == "":
        return ""
    if isinstance(value, Fraction):  # an exact share (the core keeps them so): shown to 2 decimals, half up
        return f"{round_fraction(value * 100, 2, 'half_up')}%"
    return f"{Decimal(value) * 100:.2f}%"


@register.filter
def volume(value) -> str:
    """Volumes as integers with thousands separators."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.0f}"
