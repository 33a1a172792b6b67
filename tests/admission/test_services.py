"""Stays on Postgres: numbers, beds, self-pay conversion, registration at the center, trauma, rounds,
charges with both ceilings, refunds, consents, discharge checklist and split admissions."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from admission import charges, selectors, services
from admission.models import MedicalRecord, Stay, StayReview, TraumaReport, WardRound
from core.errors import DomainError
from fees.models import FeeLine
from tests.admission.factories import (
    admit,
    charge,
    confirmed_read,
    make_catalog_items,
    make_codes,
    make_hospital,
    order,
)
from tests.factories import UserFactory
from tests.insured.factories import make_person

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def hospital():
    return make_hospital()


@pytest.fixture
def items():
    return make_catalog_items()


def discharge(hospital, stay, at=None, diagnoses=("J18.9",)):
    services.discharge_order(actor=hospital.clerk, stay=stay, ordered_at=at)
    return services.stay_discharge(
        actor=hospital.clerk,
        stay=stay,
        discharge_way=Stay.DischargeWay.ORDERED,
        diagnoses=[services.DiagnosisInput(code) for code in diagnoses],
        discharged_at=at,
    )[0]


def test_record_number_is_reused_and_every_stay_has_its_own_serial(hospital):
    """ADM-1: one 病案号 per person, reused on re-admission; a new 住院号 per stay."""
    person = make_person()
    first = admit(hospital, person)
    discharge(hospital, first)
    second = admit(hospital, person, bed=1)
    assert first.record_id == second.record_id
    assert first.ipt_no != second.ipt_no and second.ipt_no.startswith("ZY")
    other = admit(hospital, bed=2)
    assert other.record.medrcdno != first.record.medrcdno
    with pytest.raises(IntegrityError), transaction.atomic():
        MedicalRecord.objects.create(person=make_person(), medrcdno=first.record.medrcdno)


def test_one_bed_one_patient(hospital):
    """ADM-5: the bed is refused while occupied, by the service and by the database."""
    stay = admit(hospital)
    with pytest.raises(DomainError) as refused:
        admit(hospital, bed=0)
    assert refused.value.code == "bed_occupied" and refused.value.rule == "ADM-5"
    neighbour = admit(hospital, bed=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stay.objects.filter(pk=neighbour.pk).update(bed=stay.bed)
    discharge(hospital, stay)
    assert admit(hospital, bed=0).bed == stay.bed


def test_ordinary_admission_needs_a_card_read(hospital):
    with pytest.raises(DomainError) as refused:
        admit(hospital, read=False)
    assert refused.value.rule == "INS-1"


def test_emergency_self_pay_admission_is_converted_when_the_card_is_produced(hospital, center):
    """ADM-3: admitted self-pay in an emergency, formalities due in 3 working days; producing the card
    registers the stay at the center (2401) and keeps its number."""
    person = make_person()
    center.enrol(person)
    stay = admit(hospital, person, read=False, kind=Stay.Kind.EMERGENCY, med_type="24")
    assert stay.self_pay and stay.formalities_due > selectors.local_day(stay.admitted_at)
    assert not selectors.fund_recognition(stay).recognised
    ipt_no = stay.ipt_no
    warnings = services.stay_convert_to_insured(
        actor=hospital.clerk, stay=stay, card_read=confirmed_read(person, hospital.clerk)
    )
    stay.refresh_from_db()
    assert warnings == [] and not stay.self_pay and stay.ipt_no == ipt_no
    registration = selectors.active_registration(stay)
    assert registration.mdtrt_id and registration.med_type == "24"
    assert center.state()["visits"][registration.mdtrt_id]["psn_no"] == person.psn_no


def test_emergency_deadline_over_a_weekend_and_national_day_on_the_stay(hospital):
    """ADM-3 stored on the stay: Friday 2026-11-20 → Wednesday 11-25; 2026-09-30 → Saturday 10-10
    (an adjusted working day after the National Day holiday); overdue the day after."""
    friday = admit(
        hospital,
        read=False,
        kind=Stay.Kind.EMERGENCY,
        admitted_at=datetime.datetime(2026, 11, 20, 22, tzinfo=SH),
    )
    assert friday.formalities_due == datetime.date(2026, 11, 25)
    holiday = admit(
        hospital,
        bed=1,
        read=False,
        kind=Stay.Kind.EMERGENCY,
        admitted_at=datetime.datetime(2026, 9, 30, 8, tzinfo=SH),
    )
    assert holiday.formalities_due == datetime.date(2026, 10, 10)
    assert not selectors.formalities_overdue(holiday, datetime.date(2026, 10, 10))
    assert selectors.formalities_overdue(holiday, datetime.date(2026, 10, 11))
    assert not selectors.fund_recognition(holiday, datetime.date(2026, 10, 11)).recognised


def test_registration_cancelled_at_the_center_can_be_registered_again(hospital, center):
    """2404 then 2401 again: same stay, same number, a new mdtrt_id."""
    person = make_person()
    center.enrol(person)
    stay = admit(hospital, person)
    first = selectors.active_registration(stay)
    services.registration_cancel(actor=hospital.clerk, registration=first, reason="险种选择错误")
    assert selectors.active_registration(stay) is None
    assert (
        services.registration_register(
            actor=hospital.clerk, stay=stay, card_read=confirmed_read(person, hospital.clerk)
        )
        == []
    )
    second = selectors.active_registration(stay)
    assert second.mdtrt_id != first.mdtrt_id and stay.registrations.count() == 2


def test_center_down_admits_without_registration_and_says_so(hospital, center):
    make_codes()
    center.fault(mode="down")
    person = make_person()
    center.enrol(person)
    result = services.stay_admit(
        actor=hospital.clerk,
        person=person,
        department=hospital.department,
        ward=hospital.ward,
        bed=hospital.beds[0],
        attending_doctor=hospital.doctor,
        diagnoses=[services.DiagnosisInput("J18.9")],
        card_read=confirmed_read(person, hospital.clerk),
    )
    assert result.stay.pk and selectors.active_registration(result.stay) is None
    assert "2401" in result.warnings[0]["message"]


def test_trauma_is_never_admitted_by_card_swipe(hospital):
    """ADM-4: refused with a card read; admitted without, pending the office's written decision."""
    trauma = services.TraumaInput(
        injured_at=datetime.datetime(2026, 11, 24, 18, 0, tzinfo=SH), place="家中楼梯", cause="accident"
    )
    with pytest.raises(DomainError) as refused:
        admit(hospital, kind=Stay.Kind.TRAUMA, trauma=trauma, diagnoses=["S72.0"])
    assert refused.value.code == "trauma_card_swipe"
    stay = admit(hospital, kind=Stay.Kind.TRAUMA, trauma=trauma, diagnoses=["S72.0"], read=False)
    assert stay.med_type == "22" and stay.fund_status == Stay.FundStatus.PENDING_REVIEW
    with pytest.raises(DomainError):
        services.trauma_decide(actor=hospital.clerk, stay=stay, decision="fund_first", reason=" ")
    services.trauma_decide(
        actor=hospital.clerk,
        stay=stay,
        decision="fund_first",
        reason="他人伤害，第三人无法确定，基金先行支付",
    )
    stay.refresh_from_db()
    assert stay.fund_status == Stay.FundStatus.RECOGNISED
    assert TraumaReport.objects.get(stay=stay).decision == "fund_first"


