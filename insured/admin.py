from django.contrib import admin

from core.admin import TrackedAdmin

from .models import (
    CardRead,
    CardReader,
    CertificateType,
    Credential,
    Enrollment,
    InsuranceType,
    InsuredPerson,
    PersonAccessLog,
    PersonType,
    RosterImport,
    Sanction,
    SanctionInstitution,
    SanctionPolicy,
)


@admin.register(CertificateType)
class CertificateTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "format_kind", "is_active", "sort_order")
    list_editable = ("is_active", "sort_order")


@admin.register(InsuranceType)
class InsuranceTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_basic", "has_personal_account", "is_active", "sort_order")


@admin.register(PersonType)
class PersonTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_active", "sort_order")


class EnrollmentInline(admin.TabularInline):
    model = Enrollment
    extra = 0
    fields = (
        "insutype",
        "psn_type",
        "status",
        "start_date",
        "end_date",
        "balance",
        "direct_settlement_allowed",
    )


class CredentialInline(admin.TabularInline):
    model = Credential
    extra = 0
    fields = ("mdtrt_cert_type", "number", "card_sn", "status", "issued_on")


@admin.register(InsuredPerson)
class InsuredPersonAdmin(TrackedAdmin):
    list_display = ("psn_no", "name", "gender", "birth_date", "insuplc_admdvs")
    search_fields = ("psn_no", "name", "name_initials", "certno")
    list_filter = ("gender", "insuplc_admdvs")
    inlines = [EnrollmentInline, CredentialInline]


@admin.register(CardReader)
class CardReaderAdmin(TrackedAdmin):
    list_display = ("reader_id", "name", "kind", "location", "is_active")


@admin.register(SanctionPolicy)
class SanctionPolicyAdmin(TrackedAdmin):
    """INS-4 thresholds and durations: a change is a new row with a later effective date."""

    list_display = (
        "category",
        "loss_min",
        "loss_max",
        "settlement_changed",
        "scope_restricted",
        "interview",
        "key_monitoring",
        "judicial_referral",
        "duration_months",
        "effective_from",
        "effective_to",
    )
    list_filter = ("category", "effective_from")


class SanctionInstitutionInline(admin.TabularInline):
    model = SanctionInstitution
    extra = 0


@admin.register(Sanction)
class SanctionAdmin(TrackedAdmin):
    list_display = ("person", "category", "fund_loss", "start_date", "end_date", "lifted_on")
    list_filter = ("category",)
    search_fields = ("person__name", "person__psn_no")
    inlines = [SanctionInstitutionInline]
    raw_id_fields = ("person",)


@admin.register(CardRead)
class CardReadAdmin(admin.ModelAdmin):
    list_display = ("read_at", "person", "credential", "reader", "purpose", "read_by", "confirmed_at")
    list_filter = ("purpose", "reader")
    readonly_fields = [f.name for f in CardRead._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PersonAccessLog)
class PersonAccessLogAdmin(CardReadAdmin):
    list_display = ("accessed_at", "user", "person", "action", "path")
    list_filter = ("action",)
    readonly_fields = [f.name for f in PersonAccessLog._meta.fields]


@admin.register(RosterImport)
class RosterImportAdmin(CardReadAdmin):
    list_display = (
        "created_at",
        "filename",
        "outcome",
        "row_count",
        "persons_created",
        "persons_updated",
        "error_count",
    )
    list_filter = ("outcome",)
    readonly_fields = [f.name for f in RosterImport._meta.fields]
