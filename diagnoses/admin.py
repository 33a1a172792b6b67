from django.contrib import admin
from django.utils import timezone

from core.admin import TrackedAdmin

from .models import CodeTableImport, DiagnosisCode, DiagnosisRestriction, DiseaseCategoryRange


@admin.register(DiagnosisCode)
class DiagnosisCodeAdmin(admin.ModelAdmin):
    """Codes come from the imports (GNU Health bootstrap, the center's files): searched here, not edited."""

    list_display = ("code", "name", "kind", "category_code", "source", "effective_from", "effective_to")
    list_filter = ("kind", "source", "effective_from")
    search_fields = ("code", "name", "name_initials", "name_pinyin", "name_en")
    show_full_result_count = False  # ~12 000 rows per edition: skip the extra COUNT(*)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in DiagnosisCode._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CodeTableImport)
class CodeTableImportAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "kind",
        "source",
        "effective_from",
        "filename",
        "outcome",
        "row_count",
        "created_count",
        "updated_count",
        "removed_count",
        "closed_count",
        "error_count",
    )
    list_filter = ("kind", "source", "outcome")
    readonly_fields = [f.name for f in CodeTableImport._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(DiseaseCategoryRange)
class DiseaseCategoryRangeAdmin(TrackedAdmin):
    """RX-2 categories; a range in force is only closed (effective_to), a change is a later-dated range.
    Every change is kept as a history event (pghistory)."""

    list_display = (
        "code_from",
        "code_to",
        "category",
        "specified_disease",
        "note",
        "effective_from",
        "effective_to",
    )
    list_filter = ("category", "effective_from")
    search_fields = ("code_from", "code_to", "specified_disease", "note")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.in_use:
            return [f.name for f in obj._meta.concrete_fields if f.name != "effective_to"]
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.in_use


@admin.register(DiagnosisRestriction)
class DiagnosisRestrictionAdmin(TrackedAdmin):
    """DRG-1 sex and age windows of ICD-10 categories; a row in force is only closed, a change is a
    later-dated row (history kept)."""

    list_display = (
        "code_from",
        "code_to",
        "gender",
        "min_age_days",
        "max_age_days",
        "reason",
        "effective_from",
    )
    list_filter = ("gender", "effective_from")
    search_fields = ("code_from", "code_to", "reason")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.effective_from <= timezone.localdate():
            return [f.name for f in obj._meta.concrete_fields if f.name != "effective_to"]
        return super().get_readonly_fields(request, obj)
