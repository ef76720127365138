from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "vbp.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self):
        from vbp.audit import signals  # noqa: F401 -- connects the login receivers
