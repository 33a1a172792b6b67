"""Admin: fee lines are read here (they change only through the services, corrected by counter-lines);
the plausibility bounds per item type are edited here (issue 17 item 6)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, TrackedAdmin

from .models import FeeLine, PlausibilityBound


@admin.register(FeeLine)
class FeeLineAdmin(ReadOnlyAdmin):
    list_display = (
        "feedetl_sn",
        "charged_on",
        "stay",
        "visit",
        "name",
        "med_list_codg",
        "quantity",
        "amount",
        "self_pay_reason",
        "hosp_appr_flag",
        "upload_status",
    )
    search_fields = ("feedetl_sn", "stay__ipt_no", "visit__visit_no", "med_list_codg", "name")
    list_filter = ("upload_status", "insurance_class", "self_pay_reason")
    date_hierarchy = "charged_on"


@admin.register(PlausibilityBound)
class PlausibilityBoundAdmin(TrackedAdmin):
    list_display = ("item_type", "max_quantity_per_line", "max_quantity_per_day", "min_unit_price")
