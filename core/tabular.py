"""Reading an uploaded table (.xlsx first sheet, or .csv in UTF-8/GB18030) into rows keyed by column."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any


class MissingColumns(ValueError):
    """The header lacks required columns; `errors` lists them as row-1 errors."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_table(
    content: bytes, filename: str, columns: dict[str, tuple[str, ...]], required: tuple[str, ...]
) -> list[dict[str, str]]:
    """Rows as {column: text}; `columns` maps a column to the header titles that name it."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        values = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("gb18030")
        values = list(csv.reader(io.StringIO(text)))
    if not values:
        return []
    header = [h.strip() for h in values[0]]
    mapping = {}
    for column, aliases in columns.items():
        for index, title in enumerate(header):
            if title in aliases:
                mapping[column] = index
    missing = [c for c in required if c not in mapping]
    if missing:
        raise MissingColumns(
            [{"row": 1, "field": c, "message": f"缺少必需的列：{'/'.join(columns[c])}"} for c in missing]
        )
    rows = []
    for raw in values[1:]:
        if not any(str(v).strip() for v in raw):
            continue
        rows.append(
            {
                c: (str(raw[i]).strip() if i < len(raw) and raw[i] is not None else "")
                for c, i in mapping.items()
            }
        )
    return rows
