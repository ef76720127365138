"""This area's entries in the side menu (gathered by vbp.web.context)."""

from vbp import permissions
from vbp.ui.menu import MONITORING, Entry


def entries() -> tuple[Entry, ...]:
    return (
        Entry(MONITORING, "配送企业档案", "supervision:distributors", permissions.keeps_distributors),
        Entry(MONITORING, "供应问题反馈", "supervision:issues", permissions.has_supervision_pages),
        Entry(MONITORING, "约谈督导", "supervision:interviews", permissions.has_supervision_pages),
    )
