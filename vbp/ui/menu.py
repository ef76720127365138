"""What an area's menu.py gives the shell: its entries, each with its group, label, URL name and the predicate of
vbp.permissions that admits a user. The shell (vbp.web.context) gathers every area's entries and draws the side menu
in the seeds' order, the groups named as seed 000 (Shanxi) and seed 001 (Wuhan) name them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from vbp.accounts.models import Role

# The groups of the side menu. The first two are seed 000's, the third Wuhan's (seed 001); the seeds name no group
# for the master data and the administrators' pages.
ASSESSMENT = "医疗机构医保资金考核评分"
FUNDING = "医保资金留用金额信息维护"
WUHAN = "带量采购结余留用"
MONITORING = "采购使用监测"  # seed 003's duty, beside the retention work
MASTER_DATA = "基础数据"
SYSTEM = "系统管理"
TOP = ""  # an entry of its own above the groups: 首页, 通知公告

# The seeds' order: the groups, and within each the URL names of its entries. An entry whose URL name is not listed
# here comes last in its group, so a new page is never left out of the menu for want of a place.
ORDER: dict[str, tuple[str, ...]] = {
    TOP: ("home", "notices:list"),
    ASSESSMENT: (
        "assessment:self_batches",
        "assessment:review_policy",
        "assessment:review_tasks",
        "funding:amounts",
        "assessment:view_policy",
        "assessment:view_tasks",
        "funding:overview",
    ),
    FUNDING: ("funding:pay_ratios", "funding:visits", "funding:capital_visits", "funding:shares"),
    WUHAN: ("assessment:offline_batches", "funding:surplus", "appeals:list"),
    MONITORING: (
        "monitoring:progress",
        "monitoring:reports",
        "monitoring:late_payments",
        "monitoring:payments",
        "monitoring:delivery",
        "monitoring:offline",
        "supervision:distributors",
        "supervision:issues",
        "supervision:interviews",
        "monitoring:bulletin",
    ),
    MASTER_DATA: ("catalog:hospitals", "platformdata:records", "platformdata:imports"),
    SYSTEM: (
        "admin:index",
        "accounts:security",
        "accounts:authorizations",
        "accounts:tokens",
        "audit:operations",
        "audit:logins",
    ),
}


@dataclass(frozen=True)
class Entry:
    """One link of the side menu. ``allows`` is the predicate (vbp.permissions) of the page the link opens; ``roles``,
    when given, narrows the entry to those roles, for a page the seeds name differently per role (住院人次维护 is
    the hospital's 上一年度住院总人次填报 and the remote platform's 省内异地参保患者住院人次维护)."""

    group: str
    label: str
    url_name: str
    allows: Callable[[object], bool]
    roles: Collection[Role] | None = None

    def admits(self, user) -> bool:
        return self.allows(user) and (self.roles is None or user.role in self.roles)
