from django.contrib import admin

from vbp.platformdata.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """The record of every import, to read: who, when, which file (SHA-256), what it did."""

    list_display = ["created_at", "kind", "file_name", "user", "status", "total_rows", "rows_added", "rows_changed"]
    list_filter = ["kind", "status"]
    exclude = ["content"]
    readonly_fields = [f.name for f in ImportJob._meta.fields if f.name != "content"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
