"""Catalog reads: the version in force (REM-7: the care region's catalog), ranked search, class-B share."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from drug_catalog.models import BSelfPayRatio, CatalogItem, CatalogVersion, name_bigrams

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


def search(query: str, *, region: str, on_date: datetime.date, limit: int = 20) -> list[CatalogItem]:
    """By code (prefix), pinyin initials (`amxl` → 阿莫西林), full pinyin, or Chinese name; ranked:
    exact code/initials/name first, then prefixes, then contains (Chinese: by trigram similarity).

    Each rank is a query of its own, run only while fewer than `limit` items are found: short
    queries are answered from the prefix indexes, in index order, and never scan for `%q%`."""
    query = query.strip()
    version = version_as_of(region, on_date) if query else None
    if version is None:
        return []
    items = CatalogItem.objects.filter(version=version)
    if CODE_LIKE.match(query.upper()) and any(ch.isdigit() for ch in query):
        # An exact code is the first, in code order, of the codes it prefixes.
        tiers = [items.filter(code__startswith=query.upper()).order_by("code")]
    elif LATIN.match(query.lower()):
        q = query.lower()
        initials, pinyin_prefix = Q(name_initials__startswith=q), Q(name_pinyin__startswith=q)
        tiers = [
            items.filter(initials),  # exact initials sort first among those they prefix
            items.filter(pinyin_prefix).exclude(initials),
            items.filter(name_pinyin__contains=q).exclude(initials | pinyin_prefix),
        ]
        tiers = [tier.order_by("name_initials", "code") for tier in tiers]
    else:
        prefix = Q(name__startswith=query)
        contains = items.filter(name__contains=query).exclude(prefix)
        if len(query) == 2:
            contains = contains.alias(bigrams=name_bigrams()).filter(bigrams__contains=[query])
        similarity = TrigramSimilarity("name", query)
        exact = Case(When(name=query, then=Value(0)), default=Value(1), output_field=IntegerField())
        tiers = [
            items.filter(prefix)
            .annotate(exact=exact, similarity=similarity)
            .order_by("exact", "-similarity", "code"),
            contains.annotate(similarity=similarity).order_by("-similarity", "code"),
        ]
    found: list[CatalogItem] = []
    for tier in tiers:
        found.extend(tier[: limit - len(found)])
        if len(found) >= limit:
            break
    for item in found:
        item.version = version  # one version for all: no query per item for its dates
    return found


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
