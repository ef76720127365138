"""This area's entries in the side menu (gathered by vbp.web.context)."""

from vbp import permissions
from vbp.ui.menu import MONITORING, Entry


def entries() -> tuple[Entry, ...]:
    sees = permissions.sees_business_data
    return (
        Entry(MONITORING, "采购进度", "monitoring:progress", sees),
        Entry(MONITORING, "逾期回款", "monitoring:late_payments", sees),
        Entry(MONITORING, "报量核对", "monitoring:reports", sees),
        Entry(MONITORING, "回款情况", "monitoring:payments", sees),
        Entry(MONITORING, "配送情况", "monitoring:delivery", sees),
        Entry(MONITORING, "线下采购", "monitoring:offline", sees),
        Entry(MONITORING, "季度通报", "monitoring:bulletin", sees),
        Entry(MONITORING, "重新计算", "monitoring:refresh", permissions.refreshes_monitoring),
    )
