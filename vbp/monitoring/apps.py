from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "vbp.monitoring"
    verbose_name = "采购使用监测"

    def ready(self) -> None:
        from vbp.monitoring.importer import DemandReportImporter, OrderLineImporter
        from vbp.platformdata.importers import IMPORTERS

        for importer in (OrderLineImporter, DemandReportImporter):
            IMPORTERS.setdefault(importer.kind, importer)
