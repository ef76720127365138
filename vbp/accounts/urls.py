from django.urls import path

from vbp.accounts import views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("password/", views.password_change, name="password"),
    path("security/", views.security_settings, name="security"),
    path("security/unlock/", views.security_unlock, name="unlock"),
    path("security/authorizations/", views.authorizations, name="authorizations"),
    path("security/authorizations/<int:pk>/", views.authorize, name="authorize"),
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]
