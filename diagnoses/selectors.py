"""Reads of diagnosis codes: RX-2 categories, exact look-up with fallback, ranked search.

This is the interface admission, prescriptions, settlement lists and DRG code against; keep the
signatures stable. Codes are read "as of" a date: the edition valid that day.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Length, StrIndex
from django.utils import timezone

from diagnoses import rules
from diagnoses.models import DiagnosisCode, DiseaseCategoryRange
from diagnoses.rules import Rx2Category

__all__ = [
    "category_ranges_as_of",
    "codes_as_of",
    "lookup",
    "normalise_code",
    "rx2_categories",
    "rx2_category",
    "search",
]

_CODE_LIKE = re.compile(r"^[A-Z0-9][A-Z0-9.x\-]*$")
_LATIN = re.compile(r"^[a-z]+$")
SEARCH_LIMIT_MAX = 100


def normalise_code(code: str) -> str:
    """Upper-case, stripped, full-width folded, dot restored (E119 → E11.9); see rules.normalise_code."""
    return rules.normalise_code(code)


def _as_list(codes: Iterable[str] | str) -> list[str]:
    # A lone string would otherwise be read as its characters.
    return [codes] if isinstance(codes, str) else list(codes)


def category_ranges_as_of(on_date: datetime.date) -> list[rules.CategoryRange]:
    """RX-2: the category ranges valid on `on_date`, as plain data (one query)."""
    rows = DiseaseCategoryRange.objects.filter(DiseaseCategoryRange.valid_on_filter(on_date))
    return [row.as_rule_range() for row in rows]


def rx2_categories(codes: Iterable[str], on_date: datetime.date) -> dict[str, Rx2Category]:
    """RX-2: each ICD-10 code's disease category on `on_date`, keyed by the code as given.

    One query for all codes. A code in no range (or not an ICD-10 code) is a general illness.
    """
    codes = _as_list(codes)
    ranges = category_ranges_as_of(on_date)
    return {code: rules.category_for(code, ranges) for code in codes}


def rx2_category(code: str, on_date: datetime.date) -> Rx2Category:
    """RX-2: one ICD-10 code's disease category on `on_date` (E11.9 → specified, 糖尿病, E10–E14)."""
    return rx2_categories([code], on_date)[code]


def codes_as_of(kind: str, on_date: datetime.date) -> QuerySet[DiagnosisCode]:
    """The codes of one table valid on `on_date`."""
    return DiagnosisCode.objects.filter(DiagnosisCode.valid_on_filter(on_date), kind=kind)


def lookup(
    codes: Iterable[str], kind: str = "icd10", on_date: datetime.date | None = None
) -> dict[str, DiagnosisCode]:
    """Each code's row valid on `on_date` (default today), keyed by the code as given; codes not
    found are absent. The exact code first, else the nearest shorter one: the center's 6-character
    insurance edition extends WHO codes, so E11.900 falls back to E11.9, then E11. One query."""
    codes = _as_list(codes)
    on_date = on_date or timezone.localdate()
    chains = {code: rules.fallback_codes(code) for code in codes}
    wanted = {candidate for chain in chains.values() for candidate in chain}
    found: dict[str, DiagnosisCode] = {}
    # Editions close each other, so one row per code is valid on a day; if two were, the later wins.
    for row in codes_as_of(kind, on_date).filter(code__in=wanted).order_by("effective_from"):
        found[row.code] = row
    result = {}
    for code, chain in chains.items():
        match = next((found[c] for c in chain if c in found), None)
        if match is not None:
            result[code] = match
    return result


def search(query: str, kind: str = "icd10", limit: int = 20) -> list[DiagnosisCode]:
    """Today's codes by code prefix (E11, e119), pinyin initials (tnb → 糖尿病), full pinyin, or
    Chinese name; ranked: exact first, then closer matches, shorter names and codes first."""
    query = (query or "").strip()
    limit = max(1, min(limit, SEARCH_LIMIT_MAX))
    if not query:
        return []
    codes = codes_as_of(kind, timezone.localdate())
    code = normalise_code(query)
    if _CODE_LIKE.match(code) and any(ch.isdigit() for ch in code):
        ranked = codes.filter(code__startswith=code).annotate(
            rank=Case(When(code=code, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        return list(ranked.order_by("rank", Length("code"), "code")[:limit])
    if _LATIN.match(query.lower()):
        letters = query.lower()
        # Qualifiers come first in Chinese names (2型糖尿病 → xtnb): initials match anywhere.
        ranked = codes.filter(Q(name_initials__contains=letters) | Q(name_pinyin__contains=letters)).annotate(
            rank=Case(
                When(name_initials=letters, then=Value(0)),
                When(name_initials__contains=letters, then=Value(1)),
                When(name_pinyin__startswith=letters, then=Value(2)),
                default=Value(3),
                output_field=IntegerField(),
            )
        )
        # Chinese names put the disease last (2型糖尿病 → 2xtnb): a match nearer the end of the
        # initials is the disease itself, not a qualifier of another one (其他内部器官 → qtnbqg…).
        ranked = ranked.annotate(
            trailing=Length("name_initials") - StrIndex("name_initials", Value(letters)) - len(letters) + 1
        )
        return list(ranked.order_by("rank", "trailing", Length("code"), Length("name"), "code")[:limit])
    ranked = codes.filter(name__contains=query).annotate(
        rank=Case(
            When(name=query, then=Value(0)),
            When(name__startswith=query, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    )
    return list(ranked.order_by("rank", Length("name"), "code")[:limit])
