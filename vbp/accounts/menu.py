"""This area's entries in the side menu (gathered by vbp.web.context): the system administrator's Django admin and the
security administrator's pages. 个人信息 and 修改密码 are every user's, in the top bar."""

from vbp import permissions
from vbp.ui.menu import SYSTEM, Entry


def entries() -> tuple[Entry, ...]:
    return (
        Entry(SYSTEM, "系统管理", "admin:index", permissions.manages_accounts),
        Entry(SYSTEM, "安全设置", "accounts:security", permissions.sets_security_policy),
        Entry(SYSTEM, "用户授权", "accounts:authorizations", permissions.sets_security_policy),
        Entry(SYSTEM, "接口令牌管理", "accounts:tokens", permissions.sets_security_policy),
    )
