"""Admin: day-supply profiles are versioned data (RX-1/RX-2/RX-3); prescriptions are read-only here."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, TrackedAdmin

from .models import DaySupplyProfile, DrugApproval, Prescription, PrescriptionItem


@admin.register(DaySupplyProfile)
class DaySupplyProfileAdmin(TrackedAdmin):
    list_display = (
        "code",
        "name",
        "effective_from",
        "effective_to",
        "acute_days",
        "general_days",
        "chronic_days",
        "specified_days",
        "discharge_days",
        "discharge_uses_outpatient_limits",
        "max_drugs",
    )
    list_filter = ("code",)


@admin.register(DrugApproval)
class DrugApprovalAdmin(TrackedAdmin):
    list_display = ("person", "item_code", "kind", "approved_on", "revoked")
    search_fields = ("person__name", "person__psn_no", "item_code")


class ItemInline(admin.TabularInline):
    model = PrescriptionItem
    extra = 0
    can_delete = False
    fields = ("line_no", "code", "name", "quantity", "dose", "frequency", "days_supply", "self_pay")
    readonly_fields = fields


@admin.register(Prescription)
class PrescriptionAdmin(ReadOnlyAdmin):
    list_display = ("number", "person", "doctor", "visit_type", "prescribed_on", "insured", "status")
    list_filter = ("visit_type", "status", "insured")
    search_fields = ("number", "person__name", "person__psn_no")
    inlines = [ItemInline]
