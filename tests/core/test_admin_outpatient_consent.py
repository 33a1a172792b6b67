"""The admin page of settlement.OutpatientConsent (FEE-4 at the outpatient window): listed and shown
with Chinese labels, searchable by visit, person and item; never added, edited or deleted here."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from settlement import outpatient
from settlement.models import OutpatientConsent, OutpatientVisit
from tests.admission.factories import make_catalog_items, make_hospital
from tests.insured.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def consent() -> OutpatientConsent:
    hospital = make_hospital()
    items = make_catalog_items()
    person = make_person(name="上官婉清")
    today = timezone.localdate()
    visit = OutpatientVisit.objects.create(
        person=person,
        visit_no=f"MZ{today:%Y%m%d}77001",
        visit_date=today,
        med_type="11",
        insutype="310",
        department=hospital.department,
        doctor=hospital.doctor,
        mdtrt_cert_type="02",
        mdtrt_cert_no=person.psn_no,
    )
    # FEE-4: the check-up (class C) is charged only with the patient's signature; the window records it.
    outpatient.visit_add_item(
        actor=hospital.clerk,
        visit=visit,
        hospital_item=items["H-CHK"],
        quantity=Decimal(1),
        consent_signer="家属 王五",
    )
    return visit.consents.get()


def test_list_shows_the_consent_in_chinese_and_finds_it_by_person(client_for, consent):
    client = client_for("superuser")
    url = reverse("admin:settlement_outpatientconsent_changelist")
    html = client.get(url).content.decode()
    for label in ("门诊自费项目协议", "门诊号", "参保人", "就诊日期", "自费项目", "签字人", "签字时间"):
        assert label in html, label
    assert consent.visit.visit_no in html and "家属 王五" in html and "H-CHK" in html
    assert ">Visit<" not in html and "Hospital item" not in html
    found = client.get(url, {"q": "上官"}).content.decode()
    assert consent.visit.visit_no in found
    missing = client.get(url, {"q": "不存在的人"}).content.decode()
    assert consent.visit.visit_no not in missing


def test_detail_is_read_only_and_adding_or_deleting_is_refused(client_for, consent):
    client = client_for("superuser")
    change = reverse("admin:settlement_outpatientconsent_change", args=[consent.pk])
    page = client.get(change)
    assert page.status_code == 200
    html = page.content.decode()
    for label in ("门诊号", "参保人", "自费项目", "签字人", "自费原因", "创建人"):
        assert label in html, label
    assert 'name="signer"' not in html  # shown, not editable
    assert client.post(change, {"signer": "别人"}).status_code == 403
    assert client.get(reverse("admin:settlement_outpatientconsent_add")).status_code == 403
    delete = reverse("admin:settlement_outpatientconsent_delete", args=[consent.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    consent.refresh_from_db()
    assert consent.signer == "家属 王五"
