from django.apps import AppConfig


class RuleSetsConfig(AppConfig):
    name = "vbp.rulesets"
    label = "rulesets"
    verbose_name = "考核方案"
