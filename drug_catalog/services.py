"""Catalog writes: import of a catalog version (Excel/CSV), all-or-nothing and idempotent; the
hospital items' mapping to national items (目录对照) and the center's review of it."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import pghistory
from django.contrib.postgres.indexes import GinIndex
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from core.errors import ConflictError, DomainError
from core.forms import PLAIN_NUMBER
from core.tabular import TableRejected, read_table, sniff
from drug_catalog import selectors
from drug_catalog.models import (
    CatalogImport,
    CatalogItem,
    CatalogVersion,
    HospitalItem,
    InsuranceClass,
    ItemType,
)

COLUMNS = {
    "code": ("med_list_codg", "医保目录编码"),
    "name": ("name", "名称"),
    "generic_name": ("genname", "通用名"),
    "item_type": ("list_type", "类别"),
    "dosage_form": ("dosform", "剂型"),
    "specification": ("spec", "规格"),
    "pack_size": ("pacmatl_cnt", "包装数量"),
    "unit": ("unit", "包装单位"),
    "min_unit": ("min_unit", "最小单位"),
    "insurance_class": ("chrgitm_lv", "医保类别"),
    "b_self_pay_ratio": ("selfpay_prop", "自付比例"),
    "price_cap": ("pric_uplmt_amt", "支付标准"),
    "bureau_price": ("bureau_price", "物价价格"),
    "restricted": ("lmt_used_flag", "限定支付"),
    "restriction_text": ("lmt_text", "限定支付范围"),
    "max_days": ("max_days", "最大天数"),
    "sex_limit": ("sex_limit", "性别限制"),
    "non_payable": ("non_payable", "不予支付"),
    "approval_required": ("appr_flag", "须审批"),
    "approval_valid_days": ("appr_valid_days", "审批有效天数"),
    "outpatient_self_pay": ("opsp_selfpay_flag", "门诊自费"),
    "herbal_daily_dose_limit": ("tcmherb_day_dose_max", "饮片日剂量上限"),
    "single_herb_self_pay": ("single_herb_selfpay_flag", "单味不予支付"),
    "max_quantity": ("max_cnt", "最大数量"),
    "age_min": ("age_min", "最小年龄"),
    "age_max": ("age_max", "最大年龄"),
    "min_hospital_tier": ("medins_lv_min", "最低医院等级"),
}
# Whole-number limit columns: column -> (Chinese label, largest value).
SMALL_INTEGERS = {
    "max_days": ("最大天数", 32767),
    "approval_valid_days": ("审批有效天数", 32767),
    "age_min": ("最小年龄", 150),
    "age_max": ("最大年龄", 150),
    "min_hospital_tier": ("最低医院等级", 3),
}
REQUIRED = ("code", "name", "item_type", "insurance_class")
# Codes, flags and numbers: full-width characters read as their ASCII twins ("１２" → "12").
NORMALISED = (
    "code",
    "pack_size",
    "insurance_class",
    "b_self_pay_ratio",
    "price_cap",
    "bureau_price",
    "restricted",
    "max_days",
    "sex_limit",
    "non_payable",
    "approval_required",
    "approval_valid_days",
    "outpatient_self_pay",
    "herbal_daily_dose_limit",
    "single_herb_self_pay",
    "max_quantity",
    "age_min",
    "age_max",
    "min_hospital_tier",
)
CLASSES = {
    "A": "A",
    "甲": "A",
    "甲类": "A",
    "01": "A",
    "B": "B",
    "乙": "B",
    "乙类": "B",
    "02": "B",
    "C": "C",
    "丙": "C",
    "丙类": "C",
    "03": "C",
}
TYPES = {**{t.value: t.value for t in ItemType}, **{t.label: t.value for t in ItemType}}
YES = {"1", "是", "Y", "y", "true", "TRUE"}
SEXES = {"": "", "1": "1", "男": "1", "2": "2", "女": "2"}


@dataclass
class ImportReport:
    version: CatalogVersion | None = None
    created: bool = False  # the version is new
    unchanged: bool = False  # the same file again: nothing was written
    rows: int = 0
    items_created: int = 0
    items_updated: int = 0
    items_unchanged: int = 0
    items_kept: int = 0  # items of the version that this file does not list: left as they were
    errors: list[dict[str, Any]] = field(default_factory=list)
    record: CatalogImport | None = None  # the attempt as recorded


def _decimal(value: str, column: str, row: int, errors: list, *, minimum=Decimal("0")) -> Decimal | None:
    if not value:
        return None
    if not PLAIN_NUMBER.match(value):
        errors.append({"row": row, "field": column, "message": "不是有效数字（不接受科学计数法）。"})
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        errors.append({"row": row, "field": column, "message": "不是有效数字。"})
        return None
    if not number.is_finite():
        errors.append({"row": row, "field": column, "message": "不是有效数字。"})
        return None
    if number < minimum:
        errors.append({"row": row, "field": column, "message": "不能为负数。"})
    model_field = CatalogItem._meta.get_field(column)
    if abs(number) >= 10 ** (model_field.max_digits - model_field.decimal_places):
        errors.append({"row": row, "field": column, "message": "数值过大。"})
    return number


def _lengths(row: dict[str, str], index: int, errors: list) -> None:
    """A value longer than its column would fail the whole insert; report it with its row instead."""
    for column, value in row.items():
        model_field = CatalogItem._meta.get_field(column)
        limit = getattr(model_field, "max_length", None)
        if limit and len(value) > limit and column not in {"item_type", "insurance_class", "sex_limit"}:
            errors.append({"row": index, "field": column, "message": f"超过 {limit} 个字符。"})


def _item(row: dict[str, str], index: int, errors: list, keys: dict[str, tuple[str, str]]) -> dict | None:
    before = len(errors)
    for column in REQUIRED:
        if not row.get(column):
            errors.append({"row": index, "field": column, "message": "必填。"})
    _lengths(row, index, errors)
    klass = CLASSES.get(row.get("insurance_class", ""))
    if row.get("insurance_class") and klass is None:
        errors.append(
            {"row": index, "field": "insurance_class", "message": "医保类别应为 甲/乙/丙 或 A/B/C。"}
        )
    item_type = TYPES.get(row.get("item_type", ""))
    if row.get("item_type") and item_type is None:
        errors.append({"row": index, "field": "item_type", "message": f"未知的类别：{row['item_type']}。"})
    ratio = _decimal(row.get("b_self_pay_ratio", ""), "b_self_pay_ratio", index, errors)
    if ratio is not None and ratio > 1:
        errors.append({"row": index, "field": "b_self_pay_ratio", "message": "自付比例应在 0 到 1 之间。"})
    pack = _decimal(row.get("pack_size", ""), "pack_size", index, errors) or Decimal("1")
    cap = _decimal(row.get("price_cap", ""), "price_cap", index, errors)
    bureau = _decimal(row.get("bureau_price", ""), "bureau_price", index, errors)
    if cap is not None and bureau is not None and cap > bureau:
        errors.append(
            {"row": index, "field": "price_cap", "message": "医保支付标准高于物价核定价格（FEE-1）。"}
        )
    integers = {}
    for column, (label, largest) in SMALL_INTEGERS.items():
        value = row.get(column, "")
        if value and not (value.isdigit() and int(value) <= largest):
            errors.append({"row": index, "field": column, "message": f"{label}应为不大于 {largest} 的整数。"})
        integers[column] = int(value) if value.isdigit() else None
    dose_limit = _decimal(row.get("herbal_daily_dose_limit", ""), "herbal_daily_dose_limit", index, errors)
    max_quantity = _decimal(row.get("max_quantity", ""), "max_quantity", index, errors)
    sex = SEXES.get(row.get("sex_limit", ""))
    if sex is None:
        errors.append({"row": index, "field": "sex_limit", "message": "性别限制应为 男/女/空。"})
    if len(errors) > before:
        return None
    if row["name"] not in keys:  # catalogs repeat names across specifications and makers
        keys[row["name"]] = CatalogItem.search_keys(row["name"])
    pinyin, initials = keys[row["name"]]
    return {
        "code": row["code"].upper(),
        "name": row["name"],
        "generic_name": row.get("generic_name", ""),
        "name_pinyin": pinyin,
        "name_initials": initials,
        "item_type": item_type,
        "dosage_form": row.get("dosage_form", ""),
        "specification": row.get("specification", ""),
        "pack_size": pack,
        "unit": row.get("unit") or "盒",
        "min_unit": row.get("min_unit", ""),
        "insurance_class": klass,
        "b_self_pay_ratio": ratio if klass == InsuranceClass.B else None,
        "price_cap": cap,
        "bureau_price": bureau,
        "restricted": row.get("restricted", "") in YES,
        "restriction_text": row.get("restriction_text", ""),
        "sex_limit": sex,
        "non_payable": row.get("non_payable", "") in YES,
        "approval_required": row.get("approval_required", "") in YES,
        "outpatient_self_pay": row.get("outpatient_self_pay", "") in YES,
        "single_herb_self_pay": row.get("single_herb_self_pay", "") in YES,
        "herbal_daily_dose_limit": dose_limit,
        "max_quantity": max_quantity,
        **integers,
    }


STAGE = "catalog_import_rows"


def _upsert_items(*, version: CatalogVersion, items: list[dict[str, Any]], actor: Any) -> tuple[int, int]:
    """Write the items of a version in two statements: COPY into a temporary table, then one
    INSERT … ON CONFLICT that inserts new codes and updates only the rows whose values differ.
    Returns (created, updated). Columns the file does not carry (e.g. approval_required set by
    an admin) keep their values on update and take the model default on insert."""
    meta, quote = CatalogItem._meta, connection.ops.quote_name
    now, actor_id = timezone.now(), getattr(actor, "pk", None)
    fixed = {"version": version.pk, "created_at": now, "updated_at": now}
    fixed |= {"created_by": actor_id, "updated_by": actor_id}
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    defaults = {f.name: f.get_default() for f in fields if f.name not in fixed}
    table, columns = quote(meta.db_table), ", ".join(quote(f.column) for f in fields)
    compared = [quote(meta.get_field(name).column) for name in items[0] if name != "code"]
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in [*compared, "updated_at", "updated_by_id"])
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE {STAGE} ON COMMIT DROP AS SELECT {columns} FROM {table} LIMIT 0")
        with cursor.copy(f"COPY {STAGE} ({columns}) FROM STDIN") as copy:
            for item in items:
                row = defaults | fixed | item
                copy.write_row([row[f.name] for f in fields])
        cursor.execute(f"SELECT count(*) FROM {STAGE} JOIN {table} t USING (version_id, code)")
        (existing,) = cursor.fetchone()
        cursor.execute(
            f"INSERT INTO {table} AS t ({columns}) SELECT {columns} FROM {STAGE} "
            f"ON CONFLICT (version_id, code) DO UPDATE SET {assignments} "
            f"WHERE ({', '.join(f't.{c}' for c in compared)}) "
            f"IS DISTINCT FROM ({', '.join(f'EXCLUDED.{c}' for c in compared)})"
        )
        written = cursor.rowcount
        cursor.execute(f"DROP TABLE {STAGE}")
        # Until autovacuum gets to the table, a new version's id is unknown to the planner (it would
        # plan "version_id = new" as one row and walk the whole version for a search), and the GIN
        # indexes' pending lists hold the last rows (each search would scan them, and the planner
        # prices the text indexes above the version index): do both now.
        for index in meta.indexes:
            if isinstance(index, GinIndex):
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index.name])
        cursor.execute(f"ANALYZE {table}")
    created = len(items) - existing
    return created, written - created


def catalog_import(
    *,
    actor: Any,
    content: bytes,
    filename: str,
    region: str,
    version_code: str,
    version_name: str,
    effective_from: datetime.date,
) -> ImportReport:
    """Import one catalog version now (see _catalog_import); every attempt is recorded, refusals included."""
    record = CatalogImport(
        filename=filename[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        region=region[:6],
        version_code=version_code[:40],
        version_name=version_name[:100],
        effective_from=effective_from,
        created_by=actor,
        updated_by=actor,
    )
    report = _catalog_import(
        actor=actor,
        content=content,
        filename=filename,
        region=region,
        version_code=version_code,
        version_name=version_name,
        effective_from=effective_from,
    )
    report.record = _record_report(record, report)
    return report


def _record_report(record: CatalogImport, report: ImportReport) -> CatalogImport:
    record.outcome = (
        CatalogImport.Outcome.REJECTED
        if report.errors
        else CatalogImport.Outcome.UNCHANGED
        if report.unchanged
        else CatalogImport.Outcome.APPLIED
    )
    record.row_count = report.rows
    record.items_created, record.items_updated = report.items_created, report.items_updated
    record.items_unchanged, record.items_kept = report.items_unchanged, report.items_kept
    record.error_count = len(report.errors)
    record.errors = report.errors[:1000]
    record.content = None
    record.save()
    return record


def import_progress_key(pk: int) -> str:
    return f"drug_catalog:import:{pk}:progress"


def import_progress(record: CatalogImport) -> dict[str, int]:
    """{done, total, percent} of a queued or running import; a finished one is at 100."""
    if record.outcome not in (CatalogImport.Outcome.PENDING, CatalogImport.Outcome.RUNNING):
        return {"done": record.row_count, "total": record.row_count, "percent": 100}
    state = cache.get(import_progress_key(record.pk)) or {"done": 0, "total": 0}
    total = state["total"]
    # Checking the rows is most of the bar; the single COPY + upsert statement is the last step.
    percent = min(95, int(95 * state["done"] / total)) if total else 0
    return {"done": state["done"], "total": total, "percent": percent}


def catalog_import_start(
    *,
    actor: Any,
    content: bytes,
    filename: str,
    region: str,
    version_code: str,
    version_name: str,
    effective_from: datetime.date,
) -> CatalogImport:
    """Queue a large import: the file waits with its record, a Celery task applies it after the
    commit and the page polls `import_progress`. A file refused by its content is recorded at once."""
    record = CatalogImport(
        filename=filename[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        region=region,
        version_code=version_code,
        version_name=version_name,
        effective_from=effective_from,
        created_by=actor,
        updated_by=actor,
    )
    try:
        sniff(content)
    except TableRejected as exc:
        return _record_report(record, ImportReport(errors=exc.errors))
    with transaction.atomic():
        record.outcome, record.content = CatalogImport.Outcome.PENDING, content
        record.save()
        from drug_catalog.tasks import catalog_import_run as task

        transaction.on_commit(lambda: task.delay(record.pk))
    return record


def catalog_import_run(record_id: int) -> CatalogImport | None:
    """The task's body: apply a queued import once (a redelivered task finds it already done)."""
    with transaction.atomic():
        record = CatalogImport.objects.select_for_update().filter(pk=record_id).first()
        if record is None or record.outcome != CatalogImport.Outcome.PENDING:
            return record
        record.outcome = CatalogImport.Outcome.RUNNING
        record.save(update_fields=["outcome", "updated_at"])

    def progress(done: int, total: int) -> None:
        cache.set(import_progress_key(record.pk), {"done": done, "total": total}, timeout=60 * 60)

    try:
        report = _catalog_import(
            actor=record.created_by,
            content=bytes(record.content or b""),
            filename=record.filename,
            region=record.region,
            version_code=record.version_code,
            version_name=record.version_name,
            effective_from=record.effective_from,
            progress=progress,
        )
    except Exception:
        # Recorded as failed (never left "running" for ever), then raised for the worker's log.
        failed = ImportReport(
            errors=[
                {"row": 0, "field": "", "message": "导入过程中发生系统错误，未导入任何数据；请联系信息科。"}
            ]
        )
        _record_report(record, failed)
        raise
    finally:
        cache.delete(import_progress_key(record.pk))
    return _record_report(record, report)


