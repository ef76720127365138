"""Changes made in the system administrator's admin are audited like any other: who, when, what, before and after."""

from vbp.audit.services import Kind, record_change, snapshot


class AuditedAdmin:
    """Mixed into a ModelAdmin: each addition, change and deletion is recorded with the values before and after.

    The admin wraps each save in a transaction, so the record and the change commit together.
    """

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        kind, verb = (Kind.UPDATE, "修改") if change else (Kind.CREATE, "新增")
        record_change(
            request.user,
            kind,
            obj,
            before=before,
            after=snapshot(obj),
            message=f"系统管理：{verb} {obj}",
            request=request,
        )

    def delete_model(self, request, obj):
        _record_deletion(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            _record_deletion(request, obj)
        super().delete_queryset(request, queryset)


def _record_deletion(request, obj) -> None:
    record_change(
        request.user, Kind.DELETE, obj, before=snapshot(obj), message=f"系统管理：删除 {obj}", request=request
    )
