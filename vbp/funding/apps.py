from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "vbp.funding"
    label = "funding"
    verbose_name = "医保资金留用"
