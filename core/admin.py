from django.contrib import admin


class TrackedAdmin(admin.ModelAdmin):
    """Stamps the acting admin user on create and update."""

    readonly_fields = ("created_at", "updated_at", "created_by", "updated_by")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services (money, status, history): visible here, never added, edited or
    deleted in place — corrections are counter-entries (ADM-12, SET-9)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
