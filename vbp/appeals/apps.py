from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "vbp.appeals"
    label = "appeals"
    verbose_name = "申诉管理"
