"""Pages and PDFs of the documents printed at the window: 结算单 (A4 / 80 mm), 医疗保障基金结算清单,
the reversal slip (SET-9) and the SET-10 refund slip. One template each renders both the print page and
the PDF, so the paper and the file show the same figures."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from core.pdf import render_pdf
from core.permissions import role_required
from core.roles import Role
from settlement import documents
from settlement.models import SelfPayRefund, Settlement

PAPERS = {"a4": "A4", "r80": "80 mm 小票"}


def _paper(request: HttpRequest, allowed: tuple[str, ...]) -> str:
    paper = request.GET.get("paper", allowed[0])
    return paper if paper in allowed else allowed[0]


def receipt_height_mm(lines: int) -> int:
    """An 80 mm receipt's page length: the header and signature plus about 4.6 mm a line."""
    return 70 + round(4.6 * lines)


def render_document(
    request: HttpRequest,
    *,
    template: str,
    doc: dict[str, Any],
    fmt: str,
    filename: str,
    back_url: str,
    papers: tuple[str, ...] = ("a4",),
    lines: int = 20,
) -> HttpResponse:
    paper = _paper(request, papers)
    context = {
        "doc": doc,
        "paper": paper,
        "page_height_mm": receipt_height_mm(lines),
        "operator": request.user.get_full_name() or request.user.get_username(),
        "printed_at": timezone.localtime(),
        "back_url": back_url,
        "pdf_url": f"{request.path.rstrip('/')}.pdf?paper={paper}"
        if fmt == "html"
        else request.get_full_path(),
        "paper_choices": [(code, PAPERS[code], f"{request.path}?paper={code}") for code in papers]
        if len(papers) > 1
        else [],
    }
    if fmt == "pdf":
        suffix = "" if paper == "a4" else "-80mm"
        return render_pdf(request, template, context, filename=f"{filename}{suffix}.pdf")
    return render(request, template, context)


def _back(settlement: Settlement) -> str:
    if settlement.stay_id:
        return reverse("settlement:stay", kwargs={"pk": settlement.stay_id})
    return reverse("settlement:visit", kwargs={"pk": settlement.visit_id})


def _settlement(settlement_id: int) -> Settlement:
    try:
        return documents.load_settlement(settlement_id)
    except Settlement.DoesNotExist as exc:
        raise Http404("结算不存在。") from exc


@role_required(Role.CLERK, Role.OFFICE)
def settlement_receipt(request: HttpRequest, settlement_id: int, fmt: str = "html") -> HttpResponse:
    """结算单 on A4 or an 80 mm receipt printer (SET-8)."""
    settlement = _settlement(settlement_id)
    doc = documents.settlement_receipt(settlement)
    return render_document(
        request,
        template="documents/settlement_receipt.html",
        doc=doc,
        fmt=fmt,
        filename=f"结算单-{doc['setl_id']}",
        back_url=_back(settlement),
        papers=("a4", "r80"),
        lines=24 + len(doc["payers"]["funds"]),
    )


@role_required(Role.CLERK, Role.OFFICE)
def settlement_list(request: HttpRequest, settlement_id: int, fmt: str = "html") -> HttpResponse:
    """医疗保障基金结算清单 on A4, for the patient's signature (ADM-9)."""
    settlement = _settlement(settlement_id)
    doc = documents.settlement_list(settlement)
    return render_document(
        request,
        template="documents/settlement_list.html",
        doc=doc,
        fmt=fmt,
        filename=f"结算清单-{doc['setl_id']}",
        back_url=_back(settlement),
    )


@role_required(Role.CLERK, Role.OFFICE)
def reversal_slip(request: HttpRequest, settlement_id: int, fmt: str = "html") -> HttpResponse:
    """结算撤销（退费）凭证 of a reversed settlement (SET-9)."""
    settlement = _settlement(settlement_id)
    if settlement.status != Settlement.Status.REVERSED:
        raise Http404("该结算未撤销。")
    doc = documents.reversal_slip(settlement)
    return render_document(
        request,
        template="documents/reversal_slip.html",
        doc=doc,
        fmt=fmt,
        filename=f"撤销凭证-{doc['setl_id']}",
        back_url=_back(settlement),
        papers=("r80", "a4"),
        lines=16,
    )


@role_required(Role.CLERK, Role.OFFICE)
def refund_slip(request: HttpRequest, settlement_id: int, fmt: str = "html") -> HttpResponse:
    """重新结算退款凭证 (SET-10): the cash refunded once after re-settling a self-paid settlement."""
    refund = get_object_or_404(
        SelfPayRefund.objects.select_related("original", "resettlement"), original_id=settlement_id
    )
    resettlement = _settlement(refund.resettlement_id)
    refund.resettlement = resettlement
    doc = documents.refund_slip(refund)
    return render_document(
        request,
        template="documents/refund_slip.html",
        doc=doc,
        fmt=fmt,
        filename=f"退款凭证-{refund.receipt_no}",
        back_url=_back(resettlement),
        papers=("r80", "a4"),
        lines=14,
    )