def test_two_absences_make_a_ghost_bed_but_approved_leave_does_not(hospital):
    """ADM-5/ADM-6: absent + approved leave is one absence; a second absence flags the stay."""
    stay = admit(hospital)
    t0 = stay.admitted_at + datetime.timedelta(days=1)
    services.round_record(actor=hospital.clerk, stay=stay, finding=WardRound.Finding.ABSENT, inspected_at=t0)
    with pytest.raises(DomainError):
        services.round_record(actor=hospital.clerk, stay=stay, finding="on_leave", inspected_at=t0)
    leave = services.leave_request(
        actor=hospital.clerk,
        stay=stay,
        starts_at=t0,
        ends_at=t0 + datetime.timedelta(hours=6),
        reason="回家取物",
    )
    ward_doctor = UserFactory(username="ward_doctor")  # not who asked: nobody approves his own request
    services.leave_decide(actor=ward_doctor, leave=leave, approve=True, doctor=hospital.doctor)
    services.round_record(
        actor=hospital.clerk, stay=stay, finding="on_leave", inspected_at=t0 + datetime.timedelta(hours=1)
    )
    stay.refresh_from_db()
    assert stay.fund_status == Stay.FundStatus.RECOGNISED
    assert not stay.reviews.filter(kind=StayReview.Kind.GHOST_BED).exists()
    assert stay.reviews.filter(kind=StayReview.Kind.LEFT_WITHOUT_LEAVE).exists()
    _, notices = services.round_record(
        actor=hospital.clerk, stay=stay, finding="absent", inspected_at=t0 + datetime.timedelta(days=1)
    )
    stay.refresh_from_db()
    assert stay.fund_status == Stay.FundStatus.PENDING_REVIEW
    assert any(n["rule"] == "ADM-5" for n in notices)
    review = stay.reviews.get(kind=StayReview.Kind.GHOST_BED)
    services.review_decide(
        actor=hospital.clerk, review=review, confirm=True, reason="两次查房不在床，电话确认在家"
    )
    stay.refresh_from_db()
    assert stay.fund_status == Stay.FundStatus.NOT_PAYABLE
    assert not selectors.fund_recognition(stay).recognised


