"""Catalog reads: the version in force (REM-7: the care region's catalog), ranked search, class-B share,
and the hospital items' mappings (目录对照) for the office's pages, the API and the export."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from drug_catalog.models import BSelfPayRatio, CatalogItem, CatalogVersion, HospitalItem, name_bigrams

CODE_LIKE = re.compile(r"^[A-Z0-9][A-Z0-9.\-]{3,}$")
LATIN = re.compile(r"^[a-z]+$")


def catalog_region() -> str:
    """REM-7: the care region's catalog, i.e. the hospital's province."""
    return settings.HOSPITAL["REGION_CODE"][:2] + "0000"


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


def _narrowest_ratio(item: CatalogItem, rows) -> Decimal | None:
    """SET-2: an exact insurance and person type beats a blank one, a later version an earlier one."""
    best = sorted(rows, key=lambda r: (r.insutype == "", r.psn_type == "", -r.effective_from.toordinal()))
    return best[0].ratio if best else item.b_self_pay_ratio


def _ratio_rows(on_date: datetime.date, insutype: str, psn_type: str):
    return BSelfPayRatio.objects.filter(BSelfPayRatio.valid_on_filter(on_date)).filter(
        Q(insutype__in=[insutype, ""]) & Q(psn_type__in=[psn_type, ""])
    )


def b_self_pay_ratio(
    item: CatalogItem, *, insutype: str, psn_type: str, on_date: datetime.date
) -> Decimal | None:
    """SET-2: the narrowest dated row (item × insurance type × person type); else the item's default."""
    return _narrowest_ratio(item, _ratio_rows(on_date, insutype, psn_type).filter(item=item))


def b_self_pay_ratios(
    items, *, insutype: str, psn_type: str, on_date: datetime.date
) -> dict[int, Decimal | None]:
    """b_self_pay_ratio for many items in one query (a settlement's lines), keyed by item id."""
    items = list(items)
    rows: dict[int, list] = {}
    for row in _ratio_rows(on_date, insutype, psn_type).filter(item__in=items):
        rows.setdefault(row.item_id, []).append(row)
    return {item.pk: _narrowest_ratio(item, rows.get(item.pk, [])) for item in items}


# --- 目录对照 ---------------------------------------------------------------------------------------

Status = HospitalItem.MappingStatus
# The office's work first: items without a mapping, and mappings the center refused.
MAPPING_FILTERS = {
    "todo": ("未对照 / 已拒绝", [Status.UNMAPPED, Status.REJECTED]),
    "pending": ("待中心审核", [Status.PENDING]),
    "approved": ("中心已审核", [Status.APPROVED]),
    "all": ("全部", list(Status)),
}
STATUS_ORDER = Case(
    When(mapping_status=Status.UNMAPPED, then=Value(0)),
    When(mapping_status=Status.REJECTED, then=Value(1)),
    When(mapping_status=Status.PENDING, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def hospital_items(*, status: str = "todo", query: str = "") -> QuerySet[HospitalItem]:
    """Hospital items in `status` (a MAPPING_FILTERS key or one status), unmapped and rejected first,
    matching `query` in the hospital's code or name or the mapped national code."""
    statuses = MAPPING_FILTERS[status][1] if status in MAPPING_FILTERS else [status]
    items = HospitalItem.objects.filter(mapping_status__in=statuses).select_related(
        "mapped_by", "reviewed_by"
    )
    query = query.strip()
    if query:
        items = items.filter(
            Q(medins_list_codg__icontains=query)
            | Q(name__icontains=query)
            | Q(med_list_codg__icontains=query)
        )
    return items.alias(status_order=STATUS_ORDER).order_by("status_order", "medins_list_codg")


def national_items_by_code(codes, *, on_date: datetime.date | None = None) -> dict[str, CatalogItem]:
    """The national items of the catalog in force for these codes (one query)."""
    on_date = on_date or timezone.localdate()
    items = items_as_of(catalog_region(), on_date).filter(code__in={c for c in codes if c})
    return {item.code: item for item in items}


MAPPING_EXPORT_COLUMNS = [
    "medins_list_codg",
    "medins_list_name",
    "med_list_codg",
    "med_list_name",
    "status",
    "begndate",
    "enddate",
    "mapper",
]


def mapping_export_rows(*, on_date: datetime.date | None = None) -> list[list]:
    """Every hospital item's mapping, in the center's column names (MAPPING_EXPORT_COLUMNS)."""
    items = list(HospitalItem.objects.select_related("mapped_by").order_by("medins_list_codg"))
    national = national_items_by_code([i.med_list_codg for i in items], on_date=on_date)
    rows = []
    for item in items:
        mapper = (item.mapped_by.get_full_name() or item.mapped_by.username) if item.mapped_by else ""
        rows.append(
            [
                item.medins_list_codg,
                item.name,
                item.med_list_codg,
                national[item.med_list_codg].name if item.med_list_codg in national else "",
                item.get_mapping_status_display(),
                item.mapped_from,
                item.mapped_to,
                mapper,
            ]
        )
    return rows
