"""The menu each user sees, decided here rather than in templates."""

from django.urls import reverse

from vbp.accounts.models import Role
from vbp.accounts.scope import sees_business_data
from vbp.appeals import menu as appeals_menu
from vbp.assessment.selectors import reviews_assessments, views_scores
from vbp.audit.services import can_read_audit_log
from vbp.funding import menu as funding_menu
from vbp.platformdata.services import can_import


def navigation(request) -> dict:
    user = request.user
    if not user.is_authenticated:
        return {"menu": []}
    menu = [("首页", reverse("home"))]
    if sees_business_data(user):
        menu += [("医疗机构", reverse("catalog:hospitals")), ("平台数据", reverse("platformdata:records"))]
    if user.role == Role.HOSPITAL:
        menu.append(("自评填报", reverse("assessment:self_batches")))
    if reviews_assessments(user):
        menu += [("落实集采政策评分审核", reverse("assessment:review_policy")),
                 ("集采任务完成情况评分审核", reverse("assessment:review_tasks"))]  # fmt: skip
        menu.append(("结余测算数据上报", reverse("assessment:offline_batches")))
    if views_scores(user):
        menu.append(("评分查看", reverse("assessment:view_policy")))
    menu += funding_menu.menu_entries(user)
    menu += appeals_menu.menu_entries(user)
    if can_import(user):
        menu.append(("数据导入", reverse("platformdata:imports")))
    if can_read_audit_log(user):
        menu += [("操作日志", reverse("audit:operations")), ("登录日志", reverse("audit:logins"))]
    if user.role == Role.SYSTEM_ADMIN:
        menu.append(("系统管理", reverse("admin:index")))
    if user.role == Role.SECURITY_ADMIN:
        menu += [("安全设置", reverse("accounts:security")), ("用户授权", reverse("accounts:authorizations"))]
    return {
        "menu": [
            (label, url, request.path == url or (url != "/" and request.path.startswith(url))) for label, url in menu
        ]
    }
