from django.contrib import admin

from core.models import CalendarDay


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


@admin.register(CalendarDay)
class CalendarDayAdmin(TrackedAdmin):
    """ADM-3/REM-4: holidays and make-up working days, one row per day; a new year's rows are added
    when the State Council publishes its notice (until then that year counts weekends only)."""

    list_display = ("day", "kind", "name", "updated_at")
    list_filter = ("kind", "day")
    search_fields = ("name",)
    date_hierarchy = "day"
