"""The shell's own entries in the side menu: 首页, and 通知公告 once the notices app's pages are there."""

from django.urls import NoReverseMatch, reverse

from vbp import permissions
from vbp.ui.menu import TOP, Entry


def _active(user) -> bool:
    return user.is_authenticated and user.is_active


def _resolves(url_name: str) -> bool:
    try:
        reverse(url_name)
    except NoReverseMatch:
        return False
    return True


def entries() -> tuple[Entry, ...]:
    found = [Entry(TOP, "首页", "home", _active)]
    if _resolves("notices:list"):
        found.append(Entry(TOP, "通知公告", "notices:list", permissions.sees_business_data))
    return tuple(found)
