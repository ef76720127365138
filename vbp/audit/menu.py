"""This area's entries in the side menu (gathered by vbp.web.context): the audit administrator's two logs."""

from vbp import permissions
from vbp.ui.menu import SYSTEM, Entry


def entries() -> tuple[Entry, ...]:
    return (
        Entry(SYSTEM, "操作日志", "audit:operations", permissions.reads_audit_log),
        Entry(SYSTEM, "登录日志", "audit:logins", permissions.reads_audit_log),
    )
