from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "vbp.accounts"
    label = "accounts"
    verbose_name = "用户与权限"
