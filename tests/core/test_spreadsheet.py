"""Exported cells never start a formula (issue 19, item 9): one helper, core.spreadsheet.safe_cell."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from core.spreadsheet import safe_cell, safe_row


@pytest.mark.parametrize(
    ("value", "written"),
    [
        pytest.param('=HYPERLINK("http://x","点击")', '\'=HYPERLINK("http://x","点击")', id="equals"),
        pytest.param("+86 139", "'+86 139", id="plus"),
        pytest.param("-2+3", "'-2+3", id="minus"),
        pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
        pytest.param("\t=1+1", "'\t=1+1", id="tab"),
        pytest.param("\r=1+1", "'\r=1+1", id="carriage-return"),
        pytest.param("阿莫西林=0.25g", "阿莫西林=0.25g", id="equals-inside-is-text"),
        pytest.param("H0001", "H0001", id="code"),
        pytest.param("", "", id="empty"),
        pytest.param(-5, -5, id="negative-int-stays-a-number"),
        pytest.param(Decimal("-1.50"), Decimal("-1.50"), id="negative-decimal-stays-a-number"),
        pytest.param(datetime.date(2026, 12, 1), datetime.date(2026, 12, 1), id="date"),
        pytest.param(None, None, id="none"),
    ],
)
def test_safe_cell(value, written):
    assert safe_cell(value) == written


def test_safe_row_escapes_each_cell():
    assert safe_row(["=1", "a", 2]) == ["'=1", "a", 2]
