"""Ranked search by code prefix, pinyin initials, full pinyin and Chinese name (today's edition)."""

import datetime

import pytest

from diagnoses import selectors
from diagnoses.services import code_table_import

pytestmark = pytest.mark.django_db

ROWS = [
    ("E10", "1型糖尿病"),
    ("E10.900", "1型糖尿病不伴有并发症"),
    ("E11", "2型糖尿病"),
    ("E11.900", "2型糖尿病不伴有并发症"),
    ("E11.901", "2型糖尿病性酮症"),
    ("E14", "未特指的糖尿病"),
    ("E71.0", "枫糖尿病"),
    ("I10.x00", "原发性高血压"),
    ("I11", "高血压心脏病"),
    ("J00", "急性鼻咽炎［感冒］"),
    ("Z83.3", "糖尿病家族史"),
]


@pytest.fixture
def codes():
    content = "\n".join(["诊断代码,诊断名称", *(f"{c},{n}" for c, n in ROWS), ""]).encode()
    report = code_table_import(
        actor=None,
        content=content,
        filename="icd10.csv",
        kind="icd10",
        effective_from=datetime.date(2020, 1, 1),
    )
    assert not report.errors


def _codes(query, **kwargs):
    return [c.code for c in selectors.search(query, **kwargs)]


def test_search_by_initials_finds_tnb_inside_the_name(codes):
    """tnb = 糖尿病, wherever it stands (2型糖尿病 → xtnb); exact initials and shorter names first."""
    found = _codes("tnb")
    assert set(found) == {"E10", "E10.900", "E11", "E11.900", "E11.901", "E14", "E71.0", "Z83.3"}
    assert found.index("E11") < found.index("E11.900")


def test_search_by_code_prefix(codes):
    assert _codes("E11") == ["E11", "E11.900", "E11.901"]
    assert _codes("e11.9") == ["E11.900", "E11.901"]
    assert _codes("E119") == ["E11.900", "E11.901"]  # dotless, as some HIS send it
    assert _codes("I10") == ["I10.x00"]


def test_search_by_exact_initials_ranks_first(codes):
    assert _codes("gxyxzb")[0] == "I11"  # 高血压心脏病


def test_search_by_full_pinyin_and_chinese(codes):
    assert _codes("gaoxueya") == ["I11", "I10.x00"]
    assert _codes("高血压") == ["I11", "I10.x00"]  # a name starting with the query ranks first
    assert _codes("糖尿病")[0] == "Z83.3"


def test_search_limit_kind_and_empty_query(codes):
    assert len(_codes("tnb", limit=2)) == 2
    assert _codes("tnb", kind="icd9cm3") == []
    assert _codes("  ") == []
