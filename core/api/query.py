"""Query parameters of list endpoints, read with bounds: a bad value is a 400 in the error shape
({"date": ["…"]}), never a ValueError (issue 19)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.utils.dateparse import parse_date
from rest_framework.exceptions import ValidationError

EARLIEST, LATEST = datetime.date(1900, 1, 1), datetime.date(2099, 12, 31)


def query_date(params: Mapping[str, str], name: str) -> datetime.date | None:
    """The date in `params[name]` (YYYY-MM-DD), None when absent."""
    text = (params.get(name) or "").strip()
    if not text:
        return None
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is None or not EARLIEST <= day <= LATEST:
        raise ValidationError({name: ["请使用有效日期（YYYY-MM-DD）。"]})
    return day


def query_year(params: Mapping[str, str], name: str = "year") -> int | None:
    text = (params.get(name) or "").strip()
    if not text:
        return None
    if not (text.isdigit() and EARLIEST.year <= int(text) <= LATEST.year):
        raise ValidationError({name: [f"年份应为 {EARLIEST.year}–{LATEST.year} 之间的整数。"]})
    return int(text)
