from django.urls import path

from vbp.accounts import views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("password/", views.password_change, name="password"),
    path("security/", views.security_settings, name="security"),
    path("security/unlock/", views.security_unlock, name="unlock"),
    path("security/authorizations/", views.authorizations, name="authorizations"),
    path("security/authorizations/<id:pk>/", views.authorize, name="authorize"),
    path("security/tokens/", views.all_tokens, name="tokens"),
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("tokens/<id:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]
