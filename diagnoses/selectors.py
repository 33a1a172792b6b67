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
from diagnoses.models import DiagnosisCode, DiagnosisRestriction, DiseaseCategoryRange
from diagnoses.rules import Rx2Category

__all__ = [
    "category_ranges_as_of",
    "codes_as_of",
    "implausible_diagnoses",
    "lookup",
    "normalise_code",
    "restrictions_as_of",
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


def restrictions_as_of(on_date: datetime.date) -> list[rules.CodeRestriction]:
    """DRG-1: the sex and age windows of ICD-10 categories valid on `on_date`, as plain data."""
    rows = DiagnosisRestriction.objects.filter(DiagnosisRestriction.valid_on_filter(on_date))
    return [row.as_rule() for row in rows]


def age_in_days(birth_date: datetime.date, on_date: datetime.date) -> int:
    return max((on_date - birth_date).days, 0)


def implausible_diagnoses(
    codes: Iterable[str], *, gender: str, birth_date: datetime.date, on_date: datetime.date
) -> list[rules.Implausible]:
    """DRG-1: the codes that do not fit a patient of this sex and birth date, each with the reason."""
    restrictions = restrictions_as_of(on_date)
    age_days = age_in_days(birth_date, on_date)
    found = (
        rules.implausible(code, gender=gender, age_days=age_days, restrictions=restrictions)
        for code in _as_list(codes)
    )
    return [hit for hit in found if hit is not None]


def _unlikely(gender: str, age_days: int | None, on_date: datetime.date) -> Q:
    """Codes that do not fit the patient (DRG-1); without a patient, the window's usual one: an adult
    of either sex — newborn codes (P00–P96) are unlikely, sex-specific ones are not."""
    condition = Q(pk__in=[])
    for row in restrictions_as_of(on_date):
        if age_days is None:
            broken = row.max_age_days is not None
        else:
            broken = (
                rules.implausible(row.code_from, gender=gender, age_days=age_days, restrictions=[row])
                is not None
            )
        if broken:
            # "~" sorts after every character of a code, so P96~ closes P96.9 and P96.x01.
            condition |= Q(code__gte=row.code_from, code__lt=f"{row.code_to}~")
    return condition


def search(
    query: str, kind: str = "icd10", limit: int = 20, *, gender: str = "", age_days: int | None = None
) -> list[DiagnosisCode]:
    """Today's codes by code prefix (E11, e119), pinyin initials (tnb → 糖尿病), full pinyin, or
    Chinese name; ranked: codes that fit the patient first (DRG-1: P23 先天性肺炎 after J18 肺炎 for
    an adult), then exact, closer matches, shorter names and codes."""
    query = (query or "").strip()
    limit = max(1, min(limit, SEARCH_LIMIT_MAX))
    if not query:
        return []
    today = timezone.localdate()
    codes = codes_as_of(kind, today)
    code = normalise_code(query)
    if _CODE_LIKE.match(code) and any(ch.isdigit() for ch in code):
        ranked = codes.filter(code__startswith=code).annotate(
            rank=Case(When(code=code, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        return list(ranked.order_by("rank", Length("code"), "code")[:limit])
    if kind == "icd10":
        codes = codes.annotate(
            unlikely=Case(
                When(_unlikely(gender, age_days, today), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    else:
        codes = codes.annotate(unlikely=Value(0, output_field=IntegerField()))
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
        return list(
            ranked.order_by("unlikely", "rank", "trailing", Length("code"), Length("name"), "code")[:limit]
        )
    ranked = codes.filter(name__contains=query).annotate(
        rank=Case(
            When(name=query, then=Value(0)),
            When(name__startswith=query, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    )
    return list(ranked.order_by("unlikely", "rank", Length("name"), "code")[:limit])
