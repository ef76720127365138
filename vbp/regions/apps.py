from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "vbp.regions"
    label = "regions"
    verbose_name = "行政区划与统筹区"
