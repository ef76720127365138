from django.contrib import admin

from vbp.audit.admin import AuditedAdmin
from vbp.regions.models import Pool, Region


@admin.register(Region)
class RegionAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(Pool)
class PoolAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "region", "province_level"]
