"""Reads the appeal pages share: who has them, which appeals each user sees or answers, and 待办.

Nothing here writes; the verbs are in services.py.
"""

from __future__ import annotations

from django.db.models import F, Q, QuerySet
from django.urls import reverse

from vbp import permissions
from vbp.accounts.models import Role
from vbp.accounts.scope import NOTHING
from vbp.appeals.models import Appeal
from vbp.platformdata.models import PlatformRecord


def appeals_for(user) -> QuerySet:
    """The appeals ``user`` may read: in scope, and a role with appeal pages."""
    if not permissions.has_appeal_pages(user):
        return Appeal.objects.none()
    return Appeal.objects.visible_to(user).select_related("hospital__city", "hospital__district", "batch")


def answerer_filter(user) -> Q:
    """permissions.answers_appeals as a filter on appeals (tests hold the two together)."""
    if not permissions.has_appeal_pages(user) or user.role == Role.HOSPITAL:
        return NOTHING
    if user.role == Role.PROVINCE:
        return Q()
    if not user.region_id:
        return NOTHING
    place = "hospital__city_id" if user.role == Role.CITY else "hospital__district_id"
    return Q(hospital__province_direct=False, **{place: user.region_id})


def appeals_to_answer(user) -> QuerySet:
    """The appeals this bureau replies to and closes."""
    return appeals_for(user).filter(answerer_filter(user))


def appealable(user) -> list[tuple[int, int]]:
    """The (batch id, year) pairs a hospital may appeal on: those it is assessed on (it has platform data for)."""
    if not permissions.files_appeals(user):
        return []
    return list(
        PlatformRecord.objects.visible_to(user)
        .values_list("product__batch", "year")
        .distinct()
        .order_by("-year", "product__batch__cycle_start", "product__batch__code")
    )


def unread_filter() -> Q:
    """Appeals whose bureau wrote after the hospital last opened them."""
    return Q(bureau_wrote_at__isnull=False) & (
        Q(hospital_read_at__isnull=True) | Q(hospital_read_at__lt=F("bureau_wrote_at"))
    )


def appeal_todos(user) -> list[tuple[str, str]]:
    """待办 for the home page, as (text, url): a bureau's appeals waiting for its reply; a hospital's unread answers."""
    if not permissions.has_appeal_pages(user):
        return []
    if user.role == Role.HOSPITAL:
        unread = appeals_for(user).filter(unread_filter()).order_by("-bureau_wrote_at")
        return [
            (f"申诉“{appeal.title}”{appeal.get_status_display()}，有新的回复待查看", _detail_url(appeal))
            for appeal in unread
        ]
    count = appeals_to_answer(user).filter(status=Appeal.Status.PENDING).count()
    if not count:
        return []
    return [(f"申诉{Appeal.Status.PENDING.label}（{count} 件）", f"{reverse('appeals:list')}?to_answer=1")]


def _detail_url(appeal: Appeal) -> str:
    return reverse("appeals:detail", args=[appeal.pk])
