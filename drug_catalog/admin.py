from django.contrib import admin

from core.admin import TrackedAdmin

from .models import BSelfPayRatio, CatalogItem, CatalogVersion, HospitalItem


@admin.register(CatalogVersion)
class CatalogVersionAdmin(TrackedAdmin):
    list_display = ("name", "region", "code", "effective_from", "effective_to", "item_count")


class BSelfPayRatioInline(admin.TabularInline):
    model = BSelfPayRatio
    extra = 0


@admin.register(CatalogItem)
class CatalogItemAdmin(TrackedAdmin):
    list_display = (
        "code",
        "name",
        "specification",
        "item_type",
        "insurance_class",
        "b_self_pay_ratio",
        "price_cap",
        "restricted",
        "non_payable",
        "version",
    )
    list_filter = ("version", "item_type", "insurance_class", "restricted", "non_payable")
    search_fields = ("code", "name", "name_initials", "name_pinyin")
    readonly_fields = (*TrackedAdmin.readonly_fields, "name_pinyin", "name_initials")
    inlines = [BSelfPayRatioInline]


@admin.register(HospitalItem)
class HospitalItemAdmin(TrackedAdmin):
    """Hospital items are kept here; their mapping and its review go through the 目录对照 page (services)."""

    list_display = (
        "medins_list_codg",
        "name",
        "specification",
        "price",
        "med_list_codg",
        "mapping_status",
        "mapped_from",
    )
    list_filter = ("mapping_status",)
    search_fields = ("medins_list_codg", "name", "med_list_codg")
    readonly_fields = (
        *TrackedAdmin.readonly_fields,
        "med_list_codg",
        "mapping_status",
        "mapped_from",
        "mapped_to",
        "mapped_by",
        "mapped_at",
        "reviewed_by",
        "reviewed_at",
        "reject_reason",
    )
