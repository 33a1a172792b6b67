from django.contrib import admin

from core.admin import ReadOnlyAdmin, TrackedAdmin

from .models import (
    Accumulator,
    ChronicDiseaseFiling,
    FundLayer,
    FundLayerBand,
    MedicalAssistanceEligibility,
    OutpatientConsent,
    PolicyBand,
    PolicyParameter,
    Settlement,
    SettlementFund,
    TransferDeductible,
)


class PolicyBandInline(admin.TabularInline):
    model = PolicyBand
    extra = 0


@admin.register(PolicyParameter)
class PolicyParameterAdmin(TrackedAdmin):
    list_display = (
        "name",
        "insured_region",
        "insurance_type",
        "person_type",
        "care_type",
        "hospital_tier",
        "deductible",
        "deductible_period",
        "fund_ratio",
        "annual_cap",
        "effective_from",
        "effective_to",
    )
    list_filter = ("insurance_type", "person_type", "care_type", "hospital_tier", "insured_region")
    search_fields = ("name", "insured_region")
    inlines = [PolicyBandInline]
    change_list_template = "admin/settlement/policyparameter/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        # SET-3: a version in force is never edited; only closing it (effective_to) is allowed.
        if obj is not None and obj.in_use:
            return [f.name for f in obj._meta.concrete_fields if f.name not in {"effective_to"}]
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.in_use


class SettlementFundInline(admin.TabularInline):
    model = SettlementFund
    extra = 0
    can_delete = False
    readonly_fields = ("fund_pay_type", "fund_pay_type_name", "fund_payamt", "inscp_scp_amt")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    list_display = (
        "medins_setl_id",
        "kind",
        "mode",
        "status",
        "person",
        "total",
        "fund_pay_total",
        "cash_pay",
        "needs_review",
    )
    list_filter = ("kind", "mode", "status", "needs_review")
    search_fields = ("medins_setl_id", "setl_id", "mdtrt_id", "person__name", "person__psn_no")
    inlines = [SettlementFundInline]


class FundLayerBandInline(admin.TabularInline):
    model = FundLayerBand
    extra = 0


@admin.register(FundLayer)
class FundLayerAdmin(admin.ModelAdmin):
    """Further fund layers of a policy version (大额、大病、公务员补助、医疗救助、医院负担); a version
    in force keeps its layers (SET-3): a change is a new version with its own layers."""

    list_display = ("policy", "kind", "fund_pay_type", "base", "eligibility", "deductible", "annual_cap")
    list_filter = ("kind", "eligibility")
    inlines = [FundLayerBandInline]

    def _locked(self, obj) -> bool:
        return obj is not None and obj.policy.in_use

    def get_readonly_fields(self, request, obj=None):
        if self._locked(obj):
            return [f.name for f in obj._meta.concrete_fields]
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._locked(obj)


@admin.register(MedicalAssistanceEligibility)
class MedicalAssistanceEligibilityAdmin(TrackedAdmin):
    list_display = ("person", "category", "effective_from", "effective_to")
    search_fields = ("person__name", "person__psn_no")


@admin.register(TransferDeductible)
class TransferDeductibleAdmin(TrackedAdmin):
    """SET-7: prefer the window's service (it refuses once the stay has a settlement)."""

    list_display = ("stay", "first_hospital_name", "first_standard", "first_paid")
    search_fields = ("stay__ipt_no", "first_hospital_name")


@admin.register(Accumulator)
class AccumulatorAdmin(ReadOnlyAdmin):
    list_display = (
        "person",
        "insutype",
        "care_type",
        "period_start",
        "deductible_used",
        "fund_paid",
        "updated_at",
    )
    search_fields = ("person__name", "person__psn_no")


@admin.register(ChronicDiseaseFiling)
class ChronicDiseaseFilingAdmin(TrackedAdmin):
    """SET-5: filed and approved chronic/special diseases (entered from the center's approval)."""

    list_display = (
        "person",
        "disease_code",
        "disease_name",
        "approved_by_center",
        "effective_from",
        "effective_to",
    )
    search_fields = ("person__name", "person__psn_no", "disease_code")


@admin.register(OutpatientConsent)
class OutpatientConsentAdmin(ReadOnlyAdmin):
    """FEE-4 at the outpatient window: the signed 自费项目协议书 of a visit's self-paid item. Recorded by
    the window (settlement.outpatient.visit_consent_record) when the item is charged; here it is looked
    up, never added, edited or deleted (a signed consent is evidence)."""

    list_display = ("visit_no", "person", "visit_date", "item", "signer", "reason", "signed_at")
    list_filter = ("signed_at",)
    search_fields = (
        "visit__visit_no",
        "visit__person__name",
        "visit__person__psn_no",
        "hospital_item__medins_list_codg",
        "hospital_item__name",
        "signer",
    )
    date_hierarchy = "signed_at"
    list_select_related = ("visit__person", "hospital_item")
    fields = (
        "visit_no",
        "person",
        "visit_date",
        "item",
        "signer",
        "reason",
        "signed_at",
        "created_by",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description="门诊号", ordering="visit__visit_no")
    def visit_no(self, obj: OutpatientConsent) -> str:
        return obj.visit.visit_no

    @admin.display(description="参保人", ordering="visit__person__name")
    def person(self, obj: OutpatientConsent) -> str:
        person = obj.visit.person
        return f"{person.name}（{person.psn_no}）"

    @admin.display(description="就诊日期", ordering="visit__visit_date")
    def visit_date(self, obj: OutpatientConsent):
        return obj.visit.visit_date

    @admin.display(description="自费项目", ordering="hospital_item__medins_list_codg")
    def item(self, obj: OutpatientConsent) -> str:
        return f"{obj.hospital_item.medins_list_codg} {obj.hospital_item.name}"