def test_stay_without_bed_is_not_payable_with_a_fine_record(hospital):
    stay = admit(hospital, bed=None)
    review = stay.reviews.get(kind=StayReview.Kind.NO_BED)
    assert (review.fine_multiple_min, review.fine_multiple_max) == (3, 5)
    assert stay.fund_status == Stay.FundStatus.NOT_PAYABLE


def test_fee1_price_above_bureau_price_refused_above_cap_splits(hospital, items):
    """FEE-1: bed fee bureau 40, payment standard 35. At 41 refused; at 40 charged with 5 over-limit per
    day — after the patient's consent (FEE-4)."""
    stay = admit(hospital)
    bed_order = order(hospital, stay, items["H-BED"], kind="long")
    with pytest.raises(DomainError) as refused:
        charge(hospital, stay, bed_order, "1", unit_price=Decimal("41"))
    assert "超标准收费" in str(refused.value.errors)
    with pytest.raises(DomainError) as no_consent:
        charge(hospital, stay, bed_order, "2")
    assert "FEE-4" in str(no_consent.value.errors)
    charges.consent_record(
        actor=hospital.clerk, stay=stay, hospital_item=items["H-BED"], reason="超限价", signer="本人"
    )
    [line] = charge(hospital, stay, bed_order, "2")
    assert line.amount == Decimal("80.00") and line.over_limit_amount == Decimal("10.00")
    # the line is fund-paid but for its over-limit part, which is the patient's (FEE-1)
    assert line.self_pay_reason == "over_limit" and line.insurance_class == "A"


def test_unmapped_and_class_c_items_are_self_pay_with_consent(hospital, items):
    stay = admit(hospital)
    self_made = order(hospital, stay, items["H-SELF"])
    checkup = order(hospital, stay, items["H-CHK"])
    for item in ("H-SELF", "H-CHK"):
        charges.consent_record(
            actor=hospital.clerk, stay=stay, hospital_item=items[item], reason="自费", signer="本人"
        )
    [unmapped] = charge(hospital, stay, self_made)
    [class_c] = charge(hospital, stay, checkup)
    assert unmapped.self_pay_reason == "unmapped" and unmapped.med_list_codg == ""
    assert class_c.self_pay_reason == "fee6"


def test_batch_is_all_or_nothing_with_per_line_errors(hospital, items):
    stay = admit(hospital)
    good = order(hospital, stay, items["H-AMX"])
    bad = order(hospital, stay, items["H-CHK"])  # no consent
    at = stay.admitted_at + datetime.timedelta(hours=1)
    with pytest.raises(DomainError) as refused:
        charges.charges_post(
            actor=hospital.clerk,
            stay=stay,
            lines=[
                charges.ChargeInput(order=good, quantity=Decimal(1), charged_at=at),
                charges.ChargeInput(order=bad, quantity=Decimal(1), charged_at=at),
            ],
        )
    assert list(refused.value.errors["lines"]) == ["1"]
    assert not FeeLine.objects.exists()


