"""Catalog import: counts, history of every item kept by statement-level triggers, row errors the
database would otherwise raise for the whole file."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps

from drug_catalog.demo import demo_csv
from drug_catalog.models import CatalogItem
from drug_catalog.services import catalog_import
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HEADER = "医保目录编码,名称,类别,医保类别,自付比例,支付标准,物价价格\n"


def _import(content, code="SX2026", actor=None, filename="c.csv"):
    return catalog_import(
        actor=actor,
        content=content,
        filename=filename,
        region="610000",
        version_code=code,
        version_name=f"陕西 {code}",
        effective_from=datetime.date(2026, 1, 1),
    )


def _events():
    return apps.get_model("drug_catalog", "CatalogItemEvent").objects


def test_first_import_counts_every_item_as_created_and_records_its_insert_event():
    admin = UserFactory()
    report = _import(demo_csv(), actor=admin, filename="陕西2026.csv")
    count = CatalogItem.objects.count()
    assert (report.items_created, report.items_updated, report.items_unchanged) == (count, 0, 0)
    assert report.version.item_count == count and report.created
    inserts = _events().filter(pgh_label="insert")
    assert inserts.count() == count
    event = inserts.select_related("pgh_context").first()
    assert event.pgh_context.metadata["catalog_import"] == "陕西2026.csv"
    assert event.pgh_context.metadata["sha256"] == report.version.source_sha256
    item = CatalogItem.objects.get(code="XJ01CAA040A00100000")
    assert (item.created_by, item.updated_by) == (admin, admin)
    assert item.name_initials == "amxljn" and item.name_pinyin == "amoxilinjiaonang"


def test_corrected_file_updates_only_the_changed_rows_and_keeps_the_others():
    original = HEADER + "X1,阿莫西林胶囊,西药,甲,,,\nX2,布洛芬片,西药,甲,,,\nX3,床位费,service,甲,,30,35\n"
    _import(original.encode())
    editor = UserFactory()
    corrected = HEADER + "X1,阿莫西林胶囊,西药,乙,0.1,,\nX2,布洛芬片,西药,甲,,,\n"
    report = _import(corrected.encode(), actor=editor)
    assert not report.created
    assert (report.items_created, report.items_updated, report.items_unchanged) == (0, 1, 1)
    assert report.items_kept == 1  # X3 is not in the corrected file and stays as it was
    assert report.version.item_count == 3
    changed = CatalogItem.objects.get(code="X1")
    assert (changed.insurance_class, changed.b_self_pay_ratio, changed.updated_by) == (
        "B",
        Decimal("0.1000"),
        editor,
    )
    assert CatalogItem.objects.get(code="X2").updated_by is None  # unchanged rows are not touched
    updates = _events().filter(pgh_label="update")
    assert [(e.code, e.insurance_class) for e in updates] == [("X1", "B")]


def test_an_admin_edit_after_an_import_is_an_update_event():
    _import((HEADER + "X1,阿莫西林胶囊,西药,甲,,,\n").encode())
    item = CatalogItem.objects.get(code="X1")
    item.price_cap = Decimal("0.35")
    item.save()
    labels = list(_events().filter(pgh_obj_id=item.pk).order_by("pgh_id").values_list("pgh_label", flat=True))
    assert labels == ["insert", "update"]


def test_the_same_file_again_is_reported_as_unchanged():
    first = _import(demo_csv())
    again = _import(demo_csv())
    assert again.unchanged and again.version == first.version
    assert again.items_unchanged == first.items_created and again.items_created == 0
    assert _events().count() == first.items_created


def test_values_too_long_or_too_large_are_row_errors_not_a_failed_insert():
    content = (
        HEADER
        + f"X1,{'很长的名称' * 41},西药,甲,,,\n"
        + "X2,布洛芬片,西药,甲,,99999999999,\n"
        + f"{'C' * 51},布洛芬片,西药,甲,,,\n"
    ).encode()
    report = _import(content)
    assert report.version is None
    assert report.errors == [
        {"row": 2, "field": "name", "message": "超过 200 个字符。"},
        {"row": 3, "field": "price_cap", "message": "数值过大。"},
        {"row": 4, "field": "code", "message": "超过 50 个字符。"},
    ]
    assert not CatalogItem.objects.exists()


def test_a_long_name_has_its_search_keys_cut_to_their_columns():
    name = "阿莫西林克拉维酸钾" * 22  # 198 characters, some 900 letters of pinyin
    _import((HEADER + f"X1,{name},西药,甲,,,\n").encode())
    item = CatalogItem.objects.get(code="X1")
    assert len(item.name_pinyin) == 400 and len(item.name_initials) == 100
    assert item.name_initials.startswith("amxlklwsj")
