"""Admin: the admission policy numbers are edited here (new versions); stays and their rows are read
here — they change only through the services (history, counter-entries), never in place."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, TrackedAdmin

from .models import (
    AdmissionPolicy,
    DailyItemGroup,
    InsuranceRegistration,
    Order,
    Stay,
    StayDiagnosis,
    StayReview,
)


@admin.register(AdmissionPolicy)
class AdmissionPolicyAdmin(TrackedAdmin):
    list_display = (
        "effective_from",
        "effective_to",
        "formalities_working_days",
        "custody_hours",
        "ghost_bed_absences",
        "split_window_days",
        "referral_rate_limit",
    )


@admin.register(DailyItemGroup)
class DailyItemGroupAdmin(TrackedAdmin):
    list_display = ("name", "code_prefixes", "per_day", "effective_from", "effective_to")


class DiagnosisInline(admin.TabularInline):
    model = StayDiagnosis
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Stay)
class StayAdmin(ReadOnlyAdmin):
    list_display = ("ipt_no", "person", "department", "ward", "bed", "status", "fund_status", "admitted_at")
    list_filter = ("status", "fund_status", "kind", "department")
    search_fields = ("ipt_no", "person__name", "person__psn_no")
    inlines = [DiagnosisInline]


@admin.register(InsuranceRegistration)
class InsuranceRegistrationAdmin(ReadOnlyAdmin):
    list_display = ("stay", "mdtrt_id", "insutype", "med_type", "status", "registered_at")


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("drord_no", "stay", "kind", "content", "status", "ordered_at")
    search_fields = ("drord_no", "stay__ipt_no")


@admin.register(StayReview)
class StayReviewAdmin(ReadOnlyAdmin):
    list_display = ("stay", "kind", "status", "decided_at")
    list_filter = ("kind", "status")
