"""Home-page panel of the hospital app: wards and beds (clerk and nurse)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest


def wards_context(request: HttpRequest) -> dict[str, Any]:
    from hospital.models import Ward

    wards = (
        Ward.objects.filter(is_active=True)
        .select_related("department")
        .annotate(bed_count=Count("beds", filter=Q(beds__is_active=True)))
        .order_by("department__code", "code")
    )
    return {"wards": wards}
