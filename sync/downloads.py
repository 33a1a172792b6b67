"""Downloads applied as data (SYNC-3): a catalog version from the center becomes a NEW
drug_catalog.CatalogVersion valid from the center's date (the items of the version in force then,
with the center's changes); dictionary values become new CenterDictionaryEntry rows. Nothing is
edited in place; where the center changes a value someone edited locally, the new version carries
the center's value and the difference is listed for the admin (DownloadConflict)."""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from center import transactions
from center.files import unzip_rows
from drug_catalog.models import CatalogItem, CatalogVersion, ItemType
from drug_catalog.selectors import catalog_region, version_as_of
from settlement import flow
from sync.models import CenterDictionaryEntry, DownloadConflict, DownloadRun

COPIED = [
    f.name
    for f in CatalogItem._meta.concrete_fields
    if f.name not in {"id", "version", "created_at", "updated_at", "created_by", "updated_by"}
]
TYPE_BY_PREFIX = {
    "X": ItemType.WESTERN_DRUG,
    "Z": ItemType.PATENT_DRUG,
    "T": ItemType.HERBAL_PIECE,
    "C": ItemType.CONSUMABLE,
}


def held_catalog_version() -> str:
    return (
        DownloadRun.objects.filter(kind=DownloadRun.Kind.CATALOG)
        .exclude(version="")
        .order_by("-at")
        .values_list("version", flat=True)
        .first()
        or "0"
    )


def catalog_download(*, actor: Any = None) -> DownloadRun:
    """1301 with the highest version held, the file through 9102, one new version per center version."""
    client = flow.center()
    answer = transactions.catalog_versions(client, ver=held_catalog_version(), actor=actor)
    if not int(answer.get("data_cnt") or 0):
        return DownloadRun(kind=DownloadRun.Kind.CATALOG, rows=0)
    content = transactions.file_download(
        client,
        file_qury_no=str(answer["file_qury_no"]),
        filename=str(answer.get("filename") or ""),
        actor=actor,
    )
    rows = unzip_rows(content)
    by_version: dict[str, list] = {}
    for row in rows:
        by_version.setdefault(str(row[7]), []).append(row)
    run = DownloadRun.objects.create(
        kind=DownloadRun.Kind.CATALOG,
        version=max(by_version),
        rows=len(rows),
        message=f"1301 文件 {answer['file_qury_no']}",
    )
    applied = [
        catalog_version_apply(run=run, ver=ver, rows=vrows, actor=actor)
        for ver, vrows in sorted(by_version.items())
    ]
    run.applied = [a for a in applied if a]
    run.save(update_fields=["applied"])
    return run


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def catalog_version_apply(*, run: DownloadRun, ver: str, rows: list, actor: Any = None) -> str:
    """One center version as a new local version from its begin date; returns its code ("" if held)."""
    region = catalog_region()
    code = f"中心{ver}"
    if CatalogVersion.objects.filter(region=region, code=code).exists():
        return ""
    begins = datetime.date.fromisoformat(str(rows[0][6])[:10])
    base = version_as_of(region, begins)
    with transaction.atomic():
        items = {i.code: i for i in CatalogItem.objects.filter(version=base)} if base else {}
        edited = _locally_edited([i.pk for i in items.values()])
        conflicts = []
        for row in rows:
            item_code, name, klass, selfpay, cap, valid = (row + [None] * 6)[:6]
            if valid == "0":
                items.pop(item_code, None)
                continue
            center = {
                "name": name or "",
                "insurance_class": klass or "C",
                "b_self_pay_ratio": _decimal(selfpay) if klass == "B" else None,
                "price_cap": _decimal(cap),
            }
            current = items.get(item_code)
            if current is None:
                current = CatalogItem(
                    code=item_code,
                    item_type=TYPE_BY_PREFIX.get((item_code or " ")[0], ItemType.SERVICE),
                    **center,
                )
                items[item_code] = current
                continue
            for field, value in center.items():
                local = getattr(current, field)
                if local != value and (field != "name" or value):
                    if current.pk in edited:
                        conflicts.append(
                            DownloadConflict(
                                run=run,
                                key=item_code,
                                field=field,
                                local_value=str(local or ""),
                                center_value=str(value or ""),
                            )
                        )
                    setattr(current, field, value)
        version = CatalogVersion.objects.create(
            region=region,
            code=code,
            name=f"医保中心目录 {ver}",
            effective_from=begins,
            item_count=len(items),
            source_sha256=hashlib.sha256(repr(rows).encode()).hexdigest(),
            created_by=actor,
            updated_by=actor,
        )
        CatalogItem.objects.bulk_create(
            [
                CatalogItem(
                    version=version,
                    created_by=actor,
                    updated_by=actor,
                    **{f: getattr(item, f) for f in COPIED},
                )
                for item in items.values()
            ],
            batch_size=2000,
        )
        DownloadConflict.objects.bulk_create(conflicts)
    return code


