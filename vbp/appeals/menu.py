"""This app's entries in the menu (vbp.web.context.navigation): (label, url) pairs the user may open."""

from django.urls import reverse

from vbp.appeals.selectors import has_appeals


def menu_entries(user) -> list[tuple[str, str]]:
    return [("申诉管理", reverse("appeals:list"))] if has_appeals(user) else []
