"""This app's entries in the menu (vbp.web.context.navigation): (label, url) pairs the user may open."""

from django.urls import reverse

from vbp.accounts.models import Role
from vbp.funding import selectors, services


def menu_entries(user) -> list[tuple[str, str]]:
    entries = []
    if services.keeps_pay_ratios(user):
        entries.append(("支付比例维护", reverse("funding:pay_ratios")))
    if selectors.keeps_visits(user):
        entries.append(("住院人次维护" if user.role != Role.HOSPITAL else "住院人次填报", reverse("funding:visits")))
    if selectors.sees_shares(user) and user.role != Role.HOSPITAL:
        entries.append(("住院人次及占比", reverse("funding:shares")))
    if selectors.sees_amounts(user):
        entries.append(("留用金额审核" if user.role != Role.HOSPITAL else "留用金额", reverse("funding:amounts")))
    if selectors.sees_overview(user):
        entries.append(("各地市审核情况", reverse("funding:overview")))
    if selectors.sees_surplus(user):
        entries.append(("医疗机构结余金额", reverse("funding:surplus")))
    return entries
