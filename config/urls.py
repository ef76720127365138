from django.contrib import admin
from django.urls import include, path

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
