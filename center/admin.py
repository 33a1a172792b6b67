from django.contrib import admin

from .models import CenterExchange, CenterIntent


@admin.register(CenterExchange)
class CenterExchangeAdmin(admin.ModelAdmin):
    """The center message log: read-only for everyone (it is evidence)."""

    list_display = (
        "started_at",
        "infno",
        "msgid",
        "status",
        "infcode",
        "attempts",
        "duration_ms",
        "subject",
        "actor",
    )
    list_filter = ("status", "infno")
    search_fields = ("msgid", "subject", "inf_refmsgid")
    readonly_fields = [f.name for f in CenterExchange._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CenterIntent)
class CenterIntentAdmin(admin.ModelAdmin):
    """Intents are evidence of what was asked of the center and how it was resolved: read-only."""

    list_display = ("created_at", "infno", "msgid", "subject", "status", "resolution", "recovery_attempts")
    list_filter = ("status", "infno", "resolution")
    search_fields = ("msgid", "subject", "psn_no")
    readonly_fields = [f.name for f in CenterIntent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
