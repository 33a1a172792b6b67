"""The center's files (P2.4 §4.2, P2.6 A): a ZIP holding one tab-separated UTF-8 text, `null` for
empty. Pure Python, shared by the client and the simulator."""

from __future__ import annotations

import io
import zipfile
from typing import Any


def zip_rows(name: str, rows: list[list[Any]]) -> bytes:
    text = "\n".join("\t".join("null" if v in (None, "") else str(v) for v in row) for row in rows)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()


def unzip_rows(content: bytes) -> list[list[str | None]]:
    """Rows of the first text file in the ZIP (OH looks for result.txt; any name is read)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = [n for n in archive.namelist() if n.endswith(".txt")] or archive.namelist()
        text = archive.read(names[0]).decode("utf-8")
    return [[None if c == "null" else c for c in line.split("\t")] for line in text.splitlines() if line]
