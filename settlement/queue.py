"""The window's 待结算 queue on the clerk's home page: discharged stays not yet settled and open
outpatient visits, oldest first (a read model; nothing here writes)."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

from core import codes
from settlement.documents import amount, stay_period
from settlement.models import OutpatientVisit


def settle_queue(limit: int = 30) -> dict[str, Any]:
    """Discharged stays not yet settled and open outpatient visits with charges, oldest first."""
    from admission.models import Stay

    stays = (
        Stay.objects.filter(status=Stay.Status.DISCHARGED)
        .select_related("person", "department", "ward", "bed")
        .order_by("discharged_at")
    )
    visits = (
        OutpatientVisit.objects.filter(status=OutpatientVisit.Status.OPEN)
        .select_related("person", "department", "doctor")
        .annotate(charge_total=Sum("charges__amount"))
        .order_by("visit_date", "id")
    )
    return {
        "stays": [
            {"stay": s, "med_type": codes.med_type_name(s.med_type), **stay_period(s)} for s in stays[:limit]
        ],
        "stay_count": stays.count(),
        "visits": [
            {"visit": v, "med_type": codes.med_type_name(v.med_type), "total": amount(v.charge_total)}
            for v in visits[:limit]
        ],
        "visit_count": visits.count(),
    }
