"""Roster import (花名册): Excel or CSV of insured persons with their enrollment, all-or-nothing.

Every attempt is recorded (RosterImport), refusals included. The file is judged by its content
first (core.tabular: size, type, NUL bytes, over-long cells); then every row is checked without
writing anything (format, lengths, codes, the certificate's check digit, a psn_no or certificate
number repeated within the file); only a file without errors is applied, in one transaction, by the
same services the window uses. Codes and numbers are NFKC-normalised, so full-width digits never
make a second person. Re-importing updates, never duplicates (persons by psn_no, enrollments by
person × insurance type, cards by number).

Large files run as a Celery task (insured.tasks.roster_import_run) that reports its progress.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.utils import timezone

from core.errors import DomainError
from core.tabular import TableRejected, TableRow, read_table
from insured import services
from insured.identity import CertificateError, FormatKind, check_certificate, check_person_facts
from insured.identity import normalise as normalise_certno
from insured.models import (
    CertificateType,
    Credential,
    Enrollment,
    InsuranceType,
    InsuredPerson,
    PersonType,
    RosterImport,
)

# column -> accepted headers (English national field names, or the Chinese labels)
COLUMNS = {
    "psn_no": ("psn_no", "人员编号"),
    "psn_cert_type": ("psn_cert_type", "证件类型"),
    "certno": ("certno", "证件号码"),
    "name": ("psn_name", "name", "姓名"),
    "gender": ("gend", "gender", "性别"),
    "birth_date": ("brdy", "birth_date", "出生日期"),
    "phone": ("tel", "phone", "联系电话"),
    "insuplc_admdvs": ("insuplc_admdvs", "参保地区划"),
    "insutype": ("insutype", "险种"),
    "psn_type": ("psn_type", "人员类别"),
    "start_date": ("psn_insu_date", "start_date", "参保日期"),
    "balance": ("balc", "balance", "个人账户余额"),
    "direct_settlement": ("direct_settlement", "允许直接结算"),
    "emp_name": ("emp_name", "单位名称"),
    "card_no": ("card_no", "社保卡号"),
    "card_sn": ("card_sn", "卡识别码"),
}
REQUIRED = (
    "psn_no",
    "psn_cert_type",
    "certno",
    "name",
    "insuplc_admdvs",
    "insutype",
    "psn_type",
    "start_date",
)
# Codes, numbers and dates: full-width characters are read as their ASCII twins.
NORMALISED = (
    "psn_no",
    "psn_cert_type",
    "certno",
    "gender",
    "birth_date",
    "phone",
    "insuplc_admdvs",
    "insutype",
    "psn_type",
    "start_date",
    "balance",
    "direct_settlement",
    "card_no",
    "card_sn",
)
# Text columns and the model field whose length bounds them.
LENGTHS = {
    "psn_no": InsuredPerson._meta.get_field("psn_no"),
    "certno": InsuredPerson._meta.get_field("certno"),
    "name": InsuredPerson._meta.get_field("name"),
    "phone": InsuredPerson._meta.get_field("phone"),
    "insuplc_admdvs": InsuredPerson._meta.get_field("insuplc_admdvs"),
    "emp_name": Enrollment._meta.get_field("emp_name"),
    "card_no": Credential._meta.get_field("number"),
    "card_sn": Credential._meta.get_field("card_sn"),
}
BALANCE_FIELD = Enrollment._meta.get_field("balance")
GENDERS = {"1": "1", "男": "1", "2": "2", "女": "2"}
YES = {"1", "是", "y", "yes", "true", "Y", "TRUE"}
EARLIEST_DATE = datetime.date(1900, 1, 1)
PROGRESS_EVERY = 200
Progress = Callable[[int, int], None]


class RosterRejected(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


def read_rows(content: bytes, filename: str) -> list[TableRow]:
    try:
        rows = read_table(content, filename, COLUMNS, REQUIRED, normalise=NORMALISED)
    except TableRejected as exc:
        raise RosterRejected(exc.errors) from exc
    if not rows:
        raise RosterRejected([{"row": 1, "field": "", "message": "文件中没有数据行，未导入任何人员。"}])
    return rows


def _date(text: str) -> datetime.date:
    value = datetime.date.fromisoformat(text)
    if not EARLIEST_DATE <= value <= timezone.localdate() + datetime.timedelta(days=366):
        raise ValueError(text)
    return value


def _apply_row(row: dict[str, str], actor: Any) -> bool:
    birth = _date(row["birth_date"]) if row.get("birth_date") else None
    gender = GENDERS.get(row.get("gender", "")) if row.get("gender") else None
    person, created = services.person_register(
        actor=actor,
        psn_no=row["psn_no"],
        cert_type_code=row["psn_cert_type"].zfill(2),
        certno=row["certno"],
        name=row["name"],
        insuplc_admdvs=row["insuplc_admdvs"],
        gender=gender,
        birth_date=birth,
        phone=row.get("phone", ""),
    )
    balance = Decimal(row["balance"]) if row.get("balance") else None
    direct = row.get("direct_settlement", "1") in YES if row.get("direct_settlement") else True
    start = _date(row["start_date"])
    existing = person.enrollments.filter(
        status=Enrollment.Status.ACTIVE, insutype__code=row["insutype"]
    ).first()
    if existing is None:
        services.enrollment_add(
            actor=actor,
            person=person,
            insutype_code=row["insutype"],
            psn_type_code=row["psn_type"],
            start_date=start,
            balance=balance,
            direct_settlement_allowed=direct,
            emp_name=row.get("emp_name", ""),
        )
    else:
        changes = {
            "balance": balance,
            "direct_settlement_allowed": direct,
            "psn_type": PersonType.objects.get(code=row["psn_type"]),
            "emp_name": row.get("emp_name", ""),
        }
        if any(getattr(existing, k) != v for k, v in changes.items()):
            for key, value in changes.items():
                setattr(existing, key, value)
            existing.updated_by = actor
            existing.save()
    if row.get("card_no"):
        services.credential_add(
            actor=actor,
            person=person,
            cert_type=Credential.Type.SOCIAL_SECURITY_CARD,
            number=row["card_no"],
            card_sn=row.get("card_sn", ""),
        )
    if person.psn_cert_type.code == "01":
        services.credential_add(
            actor=actor, person=person, cert_type=Credential.Type.ID_CARD, number=person.certno
        )
    return created


class _Checker:
    """Row checks that write nothing: run over the whole file before anything is applied."""

    def __init__(self) -> None:
        self.insutypes = set(InsuranceType.objects.values_list("code", flat=True))
        self.psn_types = set(PersonType.objects.values_list("code", flat=True))
        self.cert_types = {c.code: c.format_kind for c in CertificateType.objects.filter(is_active=True)}
        self.first_row: dict[tuple[str, str], int] = {}

    def errors(self, index: int, row: dict[str, str]) -> list[dict[str, Any]]:
        errors: list[dict[str, Any]] = []

        def error(field: str, message: str) -> None:
            errors.append({"row": index, "field": field, "message": message})

        for column in REQUIRED:
            if not row.get(column):
                error(column, "必填。")
        for column, model_field in LENGTHS.items():
            if len(row.get(column, "")) > model_field.max_length:
                error(column, f"不超过 {model_field.max_length} 个字符。")
        dates: dict[str, datetime.date] = {}
        for column in ("start_date", "birth_date"):
            if row.get(column):
                try:
                    dates[column] = _date(row[column])
                except ValueError:
                    error(column, "日期应为 YYYY-MM-DD，且在 1900 年以后、一年以内。")
        if row.get("gender") and row["gender"] not in GENDERS:
            error("gender", "性别应为 1/2 或 男/女。")
        if row.get("balance"):
            self._balance(row["balance"], error)
        if row.get("insutype") and row["insutype"] not in self.insutypes:
            error("insutype", f"未知的险种代码 {row['insutype']}。")
        if row.get("psn_type") and row["psn_type"] not in self.psn_types:
            error("psn_type", f"未知的人员类别 {row['psn_type']}。")
        if not errors:
            self._certificate(row, dates, error)
        self._repeated(index, row, error)
        return errors

    def _balance(self, text: str, error: Callable[[str, str], None]) -> None:
        try:
            balance = Decimal(text)
        except InvalidOperation:
            error("balance", "余额不是有效金额。")
            return
        whole_digits = BALANCE_FIELD.max_digits - BALANCE_FIELD.decimal_places
        if not balance.is_finite() or "e" in text.lower():
            error("balance", "余额不是有效金额。")
        elif balance < 0:
            error("balance", "余额不能为负数。")
        elif balance >= 10**whole_digits or -balance.as_tuple().exponent > BALANCE_FIELD.decimal_places:
            error("balance", f"余额超出范围（最多 {whole_digits} 位整数、2 位小数）。")

    def _certificate(self, row: dict[str, str], dates: dict, error: Callable[[str, str], None]) -> None:
        """INS-1: the certificate's own check (format, check digit), and birth date/gender against it."""
        kind = self.cert_types.get(row["psn_cert_type"].zfill(2))
        if kind is None:
            error("psn_cert_type", f"未知的证件类型：{row['psn_cert_type']}")
            return
        try:
            facts = check_certificate(FormatKind(kind), row["certno"])
        except CertificateError as exc:
            error(exc.field, exc.message)
            return
        mismatches = check_person_facts(
            facts, birth_date=dates.get("birth_date"), gender=GENDERS.get(row.get("gender", ""))
        )
        for field, message in mismatches.items():
            error(field, message)

    def _repeated(self, index: int, row: dict[str, str], error: Callable[[str, str], None]) -> None:
        """A person twice in one file would be created, then overwritten: refused with both rows."""
        keys = [("psn_no", row.get("psn_no", ""))]
        if row.get("certno"):
            keys.append(
                ("certno", f"{row.get('psn_cert_type', '').zfill(2)}:{normalise_certno(row['certno'])}")
            )
        for field, value in keys:
            if not value:
                continue
            first = self.first_row.setdefault((field, value), index)
            if first != index:
                shown = row["psn_no"] if field == "psn_no" else row["certno"]
                error(field, f"{shown} 与第 {first} 行重复（同一文件中每人只能出现一次）。")


