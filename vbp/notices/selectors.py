"""Reads of the notices: the latest a user may see (the home page), and the list's rows. Nothing here writes."""

from __future__ import annotations

from django.db.models import F, QuerySet

from vbp.notices.models import Notice

HOME_LIMIT = 5


def notices_for(user, limit: int = HOME_LIMIT) -> list[Notice]:
    """The latest published notices ``user`` may see, pinned (置顶) first: what the home page shows."""
    published = Notice.objects.visible_to(user).filter(status=Notice.Status.PUBLISHED)
    return list(published.select_related("published_by").order_by("-pinned", "-published_at", "-pk")[:limit])


def notice_rows(user) -> QuerySet:
    """Every notice ``user`` may see, for the list: pinned first, then the newest; the province's drafts on top."""
    return (
        Notice.objects.visible_to(user)
        .select_related("published_by")
        .prefetch_related("cities")
        .order_by("-pinned", F("published_at").desc(nulls_first=True), "-pk")
    )
