"""Issue 17: outpatient charges go through the same checks as a stay's (FEE-1 both ceilings, FEE-4
consent, SET-2 share table), land in the one fee-line table, and are refunded by counter-lines."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import DomainError
from drug_catalog.models import BSelfPayRatio, CatalogItem
from fees.models import FeeLine
from settlement import outpatient
from settlement.models import OutpatientVisit
from tests.admission.factories import make_catalog_items, make_hospital
from tests.insured.factories import make_person

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def visit():
    hospital = make_hospital()
    items = make_catalog_items()
    person = make_person()
    today = timezone.localdate()
    the_visit = OutpatientVisit.objects.create(
        person=person,
        visit_no=f"MZ{today:%Y%m%d}99001",
        visit_date=today,
        med_type="11",
        insutype="310",
        department=hospital.department,
        doctor=hospital.doctor,
        mdtrt_cert_type="02",
        mdtrt_cert_no=person.psn_no,
    )
    return the_visit, items, hospital.clerk


def test_set2_outpatient_class_b_share_comes_from_the_share_table_as_for_a_stay(visit):
    """SET-2: the share table says 0.05 for scheme 310 (the item's own default is 0.08): one CT at
    150 → share 150 × 0.05 = 7.50, in scope 142.50 — the outpatient path no longer takes the default."""
    the_visit, items, clerk = visit
    ct = CatalogItem.objects.get(code="210300001")
    BSelfPayRatio.objects.create(
        item=ct, insutype="310", psn_type="", ratio=D("0.05"), effective_from=datetime.date(2020, 1, 1)
    )
    line = outpatient.visit_add_item(actor=clerk, visit=the_visit, hospital_item=items["H-CT"], quantity=D(1))
    assert line.b_self_pay_ratio == D("0.05")
    assert (line.amount, line.pre_self_pay_amount, line.in_scope_amount) == (
        D("150.00"),
        D("7.50"),
        D("142.50"),
    )
    assert line.charged_on == the_visit.visit_date and line.ordering_doctor_id == the_visit.doctor_id
    assert line.person_id == the_visit.person_id and line.stay_id is None


def test_fee1_both_ceilings_and_fee4_consent_at_the_window(visit):
    """FEE-1: the bed at 41 is above the bureau's 40 (refused); at 40 it is above the standard 35:
    over-limit 1 × (40 − 35) = 5.00, which needs the patient's consent first (FEE-4)."""
    the_visit, items, clerk = visit
    with pytest.raises(DomainError) as above_bureau:
        outpatient.visit_add_item(
            actor=clerk, visit=the_visit, hospital_item=items["H-BED"], quantity=D(1), unit_price=D("41")
        )
    assert "超标准收费" in str(above_bureau.value.errors) and "FEE-1" in str(above_bureau.value.errors)
    with pytest.raises(DomainError) as no_consent:
        outpatient.visit_add_item(actor=clerk, visit=the_visit, hospital_item=items["H-BED"], quantity=D(1))
    assert "FEE-4" in str(no_consent.value.errors)
    line = outpatient.visit_add_item(
        actor=clerk, visit=the_visit, hospital_item=items["H-BED"], quantity=D(1), consent_signer="本人"
    )
    assert (line.amount, line.over_limit_amount, line.in_scope_amount) == (D("40.00"), D("5.00"), D("35.00"))
    assert line.self_pay_reason == "over_limit" and line.hosp_appr_flag == "0"
    assert the_visit.consents.get().signer == "本人"


def test_fee4_class_c_needs_consent_and_goes_to_the_center_as_self_pay(visit):
    """FEE-4/FEE-6: the check-up (300, not payable) is refused without consent; with it the whole 300.00
    is the patient's and 2204 will carry hosp_appr_flag 2."""
    the_visit, items, clerk = visit
    with pytest.raises(DomainError) as refused:
        outpatient.visit_add_item(actor=clerk, visit=the_visit, hospital_item=items["H-CHK"], quantity=D(1))
    assert "自费项目协议书" in str(refused.value.errors)
    line = outpatient.visit_add_item(
        actor=clerk, visit=the_visit, hospital_item=items["H-CHK"], quantity=D(1), consent_signer="家属 王五"
    )
    assert line.self_pay_reason == "fee6" and line.full_self_pay_amount == D("300.00")
    assert line.hosp_appr_flag == "2" and line.upload_status == FeeLine.UploadStatus.PENDING


def test_unmapped_outpatient_item_is_kept_out_of_the_upload(visit):
    the_visit, items, clerk = visit
    line = outpatient.visit_add_item(
        actor=clerk, visit=the_visit, hospital_item=items["H-SELF"], quantity=D(1), consent_signer="本人"
    )
    assert line.self_pay_reason == "unmapped" and line.med_list_codg == ""
    assert line.upload_status == FeeLine.UploadStatus.NOT_SENT and line.full_self_pay_amount == D("88.00")


def test_outpatient_partial_refunds_and_a_settled_visit_refused(visit):
    """2 CT (300.00); refund 1 (−150.00), then 1 more; a third is refused; a settled visit's line is
    refused with the way forward (reverse the settlement, SET-9)."""
    the_visit, items, clerk = visit
    line = outpatient.visit_add_item(actor=clerk, visit=the_visit, hospital_item=items["H-CT"], quantity=D(2))
    first = outpatient.visit_charge_refund(actor=clerk, line=line, reason="未做", quantity=D(1))
    assert (first.quantity, first.amount, first.visit_id) == (D(-1), D("-150.00"), the_visit.pk)
    outpatient.visit_charge_refund(actor=clerk, line=line, reason="未做", quantity=D(1))
    with pytest.raises(DomainError) as third:
        outpatient.visit_charge_refund(actor=clerk, line=line, reason="未做", quantity=D(1))
    assert third.value.code == "already_refunded"
    other = outpatient.visit_add_item(
        actor=clerk, visit=the_visit, hospital_item=items["H-CT"], quantity=D(1)
    )
    OutpatientVisit.objects.filter(pk=the_visit.pk).update(status=OutpatientVisit.Status.SETTLED)
    with pytest.raises(DomainError) as settled:
        outpatient.visit_charge_refund(actor=clerk, line=other, reason="未做")
    assert settled.value.code == "charge_settled" and "撤销该结算" in settled.value.message