def test_duplicates_refused_and_refund_is_a_counter_line(hospital, items):
    """FEE-3 duplicate; 退费 points at its original; totals stay right; a line is refunded once."""
    stay = admit(hospital)
    ct = order(hospital, stay, items["H-CT"])
    at = stay.admitted_at + datetime.timedelta(hours=3)
    [line] = charge(hospital, stay, ct, at=at)
    with pytest.raises(DomainError) as duplicate:
        charge(hospital, stay, ct, at=at)
    assert "FEE-3" in str(duplicate.value.errors)
    refund = charges.charge_refund(actor=hospital.clerk, line=line, reason="检查未做")
    assert refund.init_feedetl_sn == line.feedetl_sn and refund.amount == Decimal("-150.00")
    assert selectors.charge_totals(stay)["total"] == Decimal("0.00")
    with pytest.raises(DomainError):
        charges.charge_refund(actor=hospital.clerk, line=line, reason="再退")
    line.refresh_from_db()
    assert line.amount == Decimal("150.00")  # the original is never edited


def test_charges_after_the_discharge_notice_are_self_paid(hospital, items):
    """ADM-10: the notice day is the last fund-paid day."""
    stay = admit(hospital, admitted_at=datetime.datetime(2026, 11, 1, 9, 0, tzinfo=SH))
    amx = order(hospital, stay, items["H-AMX"], kind="long")
    services.discharge_order(
        actor=hospital.clerk, stay=stay, ordered_at=datetime.datetime(2026, 11, 5, 10, tzinfo=SH)
    )
    stay.refresh_from_db()
    [same_day] = charge(hospital, stay, amx, at=datetime.datetime(2026, 11, 5, 20, tzinfo=SH))
    [next_day] = charge(hospital, stay, amx, at=datetime.datetime(2026, 11, 6, 8, tzinfo=SH))
    assert same_day.self_pay_reason == "" and next_day.self_pay_reason == "after_notice"


def test_discharge_blocked_with_what_is_missing(hospital, items):
    stay = admit(hospital)
    order(hospital, stay, items["H-CT"])  # ordered, never charged
    services.discharge_order(actor=hospital.clerk, stay=stay)
    with pytest.raises(DomainError) as blocked:
        services.stay_discharge(actor=hospital.clerk, stay=stay, discharge_way="1", diagnoses=[])
    missing = blocked.value.errors["missing"]
    assert "缺少出院主诊断。" in missing and any("尚未计费" in m for m in missing)
    assert blocked.value.rule == "ADM-10"
    stay.refresh_from_db()
    assert stay.status == Stay.Status.DISCHARGE_ORDERED


@pytest.mark.parametrize(("gap_days", "split"), [(10, True), (11, False)])
def test_split_admission_within_10_days(hospital, gap_days, split):
    """ADM-8 (000 §4 三.3): same ICD-10 category (J18.9 then J18) within 10 days → one admission."""
    person = make_person()
    start = datetime.datetime(2026, 10, 1, 9, 0, tzinfo=SH)
    first = admit(hospital, person, admitted_at=start)
    discharged = start + datetime.timedelta(days=5)
    discharge(hospital, first, at=discharged)
    again = admit(
        hospital, person, bed=1, diagnoses=["J18"], admitted_at=discharged + datetime.timedelta(days=gap_days)
    )
    assert again.reviews.filter(kind=StayReview.Kind.SPLIT_ADMISSION, related_stay=first).exists() is split


def test_referral_rate_per_month(hospital):
    person = make_person()
    stay = admit(hospital, person, admitted_at=datetime.datetime(2026, 3, 2, 9, 0, tzinfo=SH))
    services.discharge_order(actor=hospital.clerk, stay=stay)
    services.stay_discharge(
        actor=hospital.clerk,
        stay=stay,
        discharge_way=Stay.DischargeWay.TRANSFER,
        diagnoses=[services.DiagnosisInput("J18.9")],
        discharged_at=datetime.datetime(2026, 3, 6, 9, 0, tzinfo=SH),
        transfer={"destination_name": "西京医院", "reason": "需 ECMO 支持"},
    )
    [march] = selectors.referral_rate_by_month(2026)
    assert march["month"] == 3 and march["rate"] == Decimal("100.00") and march["exceeded"]


@pytest.mark.parametrize(("boxes", "blocked"), [("1", False), ("2", True)])
def test_discharge_medication_over_15_days_blocks_discharge(hospital, items, boxes, blocked):
    """RX-3 in the ADM-10 checklist: 24 capsules at 1 tid last 8 days (allowed), 48 last 16 (> 15)."""
    stay = admit(hospital)
    take_home = order(hospital, stay, items["H-AMX"], kind="discharge_med", frequency="tid")
    charge(hospital, stay, take_home, boxes)
    services.discharge_order(actor=hospital.clerk, stay=stay)
    missing = [m["message"] for m in selectors.discharge_missing(stay) if m["rule"] == "RX-3"]
    assert bool(missing) is blocked
    if blocked:
        assert "合计 16 天量超过 15 天（RX-3）" in missing[0]


