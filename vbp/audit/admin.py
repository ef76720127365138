"""Changes made in the Django admin are audited like any other: who, when, which object, what changed."""

from vbp.audit.services import Kind, record_change


class AuditedAdmin:
    """Mixed into a ModelAdmin: its additions, changes and deletions also go to the audit log."""

    def log_addition(self, request, obj, message):
        record_change(request.user, Kind.CREATE, obj, message=f"系统管理：新增 {obj}", request=request)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        record_change(request.user, Kind.UPDATE, obj, message=f"系统管理：修改 {obj} {message}"[:500], request=request)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            record_change(request.user, Kind.DELETE, obj, message=f"系统管理：删除 {obj}", request=request)
        return super().log_deletions(request, queryset)
