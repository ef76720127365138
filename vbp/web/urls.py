from django.contrib.auth import views as auth_views
from django.urls import include, path

from vbp.accounts import views as account_views
from vbp.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", account_views.login, name="login"),
    path("account/", include("vbp.accounts.urls")),
    path("captcha/refresh/", account_views.captcha_refresh_limited, name="captcha-refresh"),
    path("captcha/", include("captcha.urls")),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
