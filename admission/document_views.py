"""The daily fee list (每日清单, ADM-9) as an 80 mm receipt: page and PDF from one template."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.dateparse import parse_date

from admission import selectors
from admission.models import Stay
from core.pdf import render_document
from core.permissions import role_required
from core.roles import Role


@role_required(Role.CLERK, Role.NURSE)
def daily_receipt(request: HttpRequest, pk: int, day: str, fmt: str = "html") -> HttpResponse:
    """ADM-9: one item a line (name, then quantity × price = amount), class 甲/乙/丙 and self-pay
    marked, subtotals by class, the day's total and the stay's running total, the patient's signature."""
    stay = get_object_or_404(Stay.objects.select_related("person", "ward", "bed", "department"), pk=pk)
    the_day = parse_date(day)
    if the_day is None:
        return redirect("admission:stay", pk=pk)
    doc = {"title": "住院费用每日清单", **selectors.daily_list(stay, the_day)}
    lines = sum(2 * len(group["lines"]) + 2 for group in doc["groups"])
    return render_document(
        request,
        template="documents/daily_receipt.html",
        doc=doc,
        fmt=fmt,
        filename=f"每日清单-{stay.ipt_no}-{the_day:%Y%m%d}",
        back_url=reverse("admission:daily_list", kwargs={"pk": pk, "day": f"{the_day:%Y-%m-%d}"}),
        papers=("r80",),
        lines=14 + lines,
    )
