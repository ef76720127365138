from django.urls import path

from vbp.accounts import views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("password/", views.password_change, name="password"),
    path("security/", views.security_settings, name="security"),
    path("security/unlock/", views.security_unlock, name="unlock"),
]
