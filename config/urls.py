from django.contrib import admin
from django.urls import include, path

from vbp.ui import converters

converters.register()  # <id:…> and <year:…>, which cannot overflow the database

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("vbp.web.urls")),
    path("hospitals/", include("vbp.catalog.urls")),
    path("platform/", include("vbp.platformdata.urls")),
    path("assessment/", include("vbp.assessment.urls")),
    path("funding/", include("vbp.funding.urls")),
    path("appeals/", include("vbp.appeals.urls")),
    path("monitoring/", include("vbp.monitoring.urls")),
    path("supervision/", include("vbp.supervision.urls")),
    path("notices/", include("vbp.notices.urls")),
    path("audit/", include("vbp.audit.urls")),
    path("api/", include("vbp.api.urls")),
]
