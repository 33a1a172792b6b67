"""Prescription check API (saves nothing), issuing with the same check, RX-4 over saved prescriptions,
approvals, cancellation and the permission matrix — on Postgres."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from core.roles import Role
from drug_catalog.models import CatalogItem, CatalogVersion, HospitalItem
from prescriptions.models import DrugApproval, Prescription
from tests.factories import PractitionerFactory, UserFactory
from tests.insured.factories import make_person
from tests.matrix import Endpoint, check_access, matrix_cases

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 25)


def item(version, code, name, **fields):
    defaults = {"item_type": "western", "insurance_class": "A", "pack_size": Decimal(24), "unit": "盒"}
    defaults.update(min_unit="片", dosage_form="片剂")
    defaults.update(fields)
    return CatalogItem.objects.create(version=version, code=code, name=name, **defaults)


@pytest.fixture
def catalog():
    version = CatalogVersion.objects.create(
        region="610000", code="T2026", name="测试目录", effective_from=datetime.date(2026, 1, 1)
    )
    return {
        "cefuroxime": item(version, "XJ01DCA030A001", "头孢呋辛酯片", insurance_class="B"),
        "metformin": item(version, "XA10BAA005A001", "盐酸二甲双胍缓释片", pack_size=Decimal(30)),
        "albumin": item(
            version,
            "XB05BAA010B001",
            "人血白蛋白",
            pack_size=Decimal(1),
            unit="瓶",
            min_unit="瓶",
            dosage_form="注射剂",
            approval_required=True,
            approval_valid_days=5,
        ),
        "checkup": item(
            version,
            "110200005",
            "健康体检",
            item_type="service",
            insurance_class="C",
            non_payable=True,
            pack_size=Decimal(1),
            unit="次",
            min_unit="次",
            dosage_form="",
        ),
    }


@pytest.fixture
def person():
    return make_person(name="李华")


@pytest.fixture
def doctor_client():
    user = UserFactory(roles=[Role.DOCTOR])
    PractitionerFactory(user=user, name="张建国")
    client = Client()
    client.force_login(user)
    return client


def body(person, items, diagnoses=("J06.9",), visit="outpatient", date=TODAY):
    return {
        "psn_no": person.psn_no,
        "visit_type": visit,
        "diagnoses": [{"code": c} for c in diagnoses],
        "items": items,
        "date": date.isoformat(),
    }


def post(client, url, data, **headers):
    return client.post(url, data, content_type="application/json", **headers)


def test_check_reports_rx2_with_fix_and_saves_nothing(doctor_client, catalog, person):
    """RX-2: 2 boxes × 24 tablets at 1 tid = 16 days > 7 for an acute illness (J06.9)."""
    line = {"item_code": "XJ01DCA030A001", "quantity": "2", "dose": "1", "frequency": "tid", "days": 7}
    answer = post(doctor_client, "/api/v1/prescriptions/check/", body(person, [line]))
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["ok"] is False
    assert data["items"][0]["days_supply"] == "16"
    [violation] = data["violations"]
    assert violation["rule"] == "RX-2" and violation["level"] == "block" and violation["item"] == 0
    assert "16 天量超过急性病 7 天" in violation["message"]
    # 7 days × 3 = 21 tablets < a box of 24 → split: 18 tablets = 0.75 box, 18 ÷ 3 = 6 days
    assert violation["fix"] == "拆零改为 0.75 盒（18 片）、6 天"
    assert violation["fix_values"] == {"quantity": "0.75", "days": "6"}
    assert data["diagnoses"][0]["category"] == "acute"
    assert not Prescription.objects.exists()


def test_diabetes_prescription_allows_30_days_by_code_range(doctor_client, catalog, person):
    """RX-2: E11.9 and E11.900 both count as diabetes → 30 days; 31 is blocked."""
    month = {"item_code": "XA10BAA005A001", "quantity": "1", "dose": "1", "frequency": "qd"}
    for code in ("E11.9", "E11.900"):
        ok = post(
            doctor_client, "/api/v1/prescriptions/check/", body(person, [month], diagnoses=[code])
        ).json()
        assert ok["ok"] is True, ok
        assert ok["diagnoses"][0]["disease"] == "糖尿病"
    over = {**month, "days": 31}
    assert (
        post(doctor_client, "/api/v1/prescriptions/check/", body(person, [over], ["E11.9"])).json()["ok"]
        is False
    )


def test_issue_refuses_blocked_and_saves_fixed_prescription(doctor_client, catalog, person):
    """A blocking rule refuses the save (422, rule id); the fixed prescription is saved with its numbers."""
    too_much = {"item_code": "XJ01DCA030A001", "quantity": "2", "dose": "1", "frequency": "tid"}
    refused = post(doctor_client, "/api/v1/prescriptions/", body(person, [too_much]))
    assert refused.status_code == 422
    assert refused.json()["code"] == "prescription_blocked" and refused.json()["rule"] == "RX-2"
    fixed = {**too_much, "quantity": "0.5", "days": 4}
    saved = post(doctor_client, "/api/v1/prescriptions/", body(person, [fixed]), HTTP_IDEMPOTENCY_KEY="k-1")
    assert saved.status_code == 201, saved.content
    data = saved.json()
    assert data["number"].startswith("RX") and data["insured"] is True
    assert data["items"][0]["days_supply"] == "4.00"
    again = post(doctor_client, "/api/v1/prescriptions/", body(person, [fixed]), HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.json()["id"] == data["id"] and Prescription.objects.count() == 1


def test_self_pay_with_consent_turns_block_into_recorded_warning(doctor_client, catalog, person):
    """FEE-6/SET-2: a non-payable class C item is saved only as self-pay with the patient's consent."""
    checkup = {"item_code": "110200005", "quantity": "1"}
    assert post(doctor_client, "/api/v1/prescriptions/", body(person, [checkup])).status_code == 422
    without_consent = {**checkup, "self_pay": True}
    refused = post(doctor_client, "/api/v1/prescriptions/", body(person, [without_consent]))
    assert refused.status_code == 422 and "FEE-4" in refused.json()["message"]
    consented = {**checkup, "self_pay": True, "consent": True}
    saved = post(doctor_client, "/api/v1/prescriptions/", body(person, [consented]))
    assert saved.status_code == 201
    assert saved.json()["insured"] is False and saved.json()["items"][0]["self_pay"] is True
    assert {v["rule"] for v in saved.json()["check_summary"]} == {"FEE-6", "SET-2"}