def test_rx3_discharge_medication_is_added_up_over_orders_and_refunds_subtract(hospital, items):
    """RX-3 (000 §4 二.3) in the ADM-10 checklist: two take-home orders of amoxicillin, one box of 24
    at 1 tid each = 8 + 8 = 16 days > 15 → blocked; refunding the second box leaves 8 days → clear."""
    stay = admit(hospital)
    first = order(hospital, stay, items["H-AMX"], kind="discharge_med", frequency="tid")
    second = order(hospital, stay, items["H-AMX"], kind="discharge_med", frequency="tid")
    charge(hospital, stay, first, "1")
    [line] = charge(hospital, stay, second, "1", at=stay.admitted_at + datetime.timedelta(hours=3))
    services.discharge_order(actor=hospital.clerk, stay=stay)
    missing = [m["message"] for m in selectors.discharge_missing(stay) if m["rule"] == "RX-3"]
    assert len(missing) == 1 and "出院带药合计 16 天量超过 15 天（RX-3）" in missing[0]
    charges.charge_refund(actor=hospital.clerk, line=line, reason="患者家中尚有")
    assert not [m for m in selectors.discharge_missing(stay) if m["rule"] == "RX-3"]


def test_adm5_absence_during_an_approved_leave_is_not_counted(hospital):
    """ADM-5: the nurse records 'absent' while an approved leave covers the moment — no ADM-6 review,
    no absence counted; a later unexcused absence is then the first, not the second."""
    stay = admit(hospital)
    t0 = stay.admitted_at + datetime.timedelta(days=1)
    leave = services.leave_request(
        actor=hospital.clerk, stay=stay, starts_at=t0, ends_at=t0 + datetime.timedelta(hours=6), reason="回家"
    )
    # ADM-6: the doctor decides (nobody approves his own request; the clerk asked).
    services.leave_decide(
        actor=UserFactory(username="ward_doctor2"), leave=leave, approve=True, doctor=hospital.doctor
    )
    _, notices = services.round_record(
        actor=hospital.clerk, stay=stay, finding="absent", inspected_at=t0 + datetime.timedelta(hours=2)
    )
    assert [n["rule"] for n in notices] == ["ADM-5"] and "已批准的请假" in notices[0]["message"]
    assert not stay.reviews.exists()
    assert list(stay.rounds.values_list("finding", flat=True)) == [WardRound.Finding.ON_LEAVE]
    _, notices = services.round_record(
        actor=hospital.clerk, stay=stay, finding="absent", inspected_at=t0 + datetime.timedelta(days=1)
    )
    stay.refresh_from_db()
    assert [n["message"] for n in notices] == ["第 1 次无假不在床，已提交医保办。"]
    assert stay.fund_status == Stay.FundStatus.RECOGNISED


def test_fee3_bed_charged_twice_on_one_day_is_refused(hospital, items):
    """FEE-3 (004 第九条 杜绝重复收费): the bed (001102…) once a day per stay — a second order's bed on
    the same day is refused, the next day is fine, and after a refund the day can be charged again."""
    stay = admit(hospital, admitted_at=timezone.now() - datetime.timedelta(days=3))
    first = order(hospital, stay, items["H-BED"])
    second = order(hospital, stay, items["H-BED"])
    day1 = stay.admitted_at + datetime.timedelta(hours=2)
    charges.consent_record(
        actor=hospital.clerk, stay=stay, hospital_item=items["H-BED"], reason="超标准", signer="本人"
    )
    [bed] = charge(hospital, stay, first, "1", at=day1)
    with pytest.raises(DomainError) as refused:
        charge(hospital, stay, second, "1", at=day1 + datetime.timedelta(hours=1))
    assert "床位费" in str(refused.value.errors) and "FEE-3" in str(refused.value.errors)
    charge(hospital, stay, second, "1", at=day1 + datetime.timedelta(days=1))
    charges.charge_refund(actor=hospital.clerk, line=bed, reason="重复")
    charge(hospital, stay, second, "1", at=day1 + datetime.timedelta(hours=3))
