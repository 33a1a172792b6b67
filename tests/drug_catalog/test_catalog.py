"""Catalog: versioned import (all-or-nothing, idempotent), as-of lookups, pinyin search, class B, API."""

import datetime
from decimal import Decimal

import pytest

from core.roles import Role
from drug_catalog import selectors
from drug_catalog.demo import demo_csv
from drug_catalog.models import BSelfPayRatio, CatalogItem, HospitalItem
from drug_catalog.services import catalog_import
from tests.matrix import ALL_ROLES, Endpoint, check_access, matrix_cases

pytestmark = pytest.mark.django_db
JUNE = datetime.date(2026, 6, 1)


def _import(content=None, code="SX2026", start=datetime.date(2026, 1, 1), filename="c.csv"):
    return catalog_import(
        actor=None,
        content=content or demo_csv(),
        filename=filename,
        region="610000",
        version_code=code,
        version_name=f"陕西 {code}",
        effective_from=start,
    )


HEADER = "医保目录编码,名称,类别,医保类别,自付比例,支付标准,物价价格\n"


def test_import_is_all_or_nothing_with_a_row_report():
    content = (
        HEADER + "X1,阿莫西林胶囊,western,A,,,\nX2,坏条目,western,D,,,\nX3,床位费,service,A,,40,35\n"
    ).encode()
    report = _import(content)
    assert report.version is None
    assert report.errors == [
        {"row": 3, "field": "insurance_class", "message": "医保类别应为 甲/乙/丙 或 A/B/C。"},
        {"row": 4, "field": "price_cap", "message": "医保支付标准高于物价核定价格（FEE-1）。"},
    ]
    assert not CatalogItem.objects.exists()


def test_reimport_of_the_same_version_is_idempotent():
    first = _import()
    count = CatalogItem.objects.count()
    assert first.created and count == first.version.item_count > 200
    again = _import()
    assert again.unchanged and CatalogItem.objects.count() == count
    corrected = (HEADER + "XJ01CAA040A00100000,阿莫西林胶囊,西药,乙,0.05,,\n").encode()
    updated = _import(corrected)
    assert not updated.created
    item = CatalogItem.objects.get(code="XJ01CAA040A00100000")
    assert (item.insurance_class, item.b_self_pay_ratio) == ("B", Decimal("0.0500"))
    assert CatalogItem.objects.count() == count  # updated in place, never duplicated


def test_lookup_is_as_of_a_date():
    _import()
    _import(
        (HEADER + "XJ01CAA040A00100000,阿莫西林胶囊,西药,甲,,,\n").encode(),
        code="SX2027",
        start=datetime.date(2027, 1, 1),
    )
    assert selectors.version_as_of("610000", datetime.date(2025, 12, 31)) is None
    assert selectors.version_as_of("610103", JUNE).code == "SX2026"  # the care region's province catalog
    assert selectors.version_as_of("610000", datetime.date(2027, 1, 1)).code == "SX2027"


@pytest.mark.parametrize(
    ("query", "first_name"),
    [
        ("amxl", "阿莫西林胶囊"),
        ("amoxilin", "阿莫西林胶囊"),
        ("阿莫西林", "阿莫西林胶囊"),
        ("XJ01CAA040A00100000", "阿莫西林胶囊"),
        ("erjiashuanggua", "盐酸二甲双胍缓释片"),
    ],
)
def test_search_by_initials_pinyin_name_and_code(query, first_name):
    _import()
    results = list(selectors.search(query, region="610000", on_date=JUNE))
    assert results, query
    assert results[0].name == first_name or results[0].generic_name == first_name


def test_class_b_share_by_insurance_and_person_type():
    _import()
    item = CatalogItem.objects.filter(insurance_class="B", b_self_pay_ratio=Decimal("0.10")).first()
    assert selectors.b_self_pay_ratio(item, insutype="310", psn_type="11", on_date=JUNE) == Decimal("0.1000")
    BSelfPayRatio.objects.create(item=item, insutype="310", ratio=Decimal("0.08"), effective_from=JUNE)
    BSelfPayRatio.objects.create(
        item=item, insutype="310", psn_type="21", ratio=Decimal("0.05"), effective_from=JUNE
    )
    assert selectors.b_self_pay_ratio(item, insutype="310", psn_type="21", on_date=JUNE) == Decimal("0.05")
    assert selectors.b_self_pay_ratio(item, insutype="310", psn_type="11", on_date=JUNE) == Decimal("0.08")
    assert selectors.b_self_pay_ratio(item, insutype="390", psn_type="41", on_date=JUNE) == Decimal("0.1000")


def test_unmapped_hospital_item_is_never_fund_payable():
    item = HospitalItem.objects.create(medins_list_codg="YN0001", name="院内自制制剂", price=Decimal("12"))
    assert item.fund_payable is False
    item.med_list_codg, item.mapping_status = "XJ01CAA040A00100000", HospitalItem.MappingStatus.APPROVED
    item.mapped_from = JUNE  # an approval has its start date (constraint hospital_item_approved_has_start)
    item.save()
    assert item.fund_payable is True


def test_api_search_and_admin_update(client_for):
    _import()
    body = client_for(Role.DOCTOR).get("/api/v1/catalog/items/?q=amxl&date=2026-06-01").json()
    assert body[0]["name"].startswith("阿莫西林胶囊") and body[0]["insurance_class"] == "A"
    assert body[0]["effective_from"] == "2026-01-01"
    item_id = body[0]["id"]
    refused = client_for(Role.DOCTOR).patch(
        f"/api/v1/catalog/items/{item_id}/", {"price_cap": "9"}, content_type="application/json"
    )
    assert refused.status_code == 403
    updated = client_for(Role.ADMIN).patch(
        f"/api/v1/catalog/items/{item_id}/", {"price_cap": "0.20"}, content_type="application/json"
    )
    assert updated.status_code == 200 and updated.json()["price_cap"] == "0.2000"


ENDPOINTS = [
    Endpoint("GET", "/api/v1/catalog/items/?q=amxl", allowed=ALL_ROLES),
    Endpoint("GET", "/api/v1/catalog/items/", allowed=ALL_ROLES),
    Endpoint("POST", "/api/v1/catalog/items/", allowed={Role.ADMIN}, data={}),
]


@pytest.mark.parametrize(("endpoint", "who"), matrix_cases(ENDPOINTS))
def test_permission_matrix(endpoint, who, client_for):
    check_access(client_for(who), endpoint, who)
