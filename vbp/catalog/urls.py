from django.urls import path

from vbp.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.hospital_list, name="hospitals"),
]
