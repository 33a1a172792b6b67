"""Writing spreadsheets (Excel, CSV) that are safe to open (issue 19, item 9).

A text cell that starts with `=`, `+`, `-` or `@` (or a tab / carriage return, which some programs
strip before reading the rest) is read as a formula by Excel and WPS: a catalog name such as
`=HYPERLINK("http://…","点击")` would become a live link or command on the office's PC. Every
exported text therefore goes through `safe_cell`, which prefixes such a text with an apostrophe
(the OWASP "CSV injection" advice); numbers, dates and other values pass unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value to write into a cell: text that a spreadsheet would run as a formula is escaped."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]
