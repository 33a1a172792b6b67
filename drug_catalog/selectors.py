"""Catalog reads: the version in force (REM-7: the care region's catalog), ranked search, class-B share."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from drug_catalog.models import BSelfPayRatio, CatalogItem, CatalogVersion

CODE_LIKE = re.compile(r"^[A-Z0-9][A-Z0-9.\-]{3,}$")
LATIN = re.compile(r"^[a-z]+$")


def version_as_of(region: str, on_date: datetime.date) -> CatalogVersion | None:
    """The catalog of `region` (or, failing that, its province) valid on `on_date`."""
    for candidate in dict.fromkeys([region, region[:2] + "0000"]):
        version = (
            CatalogVersion.objects.filter(CatalogVersion.valid_on_filter(on_date), region=candidate)
            .order_by("-effective_from")
            .first()
        )
        if version is not None:
            return version
    return None


def items_as_of(region: str, on_date: datetime.date) -> QuerySet[CatalogItem]:
    version = version_as_of(region, on_date)
    return CatalogItem.objects.filter(version=version) if version else CatalogItem.objects.none()


def search(query: str, *, region: str, on_date: datetime.date, limit: int = 20) -> QuerySet[CatalogItem]:
    """By code (prefix), pinyin initials (`amxl` → 阿莫西林), full pinyin, or Chinese name; ranked:
    exact code/initials first, then prefixes, then trigram similarity."""
    query = query.strip()
    items = items_as_of(region, on_date)
    if not query:
        return items.none()
    if CODE_LIKE.match(query.upper()) and any(ch.isdigit() for ch in query):
        code = query.upper()
        return (
            items.filter(code__startswith=code)
            .annotate(
                rank=Case(When(code=code, then=Value(0)), default=Value(1), output_field=IntegerField())
            )
            .order_by("rank", "code")[:limit]
        )
    if LATIN.match(query.lower()):
        q = query.lower()
        return (
            items.filter(Q(name_initials__startswith=q) | Q(name_pinyin__contains=q))
            .annotate(
                rank=Case(
                    When(name_initials=q, then=Value(0)),
                    When(name_initials__startswith=q, then=Value(1)),
                    When(name_pinyin__startswith=q, then=Value(2)),
                    default=Value(3),
                    output_field=IntegerField(),
                )
            )
            .order_by("rank", "name_initials", "code")[:limit]
        )
    return (
        items.filter(name__contains=query)
        .annotate(
            rank=Case(
                When(name=query, then=Value(0)),
                When(name__startswith=query, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            similarity=TrigramSimilarity("name", query),
        )
        .order_by("rank", "-similarity", "code")[:limit]
    )


def b_self_pay_ratio(
    item: CatalogItem, *, insutype: str, psn_type: str, on_date: datetime.date
) -> Decimal | None:
    """SET-2: the narrowest dated row (item × insurance type × person type); else the item's default."""
    rows = BSelfPayRatio.objects.filter(BSelfPayRatio.valid_on_filter(on_date), item=item).filter(
        Q(insutype__in=[insutype, ""]) & Q(psn_type__in=[psn_type, ""])
    )
    best = sorted(rows, key=lambda r: (r.insutype == "", r.psn_type == "", -r.effective_from.toordinal()))
    if best:
        return best[0].ratio
    return item.b_self_pay_ratio
