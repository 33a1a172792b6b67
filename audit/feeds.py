"""Writes of the audit's data feeds: the pharmacy's stock movements (for STOCK) and lab/exam results (for
FEE-5), imported from CSV files the pharmacy system and the LIS/PACS export.

A file is taken whole or not at all: every row is checked first (bounds, known item, parseable time) and
a file with any bad row saves nothing and answers each row's problem in Chinese. Rows already imported
(same serial, same content) are skipped, so importing a file twice adds nothing; the same serial with
different content is an error (a correction comes as a new row: a return, a new report).
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.models import ExamResult, StockMovement
from core.errors import DomainError
from drug_catalog.models import HospitalItem

MAX_ROWS = 200_000
MAX_QUANTITY = Decimal("1000000")
DIRECTIONS = {
    "in": "in",
    "入库": "in",
    "out": "out",
    "出库": "out",
    "发药": "out",
    "return": "return",
    "退药": "return",
}
POSITIVE = {
    "1": True,
    "true": True,
    "阳性": True,
    "是": True,
    "0": False,
    "false": False,
    "阴性": False,
    "否": False,
}
STOCK_COLUMNS = ("serial", "item_code", "direction", "quantity", "moved_at", "store")
RESULT_COLUMNS = ("feedetl_sn", "positive", "reported_at", "report_no")


@dataclass
class FeedResult:
    created: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def _rows(text: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise DomainError(
            f"文件缺少列：{'、'.join(missing)}（首行须为 {','.join(columns)}）。",
            code="feed_columns",
            rule="AUD-3",
        )
    rows = []
    for row in reader:
        rows.append({k: (row.get(k) or "").strip() for k in columns})
        if len(rows) > MAX_ROWS:
            raise DomainError(f"一个文件最多 {MAX_ROWS:,} 行。", code="feed_too_long", rule="AUD-3")
    return rows


def _when(value: str) -> datetime.datetime | None:
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return timezone.make_aware(datetime.datetime.strptime(value, pattern))
        except ValueError:
            continue
    return None


def stock_import(*, actor: Any, text: str) -> FeedResult:
    """The pharmacy's stock movements (in / out / return), quantities in the hospital item's charging unit."""
    result = FeedResult()
    rows = _rows(text, STOCK_COLUMNS)
    items = {
        i.medins_list_codg: i
        for i in HospitalItem.objects.filter(medins_list_codg__in={r["item_code"] for r in rows})
    }
    new: list[StockMovement] = []
    for number, row in enumerate(rows, start=2):
        problems = []
        if not row["serial"] or len(row["serial"]) > 40:
            problems.append("流水号须为 1–40 个字符")
        item = items.get(row["item_code"])
        if item is None:
            problems.append(f"院内项目编码“{row['item_code'][:30]}”不存在")
        direction = DIRECTIONS.get(row["direction"].lower())
        if direction is None:
            problems.append("方向须为 入库/出库/退药（in/out/return）")
        try:
            quantity = Decimal(row["quantity"])
            if not quantity.is_finite() or not 0 < quantity <= MAX_QUANTITY or quantity != round(quantity, 2):
                raise InvalidOperation
        except InvalidOperation:
            quantity = None
            problems.append("数量须为大于 0、不超过 1000000 的数（最多两位小数）")
        moved_at = _when(row["moved_at"])
        if moved_at is None:
            problems.append("发生时间格式须为 YYYY-MM-DD HH:MM[:SS]")
        if len(row["store"]) > 50:
            problems.append("药房名称最多 50 个字符")
        if problems:
            result.errors.append(f"第 {number} 行：{'；'.join(problems)}")
            continue
        new.append(
            StockMovement(
                serial=row["serial"],
                hospital_item=item,
                direction=direction,
                quantity=quantity,
                moved_at=moved_at,
                moved_on=timezone.localtime(moved_at).date(),
                store=row["store"],
                created_by=actor,
            )
        )
    return _save(
        result, new, StockMovement, "serial", ("hospital_item_id", "direction", "quantity", "moved_at")
    )


def exam_results_import(*, actor: Any, text: str) -> FeedResult:
    """FEE-5: lab/exam results by the charge's serial (feedetl_sn), positive or not."""
    result = FeedResult()
    new: list[ExamResult] = []
    for number, row in enumerate(_rows(text, RESULT_COLUMNS), start=2):
        problems = []
        if not row["feedetl_sn"] or len(row["feedetl_sn"]) > 30:
            problems.append("费用明细流水号须为 1–30 个字符")
        positive = POSITIVE.get(row["positive"].lower())
        if positive is None:
            problems.append("结果须为 阳性/阴性（1/0）")
        reported_at = _when(row["reported_at"])
        if reported_at is None:
            problems.append("报告时间格式须为 YYYY-MM-DD HH:MM[:SS]")
        if len(row["report_no"]) > 40:
            problems.append("报告单号最多 40 个字符")
        if problems:
            result.errors.append(f"第 {number} 行：{'；'.join(problems)}")
            continue
        new.append(
            ExamResult(
                feedetl_sn=row["feedetl_sn"],
                positive=positive,
                reported_at=reported_at,
                report_no=row["report_no"],
                created_by=actor,
            )
        )
    return _save(result, new, ExamResult, "feedetl_sn", ("positive", "reported_at"))


def _save(result: FeedResult, new: list, model, key: str, compared: tuple[str, ...]) -> FeedResult:
    seen: dict[str, Any] = {}
    for row in new:
        value = getattr(row, key)
        if value in seen:
            result.errors.append(f"流水号 {value} 在文件中重复")
        seen[value] = row
    existing = {getattr(row, key): row for row in model.objects.filter(**{f"{key}__in": list(seen)})}
    fresh = []
    for value, row in seen.items():
        old = existing.get(value)
        if old is None:
            fresh.append(row)
        elif all(getattr(old, f) == getattr(row, f) for f in compared):
            result.unchanged += 1
        else:
            result.errors.append(f"流水号 {value} 已导入且内容不同（更正请以新流水号导入）")
    if result.errors:
        return result  # nothing saved: the file is taken whole or not at all
    with transaction.atomic(durable=True):
        model.objects.bulk_create(fresh, batch_size=5000, ignore_conflicts=True)
    result.created = len(fresh)
    return result
