"""Admin: the audit's numbers are data — rules (enabled, level), their versioned parameters, the points
scheme and indicator thresholds are edited here (history kept by pghistory); findings, batches and the
imported feeds are read-only (findings move only through the review services, AUD-4)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, TrackedAdmin

from .models import (
    AuditJob,
    AuditRule,
    ExamResult,
    Finding,
    IndicatorThreshold,
    PointsPolicy,
    PointsRule,
    PointsThreshold,
    RuleParameter,
    StockMovement,
)


@admin.register(AuditRule)
class AuditRuleAdmin(TrackedAdmin):
    list_display = ("code", "name", "category", "level", "enabled", "sort_order")
    list_filter = ("category", "level", "enabled")
    search_fields = ("code", "name")


@admin.register(RuleParameter)
class RuleParameterAdmin(TrackedAdmin):
    list_display = ("rule", "effective_from", "effective_to", "values", "source")
    list_filter = ("rule",)


@admin.register(PointsRule)
class PointsRuleAdmin(TrackedAdmin):
    list_display = ("rule", "points", "effective_from", "effective_to")


@admin.register(PointsPolicy)
class PointsPolicyAdmin(TrackedAdmin):
    list_display = ("effective_from", "period_months", "notice_days", "appeal_days", "exam_min_points")


@admin.register(PointsThreshold)
class PointsThresholdAdmin(TrackedAdmin):
    list_display = ("points", "measure", "months", "effective_from", "effective_to")


@admin.register(IndicatorThreshold)
class IndicatorThresholdAdmin(TrackedAdmin):
    list_display = ("indicator", "warn", "alarm", "higher_is_worse", "effective_from", "effective_to")


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ("rule", "evidence_key", "occurred_on", "level", "amount", "status")
    list_filter = ("status", "level", "rule")
    search_fields = ("evidence_key",)


@admin.register(AuditJob)
class AuditJobAdmin(ReadOnlyAdmin):
    list_display = ("period_start", "period_end", "trigger", "status", "lines_total", "started_at")


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ("serial", "hospital_item", "direction", "quantity", "moved_at", "store")
    list_filter = ("direction",)
    search_fields = ("serial",)


@admin.register(ExamResult)
class ExamResultAdmin(ReadOnlyAdmin):
    list_display = ("feedetl_sn", "positive", "reported_at", "report_no")
    search_fields = ("feedetl_sn", "report_no")
