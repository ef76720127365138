from django.urls import path

from vbp.audit import views

app_name = "audit"
urlpatterns = [
    path("operations/", views.operation_list, name="operations"),
    path("logins/", views.login_list, name="logins"),
]
