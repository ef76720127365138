from django.contrib import admin
from django.urls import include, path

from vbp.accounts.models import Role


def _system_admin_only(request) -> bool:
    """The Django admin is the system administrator's tool (三员分立), nobody else's."""
    user = request.user
    return user.is_active and user.is_staff and user.role == Role.SYSTEM_ADMIN


admin.site.has_permission = _system_admin_only
admin.site.site_header = admin.site.site_title = "集采结余留用管理系统 系统管理"
admin.site.index_title = "系统管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("vbp.web.urls")),
    path("hospitals/", include("vbp.catalog.urls")),
    path("platform/", include("vbp.platformdata.urls")),
    path("assessment/", include("vbp.assessment.urls")),
    path("funding/", include("vbp.funding.urls")),
    path("appeals/", include("vbp.appeals.urls")),
    path("audit/", include("vbp.audit.urls")),
    path("api/", include("vbp.api.urls")),
]
