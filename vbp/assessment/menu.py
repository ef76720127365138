"""This area's entries in the side menu (gathered by vbp.web.context): seed 000's 考核评分 pages, the hospital's
self-assessment, and Wuhan's offline scoring (结余测算数据上报)."""

from vbp import permissions
from vbp.accounts.models import Role
from vbp.ui.menu import ASSESSMENT, WUHAN, Entry


def entries() -> tuple[Entry, ...]:
    return (
        Entry(
            ASSESSMENT, "自评填报", "assessment:self_batches", permissions.sees_business_data, roles=(Role.HOSPITAL,)
        ),
        Entry(ASSESSMENT, "落实集采政策评分审核", "assessment:review_policy", permissions.reviews_assessments),
        Entry(ASSESSMENT, "集采任务完成情况评分审核", "assessment:review_tasks", permissions.reviews_assessments),
        Entry(ASSESSMENT, "落实集采政策评分查看", "assessment:view_policy", permissions.views_scores),
        Entry(ASSESSMENT, "集采任务完成情况评分查看", "assessment:view_tasks", permissions.views_scores),
        Entry(WUHAN, "结余测算数据上报", "assessment:offline_batches", permissions.reviews_assessments),
    )
