from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "vbp.web"
    label = "web"
    verbose_name = "集采结余留用"
