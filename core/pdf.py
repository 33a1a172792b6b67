"""Printed documents as PDF: one template renders the print page and, through WeasyPrint, the PDF.

Fonts come from the machine (Debian's fonts-noto-cjk, `make pdf-libs`) and are embedded (subset) in
each PDF; the document's CSS is inline and nothing is fetched (only data: URLs are allowed), so a PDF
never waits on the intranet or reaches for the internet.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

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
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
