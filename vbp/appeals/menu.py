"""This area's entries in the side menu (gathered by vbp.web.context): Wuhan's 申诉管理."""

from vbp import permissions
from vbp.ui.menu import WUHAN, Entry


def entries() -> tuple[Entry, ...]:
    return (Entry(WUHAN, "申诉管理", "appeals:list", permissions.has_appeal_pages),)
