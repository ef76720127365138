from django.contrib import admin

from vbp.regions.models import Pool, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(Pool)
class PoolAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "province_level"]
