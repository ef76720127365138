"""Reads about regions that pages share."""

from __future__ import annotations

from vbp.catalog.models import Hospital
from vbp.regions.models import Region


def region_choices(user, city: str) -> dict:
    """The query form's 地市 and 区县 choices: those of the hospitals ``user`` may reach (区县 of ``city`` if given)."""
    hospitals = Hospital.objects.visible_to(user)
    cities = Region.objects.filter(level=Region.Level.CITY, city_hospitals__in=hospitals).distinct()
    districts = Region.objects.filter(level=Region.Level.DISTRICT, district_hospitals__in=hospitals).distinct()
    if city:
        districts = districts.filter(parent__code=city)
    return {"cities": cities, "districts": districts}
