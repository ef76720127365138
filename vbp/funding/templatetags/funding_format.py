"""The funding pages' own template filters."""

from decimal import Decimal
from fractions import Fraction

from django import template

register = template.Library()


@register.filter
def pool_split(pool_amounts: dict) -> list[tuple[str, Fraction, Decimal]]:
    """A product row's split over the pools as the core stored it ({pool: [share, amount]} as text): (pool, exact
    share, 留用金额), the amounts adding up to the row's."""
    return [(pool, Fraction(share), Decimal(amount)) for pool, (share, amount) in (pool_amounts or {}).items()]
