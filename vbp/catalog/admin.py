from django.contrib import admin

from vbp.audit.admin import AuditedAdmin
from vbp.catalog.models import Batch, Hospital, Product


@admin.register(Hospital)
class HospitalAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "city", "district", "level", "home_pool", "province_direct"]
    list_filter = ["province_direct", "level", "city"]
    search_fields = ["code", "name"]


@admin.register(Batch)
class BatchAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "category", "renewal", "cycle_start", "cycle_end", "agreed_ratio"]
    list_filter = ["kind", "category", "renewal"]


@admin.register(Product)
class ProductAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["batch", "variety_code", "generic_name", "spec", "company", "bid_price", "weighted_avg_price"]
    list_filter = ["batch"]
    search_fields = ["generic_name", "variety_code", "company"]