def test_rx4_looks_at_earlier_inpatient_prescriptions(doctor_client, catalog, person):
    """RX-4: a 30-day metformin supply on day 1 blocks a new supply on day 10, not on day 30."""
    line = {"item_code": "XA10BAA005A001", "quantity": "1", "dose": "1", "frequency": "qd"}
    first = post(doctor_client, "/api/v1/prescriptions/", body(person, [line], ["E11.9"], "inpatient"))
    assert first.status_code == 201 and first.json()["items"][0]["supply_ends_on"] == "2026-12-25"
    day10 = body(person, [line], ["E11.9"], "inpatient", TODAY + datetime.timedelta(days=10))
    answer = post(doctor_client, "/api/v1/prescriptions/check/", day10).json()
    assert [v["rule"] for v in answer["violations"]] == ["RX-4"]
    day30 = body(person, [line], ["E11.9"], "inpatient", TODAY + datetime.timedelta(days=30))
    assert post(doctor_client, "/api/v1/prescriptions/check/", day30).json()["ok"] is True
    # A cancelled prescription no longer counts.
    rx = Prescription.objects.get()
    cancelled = post(doctor_client, f"/api/v1/prescriptions/{rx.pk}/cancel/", {"reason": "录入错误"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert post(doctor_client, "/api/v1/prescriptions/check/", day10).json()["ok"] is True


def test_rx6_office_approval_valid_five_days(client_for, doctor_client, catalog, person):
    """RX-6: the office records the approval with the lab values; 5 days later it holds, 6 days later not."""
    office = client_for(Role.OFFICE)
    no_evidence = {
        "psn_no": person.psn_no,
        "item_code": "XB05BAA010B001",
        "kind": "protein",
        "approved_on": "2026-11-20",
    }
    assert post(office, "/api/v1/prescriptions/approvals/", no_evidence).status_code == 400
    recorded = post(office, "/api/v1/prescriptions/approvals/", {**no_evidence, "evidence": "白蛋白 25g/L"})
    assert recorded.status_code == 201 and DrugApproval.objects.count() == 1
    line = {"item_code": "XB05BAA010B001", "quantity": "1", "dose": "1", "frequency": "qd"}
    day5 = body(person, [line], ["K74.6"], "inpatient", datetime.date(2026, 11, 25))
    assert post(doctor_client, "/api/v1/prescriptions/check/", day5).json()["ok"] is True
    day6 = body(person, [line], ["K74.6"], "inpatient", datetime.date(2026, 11, 26))
    answer = post(doctor_client, "/api/v1/prescriptions/check/", day6).json()
    assert answer["ok"] is False and answer["violations"][0]["rule"] == "RX-6"


def test_unmapped_hospital_item_is_self_pay_only(doctor_client, catalog, person):
    """FEE-1: a hospital code whose mapping is pending is judged as its national item but never fund-paid."""
    HospitalItem.objects.create(
        medins_list_codg="YY-0001", name="头孢呋辛酯片(院内)", price=Decimal("1.10"),
        med_list_codg="XJ01DCA030A001", mapping_status=HospitalItem.MappingStatus.PENDING,
    )  # fmt: skip
    line = {"item_code": "YY-0001", "quantity": "0.25", "dose": "1", "frequency": "tid"}
    answer = post(doctor_client, "/api/v1/prescriptions/check/", body(person, [line])).json()
    assert answer["items"][0]["self_pay"] is True and answer["violations"][0]["rule"] == "FEE-1"
    HospitalItem.objects.filter(medins_list_codg="YY-0001").update(
        mapping_status="approved", mapped_from=datetime.date(2026, 1, 1)
    )
    assert post(doctor_client, "/api/v1/prescriptions/check/", body(person, [line])).json()["ok"] is True


def test_bad_input_gets_clear_errors(doctor_client, catalog, person):
    unknown = post(doctor_client, "/api/v1/prescriptions/check/", {**body(person, []), "psn_no": "000"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "person_not_found"
    bad_freq = body(person, [{"item_code": "XA10BAA005A001", "quantity": "1", "frequency": "daily"}])
    response = post(doctor_client, "/api/v1/prescriptions/check/", bad_freq)
    assert response.status_code == 400 and "frequency" in str(response.json()["errors"])


def test_a_user_without_practitioner_cannot_issue(client_for, catalog, person):
    line = {"item_code": "XA10BAA005A001", "quantity": "1", "dose": "1", "frequency": "qd"}
    response = post(client_for(Role.DOCTOR), "/api/v1/prescriptions/", body(person, [line]))
    assert response.status_code == 403 and response.json()["code"] == "no_practitioner"


ENDPOINTS = [
    Endpoint("POST", "/api/v1/prescriptions/check/", allowed={Role.DOCTOR, Role.OFFICE}, data={}),
    Endpoint("POST", "/api/v1/prescriptions/", allowed={Role.DOCTOR}, data={}),
    Endpoint("GET", "/api/v1/prescriptions/", allowed={Role.DOCTOR, Role.OFFICE}),
    Endpoint("GET", "/api/v1/prescriptions/approvals/?psn_no=x", allowed={Role.DOCTOR, Role.OFFICE}),
    Endpoint("POST", "/api/v1/prescriptions/approvals/", allowed={Role.OFFICE}, data={}),
    Endpoint("GET", "/prescriptions/new/", allowed={Role.DOCTOR}, kind="page"),
    Endpoint("GET", "/prescriptions/", allowed={Role.DOCTOR, Role.OFFICE}, kind="page"),
    Endpoint("POST", "/prescriptions/check/", allowed={Role.DOCTOR}, kind="page", data={}),
]


@pytest.mark.parametrize(("endpoint", "who"), matrix_cases(ENDPOINTS))
def test_permission_matrix(endpoint, who, client_for):
    check_access(client_for(who), endpoint, who)
