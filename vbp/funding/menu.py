"""This area's entries in the side menu (gathered by vbp.web.context): seed 000's 医保资金留用金额信息维护, its
留用金额审核 and 审核情况 pages, and Wuhan's 医疗机构结余金额.

The visits page is one page named per role as the seed names it: the bureaus keep their own pool's visits
(本统筹地区), the remote-settlement platform the other cities' (省内异地), the hospital its last year's total.
"""

from vbp import permissions
from vbp.accounts.models import Role
from vbp.permissions import BUREAUS
from vbp.ui.menu import ASSESSMENT, FUNDING, WUHAN, Entry

HOSPITAL = (Role.HOSPITAL,)
PLATFORM = (Role.REMOTE_PLATFORM,)
SHARES = BUREAUS | {Role.REMOTE_PLATFORM}  # a hospital sees its own share on its visits page


def entries() -> tuple[Entry, ...]:
    visits, amounts = permissions.keeps_visits, permissions.sees_amounts
    return (
        Entry(FUNDING, "全省医保基金支付比例维护", "funding:pay_ratios", permissions.keeps_pay_ratios),
        Entry(FUNDING, "本统筹地区参保患者住院人次维护", "funding:visits", visits, roles=BUREAUS),
        Entry(FUNDING, "省内异地参保患者住院人次维护", "funding:visits", visits, roles=PLATFORM),
        Entry(FUNDING, "医疗机构上一年度住院总人次填报", "funding:visits", visits, roles=HOSPITAL),
        # the capital's bureau: its insured's visits at the province-direct hospitals in its city (seed 000 §2.3)
        Entry(FUNDING, "省内异地参保患者住院人次维护", "funding:capital_visits", permissions.keeps_capital_visits),
        Entry(FUNDING, "参保患者住院人次及占比查询", "funding:shares", permissions.sees_shares, roles=SHARES),
        Entry(ASSESSMENT, "医疗机构医保资金留用金额审核", "funding:amounts", amounts, roles=BUREAUS),
        Entry(ASSESSMENT, "医保资金留用金额查看", "funding:amounts", amounts, roles=HOSPITAL),
        Entry(ASSESSMENT, "各地市医保资金留用金额审核情况", "funding:overview", permissions.sees_overview),
        Entry(WUHAN, "医疗机构结余金额", "funding:surplus", permissions.sees_surplus),
    )
