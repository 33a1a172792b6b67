from django.contrib import admin

from core.admin import TrackedAdmin

from .models import CenterExchange, PolicyBand, PolicyParameter


class PolicyBandInline(admin.TabularInline):
    model = PolicyBand
    extra = 0


@admin.register(PolicyParameter)
class PolicyParameterAdmin(TrackedAdmin):
    list_display = (
        "name",
        "insured_region",
        "insurance_type",
        "care_type",
        "hospital_tier",
        "deductible",
        "fund_ratio",
        "annual_cap",
        "effective_from",
        "effective_to",
    )
    list_filter = ("insurance_type", "care_type", "hospital_tier", "insured_region")
    search_fields = ("name", "insured_region")
    inlines = [PolicyBandInline]

    def get_readonly_fields(self, request, obj=None):
        # SET-3: a version in force is never edited; only closing it (effective_to) is allowed.
        if obj is not None and obj.in_use:
            return [f.name for f in obj._meta.concrete_fields if f.name not in {"effective_to"}]
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.in_use


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
