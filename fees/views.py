"""Office pages of fee lines: where the center's per-line answer differs from ours (issue 17 item 3),
and one person's lines of every stay and visit in one list."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from core.permissions import role_required
from core.roles import Role
from fees import rules, selectors
from insured import services as insured_services
from insured.models import InsuredPerson, PersonAccessLog


@role_required(Role.OFFICE, Role.ADMIN)
def center_differences(request: HttpRequest) -> HttpResponse:
    return render(request, "fees/center_differences.html", {"rows": selectors.center_differences()})


@role_required(Role.OFFICE, Role.ADMIN, Role.CLERK)
def person_lines(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(InsuredPerson, pk=person_id)
    insured_services.log_access(
        user=request.user, person=person, action=PersonAccessLog.Action.VIEW, path=request.get_full_path()
    )
    lines = selectors.person_lines(person.pk)
    shown = list(lines[:500])
    totals = lines.aggregate(
        total=Sum("amount"), self_paid=Sum("full_self_pay_amount"), over_limit=Sum("over_limit_amount")
    )
    return render(
        request,
        "fees/person_lines.html",
        {
            "person": person,
            "rows": [{"line": line, "differences": selectors.differences(line)} for line in shown],
            "count": lines.count(),
            "totals": {k: v or Decimal("0.00") for k, v in totals.items()},
            "labels": rules.REASON_LABELS,
        },
    )
