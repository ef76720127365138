"""This area's entries in the side menu (gathered by vbp.web.context)."""

from vbp import permissions
from vbp.ui.menu import MASTER_DATA, Entry


def entries() -> tuple[Entry, ...]:
    return (
        Entry(MASTER_DATA, "平台数据", "platformdata:records", permissions.sees_business_data),
        Entry(MASTER_DATA, "数据导入", "platformdata:imports", permissions.imports_data),
    )
