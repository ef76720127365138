"""The side menu each user sees: every area gives its entries (its menu.py), the shell gathers them here.

The groups and the order within them are the seeds' (vbp.ui.menu.ORDER); an entry is shown to the users its predicate
(vbp.permissions) admits; the entry of the current page is marked, and its group open.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from vbp.accounts import menu as accounts_menu
from vbp.appeals import menu as appeals_menu
from vbp.assessment import menu as assessment_menu
from vbp.audit import menu as audit_menu
from vbp.catalog import menu as catalog_menu
from vbp.funding import menu as funding_menu
from vbp.monitoring import menu as monitoring_menu
from vbp.platformdata import menu as platformdata_menu
from vbp.supervision import menu as supervision_menu
from vbp.ui.menu import ORDER, TOP, Entry
from vbp.web import menu as shell_menu

AREAS = (
    shell_menu,
    assessment_menu,
    funding_menu,
    appeals_menu,
    monitoring_menu,
    supervision_menu,
    catalog_menu,
    platformdata_menu,
    accounts_menu,
    audit_menu,
)


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    current: bool = False


@dataclass(frozen=True)
class Group:
    label: str
    links: tuple[Link, ...]
    open: bool  # the group of the current page; every group on a page of none (首页, 个人信息)


@dataclass(frozen=True)
class Menu:
    links: tuple[Link, ...]  # above the groups: 首页, 通知公告
    groups: tuple[Group, ...]

    @property
    def all_links(self) -> tuple[Link, ...]:
        return self.links + tuple(link for group in self.groups for link in group.links)


def _position(entry: Entry) -> tuple[int, int]:
    groups = list(ORDER)
    group = groups.index(entry.group) if entry.group in groups else len(groups)
    names = ORDER.get(entry.group, ())
    return group, names.index(entry.url_name) if entry.url_name in names else len(names)


def all_entries() -> tuple[Entry, ...]:
    """Every area's entries in the seeds' order (stable within a place: the order an area gives them)."""
    return tuple(sorted((entry for area in AREAS for entry in area.entries()), key=_position))


def _current(path: str, urls: list[str]) -> str | None:
    """The URL of the entry the page at ``path`` belongs to: the longest one it is at or under (/ only itself)."""
    matches = [url for url in urls if path == url or (url != "/" and path.startswith(url))]
    return max(matches, key=len, default=None)


def menu_for(user, path: str) -> Menu:
    admitted = [(entry, reverse(entry.url_name)) for entry in all_entries() if entry.admits(user)]
    current = _current(path, [url for _, url in admitted])
    links: list[Link] = []
    groups: dict[str, list[Link]] = {}
    for entry, url in admitted:
        link = Link(entry.label, url, url == current)
        if entry.group == TOP:
            links.append(link)
        else:
            groups.setdefault(entry.group, []).append(link)
    in_group = any(link.current for group in groups.values() for link in group)
    return Menu(
        tuple(links),
        tuple(
            Group(label, tuple(group), any(link.current for link in group) or not in_group)
            for label, group in groups.items()
        ),
    )


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": Menu((), ())}
    return {"menu": menu_for(user, request.path)}
