"""Issue 17 pages for the insurance office: one person's outpatient and inpatient lines in one list,
and the lines where the center's per-line answer differs from ours, both values shown."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from admission import charges
from core.roles import Role
from fees import services as fee_services
from fees.models import FeeLine
from insured.models import PersonAccessLog
from settlement import outpatient
from settlement.models import OutpatientVisit
from tests.admission.factories import admit, make_catalog_items, make_hospital, order
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _client(role: Role) -> Client:
    client = Client()
    client.force_login(UserFactory(roles=[role]), backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def person_with_both():
    hospital = make_hospital()
    items = make_catalog_items()
    stay = admit(hospital, admitted_at=timezone.now() - datetime.timedelta(days=1))
    ct = order(hospital, stay, items["H-CT"])
    [inpatient] = charges.charges_post(
        actor=hospital.clerk,
        stay=stay,
        lines=[
            charges.ChargeInput(
                order=ct, quantity=D(2), charged_at=stay.admitted_at + datetime.timedelta(hours=1)
            )
        ],
    )
    today = timezone.localdate()
    visit = OutpatientVisit.objects.create(
        person=stay.person,
        visit_no=f"MZ{today:%Y%m%d}99002",
        visit_date=today,
        med_type="11",
        insutype="310",
        department=hospital.department,
        doctor=hospital.doctor,
        mdtrt_cert_type="02",
        mdtrt_cert_no=stay.person.psn_no,
    )
    out = outpatient.visit_add_item(
        actor=hospital.clerk, visit=visit, hospital_item=items["H-CT"], quantity=D(1)
    )
    return stay, visit, inpatient, out


def test_office_sees_one_persons_outpatient_and_inpatient_lines_in_one_list(person_with_both):
    stay, visit, inpatient, out = person_with_both
    response = _client(Role.OFFICE).get(reverse("fees:person_lines", kwargs={"person_id": stay.person_id}))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"住院 {stay.ipt_no}" in html and f"门诊 {visit.visit_no}" in html
    assert inpatient.feedetl_sn in html and out.feedetl_sn in html
    assert "合计 ¥450.00" in html  # 2 × 150 + 1 × 150
    assert PersonAccessLog.objects.filter(person=stay.person).exists()  # privacy: the look-up is logged


def test_center_answer_differing_from_ours_is_listed_with_both_values(person_with_both):
    """The center answered the 2 CT (300.00) as if class B at 0.10: share 30.00, in scope 270.00, where
    ours is 300 × 0.08 = 24.00 and 276.00."""
    _stay, _visit, inpatient, out = person_with_both
    fee_services.center_answer_record(
        [
            {
                "feedetl_sn": inpatient.feedetl_sn,
                "chrgitm_lv": "02",
                "selfpay_prop": 0.10,
                "fulamt_ownpay_amt": 0,
                "overlmt_amt": 0,
                "preselfpay_amt": 30.00,
                "inscp_scp_amt": 270.00,
            }
        ],
        [inpatient.pk],
    )
    fee_services.center_answer_record(
        [
            {
                "feedetl_sn": out.feedetl_sn,
                "fulamt_ownpay_amt": "0",
                "overlmt_amt": "0",
                "preselfpay_amt": "12.00",
                "inscp_scp_amt": "138.00",
            }
        ],
        [out.pk],
    )
    response = _client(Role.OFFICE).get(reverse("fees:center_differences"))
    html = response.content.decode()
    assert response.status_code == 200
    assert inpatient.feedetl_sn in html and out.feedetl_sn not in html  # the outpatient CT agrees
    assert "先行自付" in html and "24.00" in html and "30.00" in html
    assert "276.00" in html and "270.00" in html
    line = FeeLine.objects.get(pk=inpatient.pk)
    assert (line.center_class, line.center_selfpay_prop) == ("02", D("0.1000"))


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.OFFICE, True), (Role.ADMIN, True), (Role.CLERK, False), (Role.DOCTOR, False), (Role.NURSE, False)],
)
def test_differences_page_is_the_offices(role, allowed):
    response = _client(role).get(reverse("fees:center_differences"))
    assert (response.status_code == 200) is allowed
    assert response.status_code in (200, 403)