def _report(record: RosterImport | None, done: int, total: int) -> None:
    """Progress for the page's bar: in the cache, visible while the import's transaction is open."""
    if record is not None and record.pk:
        cache.set(progress_key(record.pk), {"done": done, "total": total}, timeout=60 * 60)


def progress_key(pk: int) -> str:
    return f"insured:roster-import:{pk}:progress"


def progress(record: RosterImport) -> dict[str, int]:
    """{done, total, percent} of a running import; a finished one is at 100."""
    if record.outcome in (RosterImport.Outcome.APPLIED, RosterImport.Outcome.REJECTED):
        total = record.row_count or 1
        return {"done": total, "total": total, "percent": 100}
    state = cache.get(progress_key(record.pk)) or {"done": 0, "total": 0}
    # Two passes over the rows (check, then apply): each is half of the bar.
    total = state["total"] or 0
    percent = min(99, int(100 * state["done"] / (2 * total))) if total else 0
    return {"done": state["done"], "total": total, "percent": percent}


def _run(record: RosterImport, content: bytes, filename: str, actor: Any) -> None:
    rows = read_rows(content, filename)
    record.row_count = len(rows)
    total = len(rows)
    checker = _Checker()
    errors: list[dict[str, Any]] = []
    for done, row in enumerate(rows, start=1):
        errors.extend(checker.errors(row.number, row))
        if done % PROGRESS_EVERY == 0:
            _report(record, done, total)
    if errors:
        raise RosterRejected(errors)
    _report(record, total, total)
    created = updated = 0
    with transaction.atomic():
        for done, row in enumerate(rows, start=1):
            try:
                with transaction.atomic():
                    if _apply_row(row, actor):
                        created += 1
                    else:
                        updated += 1
            except DomainError as exc:
                fields = list(exc.errors) or [""]
                errors.extend({"row": row.number, "field": f, "message": exc.message} for f in fields[:1])
            except DatabaseError:
                errors.append({"row": row.number, "field": "", "message": "该行与已有数据冲突，无法保存。"})
            if done % PROGRESS_EVERY == 0:
                _report(record, total + done, total)
        if errors:
            raise RosterRejected(errors)
        record.persons_created, record.persons_updated = created, updated
        record.outcome = RosterImport.Outcome.APPLIED
        record.content = None
        record.save()


