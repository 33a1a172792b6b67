"""目录对照 API: /api/v1/catalog/hospital-items/ (office, clerk and admin read; office and admin write)."""

import pytest

from core.roles import Role
from drug_catalog.models import HospitalItem
from tests.drug_catalog.factories import HospitalItemFactory, make_catalog
from tests.matrix import Endpoint, check_access, matrix_cases

pytestmark = pytest.mark.django_db
AMOXICILLIN = "XJ01CAA040A00100000"
BASE = "/api/v1/catalog/hospital-items/"
WRITERS = {Role.OFFICE, Role.ADMIN}


def _action_url(action):
    def url():
        item = HospitalItem.objects.first() or HospitalItemFactory()
        return f"{BASE}{item.pk}/{action}/"

    url.__name__ = f"{BASE}<pk>/{action}/"
    return url


ENDPOINTS = [
    Endpoint("GET", BASE, allowed={Role.OFFICE, Role.CLERK, Role.ADMIN}),
    Endpoint("GET", f"{BASE}?status=all&q=YN", allowed={Role.OFFICE, Role.CLERK, Role.ADMIN}),
    Endpoint("POST", _action_url("map"), allowed=WRITERS, data={}),
    Endpoint("POST", _action_url("approve"), allowed=WRITERS, data={}),
    Endpoint("POST", _action_url("reject"), allowed=WRITERS, data={}),
]


@pytest.mark.parametrize(("endpoint", "who"), matrix_cases(ENDPOINTS))
def test_permission_matrix(endpoint, who, client_for):
    check_access(client_for(who), endpoint, who)


def test_office_maps_and_approves_and_the_window_reads_fund_payable(client_for):
    make_catalog()
    item = HospitalItemFactory(medins_list_codg="H-AMX", name="阿莫西林胶囊（院内）")
    office, clerk = client_for(Role.OFFICE), client_for(Role.CLERK)

    listed = clerk.get(BASE).json()
    assert listed["count"] == 1
    row = listed["results"][0]
    assert (row["medins_list_codg"], row["mapping_status"], row["fund_payable"]) == (
        "H-AMX",
        "unmapped",
        False,
    )
    assert row["self_pay_reason"] == "未对照，全自费"

    mapped = office.post(
        f"{BASE}{item.pk}/map/", {"med_list_codg": AMOXICILLIN}, content_type="application/json"
    )
    assert mapped.status_code == 200
    body = mapped.json()
    assert (body["mapping_status"], body["med_list_name"], body["fund_payable"]) == (
        "pending",
        "阿莫西林胶囊",
        False,
    )

    approved = office.post(
        f"{BASE}{item.pk}/approve/", {"begndate": "2026-12-01"}, content_type="application/json"
    )
    body = approved.json()
    assert (body["mapping_status"], body["mapped_from"], body["fund_payable"]) == (
        "approved",
        "2026-12-01",
        True,
    )
    assert body["reviewed_by"] and body["mapped_by"]

    assert clerk.get(f"{BASE}?status=approved").json()["results"][0]["fund_payable"] is True
    assert clerk.get(BASE).json()["count"] == 0  # nothing left to do


def test_refusals_use_the_one_error_body(client_for):
    make_catalog()
    item = HospitalItemFactory()
    office = client_for(Role.OFFICE)
    unknown = office.post(
        f"{BASE}{item.pk}/map/", {"med_list_codg": "XNOPE"}, content_type="application/json"
    )
    assert unknown.status_code == 400 and unknown.json()["code"] == "national_item_unknown"
    early = office.post(
        f"{BASE}{item.pk}/approve/", {"begndate": "2026-12-01"}, content_type="application/json"
    )
    assert early.status_code == 409
    assert set(early.json()) == {"code", "message", "rule", "errors"}
    assert "不能改为" in early.json()["message"]
    office.post(f"{BASE}{item.pk}/map/", {"med_list_codg": AMOXICILLIN}, content_type="application/json")
    no_reason = office.post(f"{BASE}{item.pk}/reject/", {"reason": ""}, content_type="application/json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    rejected = office.post(
        f"{BASE}{item.pk}/reject/", {"reason": "规格不一致"}, content_type="application/json"
    )
    assert (
        rejected.json()["mapping_status"] == "rejected" and rejected.json()["reject_reason"] == "规格不一致"
    )
