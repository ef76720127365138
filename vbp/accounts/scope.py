"""Data scope (数据权限): which rows a user may reach. The one place this is decided.

Everything a user sees hangs off a hospital, so every scoped model declares the path from
its rows to their hospital (``scope_path``, e.g. ``"report__hospital__"``) and reads through
``ScopedQuerySet.visible_to(user)``, which filters through ``hospital_filter``. The
catalogue (batches, products, regions) is every business user's (``CATALOGUE``). It fails
closed: no user, no role, no region means nothing; a model that declares no path raises.

Views and API endpoints never look an object up themselves: ``get_visible_or_404`` (and the
page decorator of vbp.ui.views, which calls it before the view runs) is the one scoped getter.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.http import Http404

from vbp import permissions
from vbp.accounts.models import Role

NOTHING = Q(pk__in=[])
CATALOGUE = "catalogue"  # a model's scope_path when every business user reads all of it


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


class ScopedQuerySet(models.QuerySet):
    """The rows of a model that declares ``scope_path``, as far as a user may reach them."""

    def visible_to(self, user) -> ScopedQuerySet:
        path = getattr(self.model, "scope_path", None)
        if path is None:
            raise ImproperlyConfigured(f"{self.model.__name__} declares no scope_path")
        if path == CATALOGUE:
            return self if permissions.sees_business_data(user) else self.none()
        return self.filter(hospital_filter(user, prefix=path))


def get_visible_or_404(queryset: models.QuerySet | type[models.Model], user, **lookup):
    """The one object ``lookup`` names among those ``user`` may reach; anything else (missing or not theirs) 404."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    try:
        return queryset.visible_to(user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
