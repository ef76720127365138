from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "vbp.catalog"
    label = "catalog"
    verbose_name = "医疗机构与带量批次"
