"""This area's entries in the side menu (gathered by vbp.web.context)."""

from vbp import permissions
from vbp.ui.menu import MASTER_DATA, Entry


def entries() -> tuple[Entry, ...]:
    return (Entry(MASTER_DATA, "医疗机构", "catalog:hospitals", permissions.sees_business_data),)
