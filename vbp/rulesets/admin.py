from django.contrib import admin

from vbp.rulesets.models import RuleSetVersion


@admin.register(RuleSetVersion)
class RuleSetVersionAdmin(admin.ModelAdmin):
    """Read-only: a version is never edited; a change is a new version (vbp.rulesets.services)."""

    list_display = ["code", "version", "name", "created_at"]
    readonly_fields = ["code", "version", "name", "definition", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
