from django.urls import path

from vbp.platformdata import views

app_name = "platformdata"
urlpatterns = [
    path("", views.record_list, name="records"),
    path("imports/", views.import_list, name="imports"),
    path("imports/upload/", views.import_upload, name="import_upload"),
    path("imports/template/<slug:kind>/", views.import_template, name="import_template"),
    path("imports/<id:pk>/", views.import_detail, name="import"),
    path("imports/<id:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/<id:pk>/cancel/", views.import_cancel, name="import_cancel"),
    path("imports/<id:pk>/rerun/", views.import_rerun, name="import_rerun"),
]