def _finish_rejected(record: RosterImport, errors: list[dict[str, Any]]) -> RosterImport:
    record.outcome = RosterImport.Outcome.REJECTED
    record.errors = errors
    record.error_count = len(errors)
    record.content = None
    record.save()
    return record


def roster_import(*, actor: Any, content: bytes, filename: str) -> RosterImport:
    """All-or-nothing import, now; the attempt itself is always recorded (RosterImport)."""
    record = RosterImport.objects.create(
        filename=filename[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        outcome=RosterImport.Outcome.RUNNING,
        created_by=actor,
        updated_by=actor,
    )
    return _execute(record, content, actor)


def _execute(record: RosterImport, content: bytes, actor: Any) -> RosterImport:
    try:
        _run(record, content, record.filename, actor)
    except RosterRejected as rejected:
        return _finish_rejected(record, rejected.errors)
    finally:
        cache.delete(progress_key(record.pk))
    return record


def roster_import_start(*, actor: Any, content: bytes, filename: str) -> RosterImport:
    """Queue a large import: the file is kept with its record and a Celery task applies it after
    the commit; the page polls `progress`. A file refused by its content is recorded at once."""
    from core.tabular import sniff

    digest = hashlib.sha256(content).hexdigest()
    try:
        sniff(content)
    except TableRejected as exc:
        record = RosterImport(filename=filename[:200], sha256=digest, created_by=actor, updated_by=actor)
        return _finish_rejected(record, exc.errors)
    with transaction.atomic():
        record = RosterImport.objects.create(
            filename=filename[:200],
            sha256=digest,
            outcome=RosterImport.Outcome.PENDING,
            content=content,
            created_by=actor,
            updated_by=actor,
        )
        from insured.tasks import roster_import_run

        transaction.on_commit(lambda: roster_import_run.delay(record.pk))
    return record


def roster_import_run(record_id: int) -> RosterImport | None:
    """The task's body: apply a queued import once (a redelivered task finds it already done)."""
    with transaction.atomic():
        record = RosterImport.objects.select_for_update().filter(pk=record_id).first()
        if record is None or record.outcome != RosterImport.Outcome.PENDING:
            return record
        record.outcome = RosterImport.Outcome.RUNNING
        record.save(update_fields=["outcome", "updated_at"])
    content = bytes(record.content or b"")
    try:
        return _execute(record, content, record.created_by)
    except Exception:
        # Recorded as failed (never left "running" for ever), then raised for the worker's log.
        _finish_rejected(
            record,
            [{"row": 0, "field": "", "message": "导入过程中发生系统错误，未导入任何数据；请联系信息科。"}],
        )
        raise
