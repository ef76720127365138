from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "vbp.notices"
    label = "notices"
    verbose_name = "通知公告"