def _catalog_import(
    *,
    actor: Any,
    content: bytes,
    filename: str,
    region: str,
    version_code: str,
    version_name: str,
    effective_from: datetime.date,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import one catalog version. Any bad row: nothing is written, every bad row is reported.
    The same file again changes nothing; a corrected file for the same version updates its items.

    The history of the items is kept by their (statement-level) pghistory triggers; the import's
    file name and digest are attached to those events' context."""
    digest = hashlib.sha256(content).hexdigest()
    existing = CatalogVersion.objects.filter(region=region, code=version_code).first()
    if existing is not None and existing.source_sha256 == digest:
        return _unchanged(existing)
    report = ImportReport()
    try:
        rows = read_table(content, filename, COLUMNS, REQUIRED, normalise=NORMALISED)
    except TableRejected as exc:
        report.errors = exc.errors
        return report
    items, seen, keys = [], {}, {}
    for done, row in enumerate(rows, start=1):
        if progress is not None and done % 500 == 0:
            progress(done, len(rows))
        index = row.number
        item = _item(row, index, report.errors, keys)
        if item is None:
            continue
        if item["code"] in seen:
            report.errors.append(
                {
                    "row": index,
                    "field": "code",
                    "message": f"编码 {item['code']} 与第 {seen[item['code']]} 行重复。",
                }
            )
            continue
        seen[item["code"]] = index
        items.append(item)
    report.rows = len(rows)
    if report.errors or not items:
        if not items and not report.errors:
            report.errors.append({"row": 1, "field": "", "message": "文件中没有条目。"})
        return report
    with transaction.atomic(), pghistory.context(catalog_import=filename[:200], sha256=digest):
        # The version row is the lock: two imports of one version run one after the other.
        version, report.created = CatalogVersion.objects.select_for_update().get_or_create(
            region=region,
            code=version_code,
            defaults={"name": version_name, "effective_from": effective_from, "created_by": actor},
        )
        if not report.created and version.source_sha256 == digest:
            return _unchanged(version)
        report.items_created, report.items_updated = _upsert_items(version=version, items=items, actor=actor)
        report.items_unchanged = len(items) - report.items_created - report.items_updated
        version.name, version.effective_from = version_name, effective_from
        version.source_sha256, version.updated_by = digest, actor
        version.item_count = version.items.count()
        version.save()
    report.items_kept = version.item_count - len(items)
    report.version = version
    return report


def _unchanged(version: CatalogVersion) -> ImportReport:
    return ImportReport(
        version=version, unchanged=True, rows=version.item_count, items_unchanged=version.item_count
    )


# --- 目录对照: hospital items mapped to national items, and the center's review recorded ----------

Status = HospitalItem.MappingStatus


def _lock_for(item: HospitalItem, target: str) -> HospitalItem:
    """Lock the item's row (the only row these services write) and check the transition."""
    locked = HospitalItem.objects.select_for_update().get(pk=item.pk)
    if target not in HospitalItem.TRANSITIONS[Status(locked.mapping_status)]:
        raise ConflictError(
            f"当前状态为“{locked.get_mapping_status_display()}”，不能改为“{Status(target).label}”。",
            code="mapping_transition_refused",
        )
    return locked


def hospital_item_map(
    *, actor: Any, item: HospitalItem, med_list_codg: str, on_date: datetime.date | None = None
) -> HospitalItem:
    """Map a hospital item to a national item of the catalog in force (REM-7: the care region's).
    The mapping waits for the center's review; until it is approved the item is full self-pay (FEE-1)."""
    code = med_list_codg.strip().upper()
    on_date = on_date or timezone.localdate()
    if not code:
        raise DomainError(
            "请选择医保目录条目。", code="national_item_required", errors={"med_list_codg": ["必填。"]}
        )
    national = selectors.items_as_of(selectors.catalog_region(), on_date).filter(code=code).first()
    if national is None:
        raise DomainError(
            f"医保目录（{on_date:%Y-%m-%d} 有效版本）中没有编码 {code}。",
            code="national_item_unknown",
            errors={"med_list_codg": ["不在现行医保目录中。"]},
        )
    with transaction.atomic(durable=True):
        locked = _lock_for(item, Status.PENDING)
        locked.med_list_codg, locked.mapping_status = national.code, Status.PENDING
        locked.mapped_by, locked.mapped_at = actor, timezone.now()
        locked.mapped_from = locked.mapped_to = locked.reviewed_by = locked.reviewed_at = None
        locked.reject_reason, locked.updated_by = "", actor
        locked.save()
    return locked


def hospital_item_approve(
    *, actor: Any, item: HospitalItem, begndate: datetime.date, enddate: datetime.date | None = None
) -> HospitalItem:
    """Record the center's approval: from `begndate` (until `enddate`, exclusive) the fund pays (FEE-1)."""
    if enddate is not None and enddate <= begndate:
        raise DomainError(
            "对照失效日期必须晚于生效日期。",
            code="mapping_period_invalid",
            errors={"enddate": ["须晚于生效日期。"]},
        )
    with transaction.atomic(durable=True):
        locked = _lock_for(item, Status.APPROVED)
        locked.mapping_status, locked.mapped_from, locked.mapped_to = Status.APPROVED, begndate, enddate
        locked.reviewed_by, locked.reviewed_at, locked.reject_reason = actor, timezone.now(), ""
        locked.updated_by = actor
        locked.save()
    return locked


def hospital_item_reject(*, actor: Any, item: HospitalItem, reason: str) -> HospitalItem:
    """Record the center's rejection and its reason: the item stays full self-pay (FEE-1)."""
    reason = reason.strip()
    if not reason:
        raise DomainError("请填写拒绝原因。", code="reject_reason_required", errors={"reason": ["必填。"]})
    if len(reason) > 200:
        raise DomainError(
            "拒绝原因不超过 200 字。", code="reject_reason_too_long", errors={"reason": ["过长。"]}
        )
    with transaction.atomic(durable=True):
        locked = _lock_for(item, Status.REJECTED)
        locked.mapping_status, locked.reject_reason = Status.REJECTED, reason
        locked.mapped_from = locked.mapped_to = None
        locked.reviewed_by, locked.reviewed_at, locked.updated_by = actor, timezone.now(), actor
        locked.save()
    return locked
