from django.apps import AppConfig


class PlatformDataConfig(AppConfig):
    name = "vbp.platformdata"
    label = "platformdata"
    verbose_name = "平台数据与导入"
