"""The admission form's pickers: departments, wards and doctors with their search keys (code, name,
full pinyin, initials) for the type-ahead, and the clerk's last choices remembered in the session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from core.text import name_keys
from hospital.models import Department, Practitioner, Ward

SESSION_KEY = "admission_last_choices"
REMEMBERED = ("department", "ward", "attending_doctor", "med_type")


def _keyed(rows, *codes: str) -> list:
    for row in rows:
        full, initials = name_keys(row.name)
        extra = " ".join(getattr(row, code, "") or "" for code in codes)
        row.picker_keys = f"{extra} {row.name} {full} {initials}".lower()
    return list(rows)


def admission_choices() -> dict[str, list]:
    """Active clinical departments, wards and doctors, each with `picker_keys` for the type-ahead."""
    return {
        "departments": _keyed(Department.objects.filter(kind="clinical", is_active=True), "code"),
        "wards": _keyed(Ward.objects.filter(is_active=True).select_related("department"), "code"),
        "doctors": _keyed(
            Practitioner.objects.filter(kind="doctor", is_active=True).select_related("department"),
            "staff_no",
        ),
    }


def remembered(request: HttpRequest) -> dict[str, str]:
    """The clerk's last department, ward, doctor and medical type (this session)."""
    stored = request.session.get(SESSION_KEY) or {}
    return {key: str(stored.get(key, "")) for key in REMEMBERED}


def remember(request: HttpRequest, source: Any) -> None:
    """After an admission: keep its choices for the next one (numbers only, nothing personal)."""
    request.session[SESSION_KEY] = {
        key: str(source.get(key, ""))[:10] for key in REMEMBERED if str(source.get(key, "")).isdigit()
    }


def patient_context(person) -> dict[str, Any]:
    """What the diagnosis picker sends so that codes unfit for the patient come last, marked (DRG-1)."""
    from django.utils import timezone

    return {"gender": person.gender, "age_days": max((timezone.localdate() - person.birth_date).days, 0)}
