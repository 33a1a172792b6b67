"""Roster import (花名册): Excel or CSV of insured persons with their enrollment, all-or-nothing.

Every row is validated by the same services the window uses; a file with any error imports
nothing and returns a per-row report (row, field, Chinese message). Re-importing updates, never
duplicates (persons by psn_no, enrollments by person × insurance type, cards by number).
"""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from core.errors import DomainError
from core.tabular import MissingColumns, read_table
from insured import services
from insured.models import Credential, Enrollment, InsuranceType, PersonType, RosterImport

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
GENDERS = {"1": "1", "男": "1", "2": "2", "女": "2"}
YES = {"1", "是", "y", "yes", "true", "Y", "TRUE"}


class RosterRejected(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


def read_rows(content: bytes, filename: str) -> list[dict[str, str]]:
    try:
        return read_table(content, filename, COLUMNS, REQUIRED)
    except MissingColumns as exc:
        raise RosterRejected(exc.errors) from exc


def _apply_row(row: dict[str, str], actor: Any) -> bool:
    birth = datetime.date.fromisoformat(row["birth_date"]) if row.get("birth_date") else None
    gender = GENDERS.get(row.get("gender", ""), row.get("gender") or None)
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
    start = datetime.date.fromisoformat(row["start_date"])
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


def _row_errors(index: int, row: dict[str, str]) -> list[dict[str, Any]]:
    """Format checks that need no database, before the services run."""
    errors = []
    for column in REQUIRED:
        if not row.get(column):
            errors.append({"row": index, "field": column, "message": "必填。"})
    for column in ("start_date", "birth_date"):
        if row.get(column):
            try:
                datetime.date.fromisoformat(row[column])
            except ValueError:
                errors.append({"row": index, "field": column, "message": "日期格式应为 YYYY-MM-DD。"})
    if row.get("balance"):
        try:
            if Decimal(row["balance"]) < 0:
                errors.append({"row": index, "field": "balance", "message": "余额不能为负数。"})
        except InvalidOperation:
            errors.append({"row": index, "field": "balance", "message": "余额不是有效金额。"})
    if row.get("insutype") and not InsuranceType.objects.filter(code=row["insutype"]).exists():
        errors.append({"row": index, "field": "insutype", "message": f"未知的险种代码 {row['insutype']}。"})
    if row.get("psn_type") and not PersonType.objects.filter(code=row["psn_type"]).exists():
        errors.append({"row": index, "field": "psn_type", "message": f"未知的人员类别 {row['psn_type']}。"})
    return errors


def roster_import(*, actor: Any, content: bytes, filename: str) -> RosterImport:
    """All-or-nothing import; the attempt itself is always recorded (RosterImport)."""
    digest = hashlib.sha256(content).hexdigest()
    record = RosterImport(filename=filename[:200], sha256=digest, created_by=actor, updated_by=actor)
    try:
        rows = read_rows(content, filename)
        record.row_count = len(rows)
        with transaction.atomic():
            errors: list[dict[str, Any]] = []
            created = updated = 0
            for index, row in enumerate(rows, start=2):  # row 1 is the header
                row_errors = _row_errors(index, row)
                if row_errors:
                    errors.extend(row_errors)
                    continue
                try:
                    with transaction.atomic():
                        if _apply_row(row, actor):
                            created += 1
                        else:
                            updated += 1
                except DomainError as exc:
                    fields = list(exc.errors) or [""]
                    errors.extend({"row": index, "field": f, "message": exc.message} for f in fields[:1])
            if errors:
                raise RosterRejected(errors)
            record.persons_created, record.persons_updated = created, updated
            record.outcome = RosterImport.Outcome.APPLIED
            record.save()
            return record
    except RosterRejected as rejected:
        record.outcome = RosterImport.Outcome.REJECTED
        record.errors = rejected.errors
        record.error_count = len(rejected.errors)
        record.save()
        return record
