"""Catalog search: the rank order across its tiers, and the indexes each tier is written for."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from drug_catalog import selectors
from drug_catalog.services import catalog_import

pytestmark = pytest.mark.django_db
JUNE = datetime.date(2026, 6, 1)
HEADER = "医保目录编码,名称,类别,医保类别\n"
ITEMS = [
    ("A0001", "阿莫西林胶囊"),  # amxljn
    ("A0002", "阿莫西林"),  # amxl: exact initials
    ("A0003", "阿米卡星注射液"),  # amkxzsy
    ("A0004", "复方阿莫西林片"),  # ffamxlp: pinyin contains "amoxilin"
    ("A0005", "安眠药"),  # amy
    ("A0006", "感冒灵颗粒"),
    ("A0007", "复方感冒灵片"),
    ("A0008", "小儿感冒颗粒"),
    ("A0009", "感冒"),
    ("B12345", "维生素B12片"),
    ("B123", "维生素B1片"),
]


@pytest.fixture
def catalog():
    content = HEADER + "".join(f"{code},{name},西药,甲\n" for code, name in ITEMS)
    report = catalog_import(
        actor=None,
        content=content.encode(),
        filename="s.csv",
        region="610000",
        version_code="S1",
        version_name="检索测试",
        effective_from=datetime.date(2026, 1, 1),
    )
    assert not report.errors
    return report.version


def _names(query, **kwargs):
    return [i.name for i in selectors.search(query, region="610000", on_date=JUNE, **kwargs)]


def test_latin_ranks_exact_initials_then_initials_prefix_then_pinyin_prefix_then_contains(catalog):
    assert _names("amxl") == ["阿莫西林", "阿莫西林胶囊"]
    # amkxzsy, amxl, amxljn, amy by their initials, then fufangamoxilinpian containing "am"
    assert _names("am") == ["阿米卡星注射液", "阿莫西林", "阿莫西林胶囊", "安眠药", "复方阿莫西林片"]
    assert _names("amoxilin") == ["阿莫西林", "阿莫西林胶囊", "复方阿莫西林片"]
    assert _names("ganmao") == ["感冒", "感冒灵颗粒", "复方感冒灵片", "小儿感冒颗粒"]


def test_a_short_query_stops_at_the_tiers_that_fill_the_limit(catalog):
    with CaptureQueriesContext(connection) as queries:
        assert _names("am", limit=2) == ["阿米卡星注射液", "阿莫西林"]
    # the version, then the initials tier only: no `name_pinyin LIKE '%am%'` query
    assert len(queries) == 2
    assert "name_pinyin" not in queries[1]["sql"].split("WHERE")[1]


def test_chinese_ranks_exact_then_prefix_then_contains_by_similarity(catalog):
    assert _names("感冒") == ["感冒", "感冒灵颗粒", "复方感冒灵片", "小儿感冒颗粒"]
    assert _names("感冒灵") == ["感冒灵颗粒", "复方感冒灵片"]
    assert _names("西林") == ["阿莫西林", "阿莫西林胶囊", "复方阿莫西林片"]
    # one character: no prefix, all contain it with no trigram in common, so by code
    assert _names("冒") == ["感冒灵颗粒", "复方感冒灵片", "小儿感冒颗粒", "感冒"]


def test_code_prefix_puts_the_exact_code_first(catalog):
    assert [i.code for i in selectors.search("b123", region="610000", on_date=JUNE)] == ["B123", "B12345"]
    assert [i.code for i in selectors.search("A000", region="610000", on_date=JUNE)][:2] == ["A0001", "A0002"]


def test_results_carry_their_version_without_a_query_each(catalog, django_assert_num_queries):
    with django_assert_num_queries(3):  # the version, the prefix tier, the contains tier
        items = selectors.search("感冒", region="610000", on_date=JUNE)
        versions = {(i.version.code, i.version.effective_from) for i in items}
    assert versions == {("S1", datetime.date(2026, 1, 1))}


def test_no_version_or_blank_query_finds_nothing(catalog):
    assert selectors.search("amxl", region="610000", on_date=datetime.date(2025, 1, 1)) == []
    assert selectors.search("  ", region="610000", on_date=JUNE) == []


@pytest.fixture
def big_catalog(catalog):
    """10,000 more rows and fresh statistics: the planner then weighs the indexes as in production."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO drug_catalog_catalogitem (created_at, updated_at, version_id, code, name,
                generic_name, name_pinyin, name_initials, item_type, dosage_form, specification, pack_size,
                unit, min_unit, insurance_class, restricted, restriction_text, approval_required,
                outpatient_self_pay, single_herb_self_pay, sex_limit, non_payable)
            SELECT now(), now(), %s, 'F' || n, '填充' || n || '片', '', 'tianchong' || n, 'tc' || n,
                'western', '', '', 1, '盒', '', 'A', false, '', false, false, false, '', false
            FROM generate_series(1, 10000) AS n
            """,
            [catalog.pk],
        )
        # As autovacuum leaves them: GIN pending lists merged (they make an index scan look costly).
        for index in ("catalog_item_name_trgm", "catalog_item_name_bigrams", "catalog_item_pinyin_trgm"):
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        cursor.execute("ANALYZE drug_catalog_catalogitem")


def _plans(query):
    """EXPLAIN of each tier's SQL with sequential scans priced out: which index can serve it."""
    with CaptureQueriesContext(connection) as queries:
        selectors.search(query, region="610000", on_date=JUNE)
    plans = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for captured in queries[1:]:
            cursor.execute("EXPLAIN " + captured["sql"])
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
        cursor.execute("RESET enable_seqscan")
    return plans


@pytest.mark.parametrize(
    ("query", "tier", "index", "sorted_by_index"),
    [
        ("F100", 0, "catalog_item_unique_code_per_version", True),
        ("amxl", 0, "catalog_item_initials", True),
        ("amoxi", 1, "catalog_item_pinyin_trgm", False),
        ("amoxi", 2, "catalog_item_pinyin_trgm", False),
        ("阿莫西", 0, "catalog_item_name_trgm", False),
        ("阿莫西", 1, "catalog_item_name_trgm", False),
        ("西林", 1, "catalog_item_name_bigrams", False),
    ],
)
def test_each_tier_can_use_its_index(big_catalog, query, tier, index, sorted_by_index):
    plan = _plans(query)[tier]
    assert index in plan, plan
    if sorted_by_index:
        assert "Sort" not in plan, plan  # the b-tree gives the rank order: LIMIT stops early
