"""The admission API end to end on Postgres with the simulated center, and its permission matrix."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from admission.models import Stay
from core.roles import Role
from fees.models import FeeLine
from tests.admission.factories import confirmed_read, make_catalog_items, make_codes, make_hospital
from tests.factories import PractitionerFactory, UserFactory
from tests.insured.factories import make_person
from tests.matrix import Endpoint, check_access, matrix_cases

pytestmark = pytest.mark.django_db


def client_with(role, practitioner_department=None, ward=None):
    user = UserFactory(roles=[role])
    if practitioner_department is not None:
        kind = "nurse" if role == Role.NURSE else "doctor"
        PractitionerFactory(user=user, department=practitioner_department, ward=ward, kind=kind)
    client = Client()
    client.force_login(user)
    return client, user


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_admit_charge_list_and_discharge_through_the_api(center):
    hospital = make_hospital()
    make_codes()
    make_catalog_items()
    person = make_person(name="王芳")
    center.enrol(person)
    clerk, clerk_user = client_with(Role.CLERK)
    doctor, _ = client_with(Role.DOCTOR, hospital.department)
    nurse, _ = client_with(Role.NURSE, hospital.department, hospital.ward)
    read = confirmed_read(person, clerk_user)

    admitted = post(
        clerk,
        "/api/v1/admissions/",
        {
            "psn_no": person.psn_no,
            "card_read_id": read.pk,
            "med_type": "21",
            "diagnosis_code": "J18.9",
            "department": hospital.department.code,
            "ward": hospital.ward.code,
            "bed": hospital.beds[0].number,
            "attending_doctor": hospital.doctor.staff_no,
        },
    )
    assert admitted.status_code == 201, admitted.content
    stay = admitted.json()
    assert stay["diagnosis_code"] == "J18.9" and stay["bed"] == hospital.beds[0].number
    assert stay["registrations"][0]["mdtrt_id"] and stay["fund"]["recognised"] is True
    assert "*" in stay["certno"]  # clerks see the number masked
    pk = stay["id"]

    ct = post(doctor, f"/api/v1/admissions/{pk}/orders/", {"item_code": "H-CT"}).json()
    amx = post(
        doctor, f"/api/v1/admissions/{pk}/orders/", {"item_code": "H-AMX", "kind": "long", "frequency": "tid"}
    ).json()
    chk = post(doctor, f"/api/v1/admissions/{pk}/orders/", {"item_code": "H-CHK"}).json()
    at = (timezone.now() + datetime.timedelta(minutes=5)).isoformat()
    batch = {
        "lines": [
            {"drord_no": ct["drord_no"], "quantity": "1", "charged_at": at},
            {"drord_no": amx["drord_no"], "quantity": "2", "charged_at": at},
            {"drord_no": chk["drord_no"], "quantity": "1", "charged_at": at},
        ]
    }
    refused = post(nurse, f"/api/v1/admissions/{pk}/charges/", batch)
    assert refused.status_code == 422
    body = refused.json()
    assert list(body["errors"]["lines"]) == ["2"] and "FEE-4" in body["errors"]["lines"]["2"][0]
    assert not FeeLine.objects.exists()

    consent = post(
        clerk,
        f"/api/v1/admissions/{pk}/consents/",
        {"item_code": "H-CHK", "reason": "体检自费", "signer": "王芳"},
    )
    assert consent.status_code == 201
    created = post(nurse, f"/api/v1/admissions/{pk}/charges/", batch)
    assert created.status_code == 201, created.content
    lines = created.json()
    assert [line["self_pay_reason"] for line in lines] == ["", "", "fee6"]
    assert lines[0]["bilg_dr_codg"].startswith("D") and lines[1]["amount"] == "5.76"

    refund = post(clerk, f"/api/v1/admissions/charges/{lines[2]['id']}/refund/", {"reason": "未做体检"})
    assert refund.status_code == 201 and refund.json()["init_feedetl_sn"] == lines[2]["feedetl_sn"]

    day = timezone.localdate().isoformat()
    listing = clerk.get(f"/api/v1/admissions/{pk}/daily-list/?day={day}").json()
    assert listing["day_total"] == "155.76" and listing["running_total"] == "155.76"
    assert {c["insurance_class"] for c in listing["classes"]} == {"A", "B", "C"}
    assert (
        post(clerk, f"/api/v1/admissions/{pk}/daily-list/", {"day": day, "signer": "王芳"}).status_code == 201
    )

    assert post(doctor, f"/api/v1/admissions/{pk}/discharge-order/", {}).status_code == 200
    blocked = post(clerk, f"/api/v1/admissions/{pk}/discharge/", {"discharge_way": "1"})
    assert blocked.status_code == 409 and blocked.json()["rule"] == "ADM-10"
    assert "缺少出院主诊断。" in blocked.json()["errors"]["missing"]
    done = post(
        clerk,
        f"/api/v1/admissions/{pk}/discharge/",
        {"discharge_way": "1", "diagnoses": [{"code": "J18.9", "is_main": True}]},
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "discharged" and done.json()["warnings"] == []
    registration = Stay.objects.get(pk=pk).registrations.get()
    assert center.state()["visits"][registration.mdtrt_id]["status"] == "discharged"


def test_trauma_via_api_requires_details_and_office_decides():
    hospital = make_hospital()
    make_codes()
    person = make_person()
    clerk, _ = client_with(Role.CLERK)
    office, _ = client_with(Role.OFFICE)
    base = {
        "psn_no": person.psn_no,
        "kind": "trauma",
        "diagnosis_code": "S72.0",
        "department": hospital.department.code,
        "ward": hospital.ward.code,
        "bed": hospital.beds[1].number,
        "attending_doctor": hospital.doctor.staff_no,
    }
    missing = post(clerk, "/api/v1/admissions/", base)
    assert missing.status_code == 400 and missing.json()["rule"] == "ADM-4"
    trauma = {"injured_at": timezone.now().isoformat(), "place": "建设路口", "cause": "traffic"}
    stay = post(clerk, "/api/v1/admissions/", {**base, "trauma": trauma}).json()
    assert stay["fund"]["recognised"] is False and stay["med_type"] == "22"
    decided = post(
        office,
        f"/api/v1/admissions/{stay['id']}/trauma-decision/",
        {"decision": "not_payable", "reason": "交通事故，由肇事方承担"},
    )
    assert decided.status_code == 200 and decided.json()["fund_status"] == "not_payable"


def _stay_url(suffix=""):
    def url():
        stay = Stay.objects.order_by("pk").last()
        if stay is None:
            make_codes()
            from tests.admission.factories import admit, home_hospital

            stay = admit(home_hospital())
        return f"/api/v1/admissions/{stay.pk}/{suffix}"

    url.__name__ = f"stay/{suffix}"
    return url


WARD = {Role.CLERK, Role.OFFICE, Role.DOCTOR, Role.NURSE}
ENDPOINTS = [
    Endpoint("GET", "/api/v1/admissions/", allowed=WARD),
    Endpoint("POST", "/api/v1/admissions/", allowed={Role.CLERK}, data={}),
    Endpoint("GET", _stay_url(), allowed=WARD),
    Endpoint("POST", _stay_url("custody/"), allowed={Role.CLERK, Role.OFFICE}, data={"card_no": "x"}),
    Endpoint("POST", _stay_url("rounds/"), allowed={Role.OFFICE}, data={}),
    Endpoint("POST", _stay_url("trauma-decision/"), allowed={Role.OFFICE}, data={}),
    Endpoint("POST", _stay_url("orders/"), allowed={Role.DOCTOR}, data={}),
    Endpoint("POST", _stay_url("charges/"), allowed={Role.CLERK, Role.NURSE}, data={}),
    Endpoint("GET", _stay_url("daily-list/"), allowed=WARD),
    Endpoint("POST", _stay_url("discharge/"), allowed={Role.CLERK}, data={}),
    Endpoint("POST", _stay_url("discharge-order/"), allowed={Role.DOCTOR}, data={}),
    Endpoint("POST", _stay_url("leaves/"), allowed={Role.NURSE, Role.DOCTOR}, data={}),
    Endpoint("GET", _stay_url("orders/"), allowed=WARD),
    Endpoint("GET", _stay_url("checklist/"), allowed=WARD),
    Endpoint("GET", "/api/v1/admissions/reviews/", allowed={Role.OFFICE}),
    Endpoint("GET", "/api/v1/admissions/referral-rate/", allowed={Role.OFFICE}),
]


@pytest.mark.parametrize(("endpoint", "who"), matrix_cases(ENDPOINTS))
def test_permission_matrix(endpoint, who, client_for):
    check_access(client_for(who), endpoint, who)
