"""Pages and PDFs of the documents printed at the window: 结算单 (A4 / 80 mm), 医疗保障基金结算清单,
the reversal slip (SET-9) and the SET-10 refund slip. One template each renders both the print page and
the PDF, so the paper and the file show the same figures."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from core.pdf import render_document
from core.permissions import role_required
from core.roles import Role
from settlement import documents
from settlement.models import SelfPayRefund, Settlement


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
