"""Printed documents as PDF: one template renders the print page and, through WeasyPrint, the PDF.

Fonts come from the machine (Debian's fonts-noto-cjk, `make pdf-libs`) and are embedded (subset) in
each PDF; the document's CSS is inline and nothing is fetched (only data: URLs are allowed), so a PDF
never waits on the intranet or reaches for the internet.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header

# WeasyPrint reports each layout step at INFO: keep the logs for what goes wrong.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def html_to_pdf(html: str) -> bytes:
    import weasyprint  # imported on use: it loads pango
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=["data"], allow_redirects=False, timeout=1)
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()


def render_pdf(
    request: HttpRequest, template: str, context: dict[str, Any], *, filename: str
) -> HttpResponse:
    html = render_to_string(template, {**context, "pdf": True}, request=request)
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    response["Cache-Control"] = "no-store"
    return response


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
