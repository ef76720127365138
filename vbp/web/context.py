"""The menu each user sees, decided here rather than in templates."""

from django.urls import reverse

from vbp.accounts.models import Role
from vbp.accounts.scope import sees_business_data
from vbp.audit.services import can_read_audit_log
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
    if can_import(user):
        menu.append(("数据导入", reverse("platformdata:imports")))
    if can_read_audit_log(user):
        menu += [("操作日志", reverse("audit:operations")), ("登录日志", reverse("audit:logins"))]
    if user.role == Role.SYSTEM_ADMIN:
        menu.append(("系统管理", reverse("admin:index")))
    if user.role == Role.SECURITY_ADMIN:
        menu.append(("安全设置", reverse("accounts:security")))
    return {
        "menu": [
            (label, url, request.path == url or (url != "/" and request.path.startswith(url))) for label, url in menu
        ]
    }
