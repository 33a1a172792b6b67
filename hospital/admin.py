from django.contrib import admin

from core.admin import TrackedAdmin

from .models import Bed, Department, Practitioner, Ward


@admin.register(Department)
class DepartmentAdmin(TrackedAdmin):
    list_display = ("code", "name", "insurance_code", "category_code", "kind", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "insurance_code")


@admin.register(Ward)
class WardAdmin(TrackedAdmin):
    list_display = ("code", "name", "department", "is_active")
    list_filter = ("department", "is_active")
    search_fields = ("code", "name")


@admin.register(Bed)
class BedAdmin(TrackedAdmin):
    list_display = ("__str__", "ward", "number", "is_active")
    list_filter = ("ward", "is_active")
    search_fields = ("number", "ward__name")


@admin.register(Practitioner)
class PractitionerAdmin(TrackedAdmin):
    list_display = ("staff_no", "name", "kind", "title", "insurance_code", "department", "ward", "is_active")
    list_filter = ("kind", "department", "ward", "is_active")
    search_fields = ("staff_no", "name", "insurance_code")
    autocomplete_fields = ("user",)
