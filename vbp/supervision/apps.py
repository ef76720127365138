from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "vbp.supervision"
    verbose_name = "配送与督导"
