"""Data scope (数据权限): which hospitals a user may reach. The one place this is decided.

Everything a user sees hangs off a hospital, so every model's ``visible_to(user)``
filters through ``hospital_filter``. It fails closed: no user, no role, no region
means nothing.
"""

from __future__ import annotations

from django.db.models import Q

from vbp.accounts.models import Role

NOTHING = Q(pk__in=[])


def hospital_filter(user, prefix: str = "") -> Q:
    """A filter on hospitals (or on objects reaching one through ``prefix``) for ``user``'s scope."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    match user.role:
        case Role.PROVINCE:
            return Q()
        case Role.CITY if user.region_id:
            return Q(**{f"{prefix}city_id": user.region_id})
        case Role.DISTRICT if user.region_id:
            return Q(**{f"{prefix}district_id": user.region_id})
        case Role.REMOTE_PLATFORM:
            return Q(**{f"{prefix}province_direct": True})
        case Role.HOSPITAL if user.hospital_id:
            return Q(**{f"{prefix}pk": user.hospital_id})
    return NOTHING


def sees_business_data(user) -> bool:
    """The three administrators (三员) run the system; they see no bureau or hospital data."""
    return user.is_authenticated and user.role in {
        Role.PROVINCE,
        Role.CITY,
        Role.DISTRICT,
        Role.REMOTE_PLATFORM,
        Role.HOSPITAL,
    }