def _locally_edited(item_ids: list[int]) -> set[int]:
    """Items changed after they were imported (an admin's edit leaves an update event)."""
    if not item_ids:
        return set()
    events = CatalogItem.pgh_event_model.objects.filter(pgh_obj_id__in=item_ids, pgh_label="update")
    return set(events.values_list("pgh_obj_id", flat=True))


def dictionary_download(*, actor: Any = None) -> DownloadRun:
    """1901 since the last download: a new or relabelled value is a new row from its date."""
    last = DownloadRun.objects.filter(kind=DownloadRun.Kind.DICTIONARY).order_by("-at").first()
    since = timezone.localtime(last.at).date().isoformat() if last else "2000-01-01"
    rows = transactions.dictionary(flow.center(), since=since, actor=actor)
    if not rows:
        return DownloadRun(kind=DownloadRun.Kind.DICTIONARY, rows=0)
    run = DownloadRun.objects.create(
        kind=DownloadRun.Kind.DICTIONARY, rows=len(rows), message=f"1901 自 {since}"
    )
    applied, conflicts = [], []
    today = timezone.localdate()
    with transaction.atomic():
        for row in rows:
            kind, value, label = str(row.get("type")), str(row.get("value")), str(row.get("label"))
            begins = datetime.date.fromisoformat(str(row.get("createDate") or today)[:10])
            current = (
                CenterDictionaryEntry.objects.filter(
                    CenterDictionaryEntry.valid_on_filter(begins), type=kind, value=value
                )
                .order_by("-effective_from")
                .first()
            )
            if current is not None and current.label == label:
                continue
            if current is not None and current.created_by_id is not None:
                conflicts.append(
                    DownloadConflict(
                        run=run,
                        key=f"{kind}:{value}",
                        field="label",
                        local_value=current.label,
                        center_value=label,
                    )
                )
            _, created = CenterDictionaryEntry.objects.get_or_create(
                type=kind,
                value=value,
                effective_from=begins,
                defaults={"label": label, "version": str(row.get("version") or "")},
            )
            if created:
                applied.append(f"{kind}:{value}")
        DownloadConflict.objects.bulk_create(conflicts)
        run.applied = applied
        run.save(update_fields=["applied"])
    return run


CENTER_STATUS = {"1": "正常参保", "2": "暂停参保", "4": "终止参保"}


def person_status_download(*, actor: Any = None) -> DownloadRun:
    """Person status of the patients in hospital (1101 per person): an insurance the center no longer
    holds as active (or the other way round) is listed for the office — the hospital's enrollment is
    never changed by the sync (INS-3, SYNC-4); a difference already listed is not listed again."""
    from admission.models import Stay
    from center.client import CenterError
    from insured.models import Enrollment

    client = flow.center()
    stays = Stay.objects.open().filter(registrations__status="registered").select_related("person").distinct()
    differences, checked = [], 0
    for stay in stays:
        person = stay.person
        credential = person.credentials.filter(status="active").order_by("mdtrt_cert_type").first()
        if credential is None:
            continue
        try:
            answer = transactions.person_info(
                client,
                cert_type=credential.mdtrt_cert_type,
                cert_no=credential.number,
                card_sn=credential.card_sn or "",
                actor=actor,
            )
        except CenterError:
            continue
        checked += 1
        local = {
            e.insutype.code: e.status
            for e in Enrollment.objects.filter(person=person).select_related("insutype")
        }
        for info in answer["insuinfo"]:
            insutype = str(info.get("insutype", ""))
            center_active = str(info.get("psn_insu_stas", "1")) == "1"
            local_active = local.get(insutype) == Enrollment.Status.ACTIVE
            if center_active != local_active:
                differences.append(
                    (
                        f"{person.psn_no}:{insutype}",
                        Enrollment.Status(local[insutype]).label if insutype in local else "无参保记录",
                        CENTER_STATUS.get(str(info.get("psn_insu_stas")), str(info.get("psn_insu_stas"))),
                    )
                )
    listed = set(
        DownloadConflict.objects.filter(reviewed_at__isnull=True, field="参保状态").values_list(
            "key", "center_value"
        )
    )
    fresh = [d for d in differences if (d[0], d[2]) not in listed]
    if not fresh:
        return DownloadRun(kind=DownloadRun.Kind.PERSON, rows=checked)
    run = DownloadRun.objects.create(
        kind=DownloadRun.Kind.PERSON, rows=checked, message=f"{len(fresh)} 人参保状态与本院不一致"
    )
    DownloadConflict.objects.bulk_create(
        DownloadConflict(run=run, key=key, field="参保状态", local_value=local, center_value=center)
        for key, local, center in fresh
    )
    return run
