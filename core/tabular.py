"""Reading an uploaded table (.xlsx first sheet, or .csv in UTF-8/GB18030) into rows keyed by column.

The file is judged by its content before it is parsed: empty, too large, binary, NUL bytes, an old
.xls, a damaged workbook or an over-long cell are refused with a Chinese message and, where there is
one, the row number — never a server error. Codes and numbers are NFKC-normalised ("１２" → "12")."""

from __future__ import annotations

import csv
import datetime
import io
import unicodedata
import zipfile
from typing import Any

from django.conf import settings

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .doc …)


class TableRejected(ValueError):
    """The file cannot be read as a table; `errors` lists why, as {row, field, message} (row 0: the file)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors


class MissingColumns(TableRejected):
    """The header lacks required columns; `errors` lists them as row-1 errors."""


class TableRow(dict):
    """One data row as {column: text}; `number` is its row in the file (the header is row 1)."""

    number: int = 0


def _refuse(message: str, row: int = 0, field: str = "") -> TableRejected:
    return TableRejected([{"row": row, "field": field, "message": message}])


def sniff(content: bytes, *, max_bytes: int | None = None) -> str:
    """ "xlsx" or "csv" by the content (never the file name); refuses what is neither."""
    limit = max_bytes if max_bytes is not None else settings.IMPORT_MAX_UPLOAD_BYTES
    if not content:
        raise _refuse("文件为空，请选择有数据的文件。")
    if len(content) > limit:
        raise _refuse(
            f"文件过大（{len(content) / 1024 / 1024:.1f} MB），上限为 {limit // (1024 * 1024)} MB。"
        )
    if content.startswith(XLSX_MAGIC):
        if not zipfile.is_zipfile(io.BytesIO(content)):
            raise _refuse("Excel 文件已损坏，无法读取。")
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise _refuse("该压缩文件不是 Excel 工作簿（.xlsx）。")
        return "xlsx"
    if content.startswith(OLE_MAGIC):
        raise _refuse("不支持旧版 Excel（.xls），请另存为 .xlsx 或 CSV（UTF-8）后导入。")
    if b"\x00" in content:
        line = content[: content.index(b"\x00")].count(b"\n") + 1
        raise _refuse(f"第 {line} 行含有空字符（NUL），不是文本文件；请上传 .xlsx 或 CSV。", row=line)
    text = _decode(content)
    for number, line in enumerate(text.splitlines(), start=1):
        bad = next((c for c in line if unicodedata.category(c) == "Cc" and c != "\t"), None)
        if bad is not None:
            raise _refuse(
                f"第 {number} 行含有控制字符（U+{ord(bad):04X}），不是有效的 CSV 文本。", row=number
            )
    return "csv"


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise _refuse("文件不是 UTF-8 或 GB18030 编码的文本，也不是 .xlsx 工作簿。") from exc


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


def _xlsx_values(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    except Exception as exc:  # openpyxl raises many kinds (KeyError, ValueError, zip errors …) on bad files
        raise _refuse("Excel 文件内容无法读取（文件损坏或格式不符），请另存为 .xlsx 后重试。") from exc


def _csv_values(content: bytes) -> list[list[str]]:
    # The csv module's own cap (131,072 characters) would end the read with an error that names no
    # column; let cells through to the upload's size and judge their length in read_table.
    csv.field_size_limit(max(csv.field_size_limit(), settings.IMPORT_MAX_UPLOAD_BYTES))
    reader = csv.reader(io.StringIO(_decode(content)))
    values = []
    try:
        for raw in reader:
            values.append(raw)
    except csv.Error as exc:
        raise _refuse(
            f"第 {reader.line_num} 行无法按 CSV 读取（单元格过长或引号不成对）。", row=reader.line_num
        ) from exc
    return values


def read_table(
    content: bytes,
    filename: str,
    columns: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    *,
    normalise: tuple[str, ...] = (),
) -> list[TableRow]:
    """Rows as {column: text}; `columns` maps a column to the header titles that name it; the
    columns in `normalise` (codes, numbers, dates) are NFKC-normalised. Raises TableRejected."""
    kind = sniff(content)
    values = _xlsx_values(content) if kind == "xlsx" else _csv_values(content)
    if not values:
        return []
    header = [unicodedata.normalize("NFKC", str(h)).strip() for h in values[0]]
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
    limit = settings.IMPORT_MAX_CELL_CHARS
    rows, too_long = [], []
    for number, raw in enumerate(values[1:], start=2):
        if not any(str(v).strip() for v in raw):
            continue
        row = TableRow()
        row.number = number
        for column, index in mapping.items():
            text = str(raw[index]).strip() if index < len(raw) and raw[index] is not None else ""
            if len(text) > limit:
                too_long.append(
                    {
                        "row": number,
                        "field": column,
                        "message": f"单元格过长（{len(text)} 字，上限 {limit}）。",
                    }
                )
                text = ""
            elif column in normalise:
                text = unicodedata.normalize("NFKC", text).strip()
            row[column] = text
        rows.append(row)
    if too_long:
        raise TableRejected(too_long)
    return rows
