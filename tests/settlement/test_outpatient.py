"""Outpatient visits through the center (2201/2203/2204/2206/2207/2208): one visit a day (ADM-8),
charges from a saved prescription and a service item, settle, reverse; SET-5 chronic filing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from core.errors import DomainError
from core.roles import Role
from drug_catalog.models import CatalogItem, CatalogVersion, HospitalItem
from prescriptions import services as rx_services
from prescriptions.selectors import LineRequest
from settlement import outpatient, services
from settlement.models import ChronicDiseaseFiling, OutpatientVisit, Settlement
from tests.admission.factories import confirmed_read, make_codes
from tests.factories import DepartmentFactory, PractitionerFactory, UserFactory
from tests.insured.factories import make_person
from tests.settlement.test_settle import center_knows_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(center):
    make_codes()
    version = CatalogVersion.objects.create(
        region="610000", code="OP", name="门诊测试目录", effective_from=datetime.date(2020, 1, 1)
    )
    drug = CatalogItem.objects.create(
        version=version,
        code="XA10BAA005A001",
        name="盐酸二甲双胍缓释片",
        item_type="western",
        insurance_class="B",
        b_self_pay_ratio=Decimal("0.10"),
        pack_size=Decimal(30),
        unit="盒",
        min_unit="片",
        dosage_form="片剂",
    )
    CatalogItem.objects.create(
        version=version,
        code="001101000010000",
        name="普通门诊诊查费",
        item_type="service",
        insurance_class="A",
    )
    for code, name, price, target in [
        ("H-MET", "二甲双胍缓释片 0.5g", "0.35", drug.code),
        ("H-ZC", "普通门诊诊查费", "10", "001101000010000"),
    ]:
        HospitalItem.objects.create(
            medins_list_codg=code, name=name, price=Decimal(price), med_list_codg=target,
            mapping_status="approved", mapped_from=datetime.date(2020, 1, 1),
        )  # fmt: skip
    center_knows_catalog(center)
    person = make_person(name="孙梅")
    center.enrol(person)
    department = DepartmentFactory()
    doctor_user = UserFactory()
    doctor = PractitionerFactory(user=doctor_user, department=department)
    clerk = UserFactory(username="op-clerk")
    return {
        "person": person,
        "department": department,
        "doctor": doctor,
        "clerk": clerk,
        "doctor_user": doctor_user,
    }


def test_visit_charges_settle_and_reverse_through_the_center(setup, center):
    person, clerk = setup["person"], setup["clerk"]
    visit, notices = outpatient.visit_register(
        actor=clerk,
        card_read=confirmed_read(person, clerk),
        department=setup["department"],
        doctor=setup["doctor"],
    )
    assert visit.mdtrt_id and notices == []
    again, notices = outpatient.visit_register(
        actor=clerk,
        card_read=confirmed_read(person, clerk),
        department=setup["department"],
        doctor=setup["doctor"],
    )
    assert again.pk == visit.pk and notices[0]["rule"] == "ADM-8"
    prescription = rx_services.prescription_issue(
        actor=setup["doctor_user"],
        doctor=setup["doctor"],
        psn_no=person.psn_no,
        visit_type="outpatient",
        diagnosis_codes=["E11.9"],
        lines=[LineRequest(item_code="XA10BAA005A001", quantity=Decimal(1), dose=Decimal(1), frequency="qd")],
    )
    [drug] = outpatient.visit_add_prescription(actor=clerk, visit=visit, prescription=prescription)
    assert drug.quantity == Decimal(30) and drug.amount == Decimal("10.50")
    fee = outpatient.visit_add_item(
        actor=clerk,
        visit=visit,
        hospital_item=HospitalItem.objects.get(medins_list_codg="H-ZC"),
        quantity=Decimal(1),
    )
    assert fee.amount == Decimal("10.00")
    with pytest.raises(DomainError):
        outpatient.visit_add_prescription(actor=clerk, visit=visit, prescription=prescription)  # FEE-3
    pre = outpatient.visit_pre_settle(actor=clerk, visit=visit)
    assert pre["local"].total == Decimal("20.50") and pre["mismatch"] == []
    settlement = outpatient.visit_settle(actor=clerk, visit=visit, idempotency_key="op-1")
    assert settlement.status == Settlement.Status.SETTLED and settlement.total == Decimal("20.50")
    assert settlement.pre_self_pay == Decimal("1.05")  # class B share 10 % of 10.50 (SET-2)
    assert outpatient.visit_settle(actor=clerk, visit=visit, idempotency_key="op-1").pk == settlement.pk
    visit.refresh_from_db()
    assert visit.status == OutpatientVisit.Status.SETTLED
    counter = services.settlement_reverse(actor=clerk, settlement=settlement, reason="收费有误")
    visit.refresh_from_db()
    assert counter.total == Decimal("-20.50") and visit.status == OutpatientVisit.Status.OPEN
    assert center.state()["active_settlements"] == []


def test_chronic_visit_only_within_an_approved_filing(setup):
    """SET-5: 14 门诊慢特病 needs a valid filing for the disease; outside it the visit is ordinary."""
    person, clerk = setup["person"], setup["clerk"]
    args = {"actor": clerk, "department": setup["department"], "doctor": setup["doctor"], "med_type": "14"}
    with pytest.raises(DomainError) as refused:
        outpatient.visit_register(card_read=confirmed_read(person, clerk), disease_code="E11.9", **args)
    assert refused.value.rule == "SET-5"
    ChronicDiseaseFiling.objects.create(
        person=person, disease_code="E11", disease_name="糖尿病", effective_from=datetime.date(2026, 1, 1),
        effective_to=datetime.date(2027, 1, 1),
    )  # fmt: skip
    visit, _ = outpatient.visit_register(
        card_read=confirmed_read(person, clerk), disease_code="E11.9", **args
    )
    assert visit.med_type == "14"
    with pytest.raises(DomainError):
        outpatient.visit_register(card_read=confirmed_read(person, clerk), disease_code="I10", **args)
    expired = ChronicDiseaseFiling.objects.get()
    assert outpatient.chronic_filing(person, "E11.900", datetime.date(2027, 1, 1)) is None
    assert outpatient.chronic_filing(person, "E11.900", datetime.date(2026, 12, 31)) == expired


def test_outpatient_api_and_pages(setup, client_for):
    from django.test import Client

    person, clerk = setup["person"], setup["clerk"]
    clerk.groups.add(Group.objects.get(name=Role.CLERK.group_name))
    client = Client()
    client.force_login(clerk)
    read = confirmed_read(person, clerk)
    created = client.post(
        "/api/v1/outpatient/visits/",
        {"card_read_id": read.pk, "department": setup["department"].code, "doctor": setup["doctor"].staff_no},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    visit_id = created.json()["id"]
    item = client.post(
        f"/api/v1/outpatient/visits/{visit_id}/items/", {"item_code": "H-ZC"}, content_type="application/json"
    )
    assert item.status_code == 201 and item.json()["amount"] == "10.00"
    settled = client.post(
        f"/api/v1/outpatient/visits/{visit_id}/settle/",
        {},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="op-api",
    )
    assert settled.status_code == 201 and settled.json()["total"] == "10.00"
    page = client.get(f"/settlement/outpatient/{visit_id}/").content.decode()
    assert "已结算" in page and "撤销（2208）" in page
    assert client.get(f"/settlement/outpatient/?card_read={read.pk}").status_code == 200
