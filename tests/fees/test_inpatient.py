"""Issue 17 on a stay, through the simulated center: the CT example (ADM-10 self-pay reaches 2301 as
hosp_appr_flag 2 and the fund pays 229.60), unmapped items kept out of 2301, the center's per-line
answer stored and compared, partial refunds under a lock, late lines and plausibility bounds."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from admission import charges
from admission import services as admission_services
from center.models import CenterExchange
from core.errors import DomainError
from fees import selectors as fee_selectors
from fees.models import FeeLine, PlausibilityBound
from settlement import documents, services
from settlement.models import Settlement
from tests.admission.factories import admit, make_catalog_items, make_hospital, order
from tests.insured.factories import make_person
from tests.settlement.test_settle import center_knows_catalog

D = Decimal


def _sent_lines(infno: str = "2301") -> list[dict]:
    """Every feedetail row the hospital sent (the exchange log keeps the request as sent)."""
    rows = []
    for exchange in CenterExchange.objects.filter(infno=infno).order_by("started_at"):
        rows += exchange.request.get("input", {}).get("feedetail", [])
    return rows


def _discharge(hospital, stay, at=None):
    admission_services.stay_discharge(
        actor=hospital.clerk,
        stay=stay,
        discharge_way="1",
        diagnoses=[admission_services.DiagnosisInput("J18.9")],
        discharged_at=at,
    )
    stay.refresh_from_db()


@pytest.mark.django_db
def test_ct_example_after_notice_lines_go_to_2301_as_self_pay_and_the_fund_pays_229_60(center):
    """ADM-10 + P2.1: 16 CT at 150 (class B, share 0.08), 6 up to the discharge notice's day, 10 after.
    Fund-paid: 6 × 150 = 900; share 900 × 0.08 = 72; in scope 828; deductible 500; fund
    (828 − 500) × 0.70 = 229.60. Had the 10 later CT gone as ordinary lines: 16 × 138 = 2 208 in scope,
    (2 208 − 500) × 0.70 = 1 195.60 — 966.00 of fund money for days the rules call self-paid."""
    hospital = make_hospital()
    items = make_catalog_items()
    center_knows_catalog(center)
    person = make_person()
    center.enrol(person)
    now = timezone.localtime()
    start = (now - datetime.timedelta(days=10)).replace(hour=8, minute=0, second=0, microsecond=0)
    stay = admit(hospital, person, admitted_at=start)
    ct = order(hospital, stay, items["H-CT"], kind="long", ordered_at=start)
    notice = start + datetime.timedelta(days=2, hours=2)  # day 3, 10:00
    before = [start + datetime.timedelta(days=d, hours=h) for d in range(3) for h in (1, 3)]  # 6, days 1-3
    after = [
        start + datetime.timedelta(days=3 + d, hours=h) for d in range(5) for h in (1, 3)
    ]  # 10, days 4-8
    charges.charges_post(
        actor=hospital.clerk,
        stay=stay,
        lines=[charges.ChargeInput(order=ct, quantity=D(1), charged_at=at) for at in before],
    )
    admission_services.discharge_order(actor=hospital.clerk, stay=stay, ordered_at=notice)
    stay.refresh_from_db()
    charges.charges_post(
        actor=hospital.clerk,
        stay=stay,
        lines=[charges.ChargeInput(order=ct, quantity=D(1), charged_at=at) for at in after],
    )
    _discharge(hospital, stay)
    settlement = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="ct-example")

    assert settlement.status == Settlement.Status.SETTLED
    assert settlement.total == D("2400.00")  # 16 × 150
    assert settlement.full_self_pay == D("1500.00")  # 10 × 150 after the notice
    assert settlement.pre_self_pay == D("72.00") and settlement.in_scope == D("828.00")
    assert settlement.deductible_paid == D("500.00")
    assert settlement.fund_pay == D("229.60")
    assert settlement.mismatch == []  # the center's split is ours
    sent = _sent_lines()
    assert len(sent) == 16
    flags = sorted((row["fee_ocur_time"][:10], row["hosp_appr_flag"]) for row in sent)
    notice_day = timezone.localtime(notice).date().isoformat()
    assert [f for day, f in flags if day <= notice_day] == ["0"] * 6
    assert [f for day, f in flags if day > notice_day] == ["2"] * 10
    # The center's per-line answer is stored and equals our split on every line.
    lines = FeeLine.objects.filter(stay=stay)
    assert lines.filter(center_inscp_scp_amt__isnull=True).count() == 0
    assert sorted(set(lines.values_list("center_fulamt_ownpay_amt", "center_inscp_scp_amt"))) == [
        (D("0.00"), D("138.00")),
        (D("150.00"), D("0.00")),
    ]
    assert fee_selectors.center_differences() == []
    assert set(lines.values_list("settlement_id", flat=True)) == {settlement.pk}


@pytest.mark.django_db
def test_unmapped_item_stays_out_of_2301_and_is_the_patients(center):
    """FEE-1: the hospital's own ointment (H-SELF, 88, no national mapping) is never sent under a
    hospital code in a national field; the patient pays it outside the center's settlement.
    Sent: 2 CT = 300 (share 24, in scope 276 < deductible 500: fund 0). Declared total 300."""
    hospital = make_hospital()
    items = make_catalog_items()
    center_knows_catalog(center)
    person = make_person()
    center.enrol(person)
    stay = admit(hospital, person, admitted_at=timezone.now() - datetime.timedelta(days=1))
    charges.consent_record(
        actor=hospital.clerk, stay=stay, hospital_item=items["H-SELF"], reason="未对照", signer="本人"
    )
    at = stay.admitted_at + datetime.timedelta(hours=1)
    ct = order(hospital, stay, items["H-CT"])
    own = order(hospital, stay, items["H-SELF"])
    charges.charges_post(
        actor=hospital.clerk,
        stay=stay,
        lines=[
            charges.ChargeInput(order=ct, quantity=D(2), charged_at=at),
            charges.ChargeInput(order=own, quantity=D(1), charged_at=at),
        ],
    )
    unmapped = FeeLine.objects.get(stay=stay, hospital_item=items["H-SELF"])
    assert unmapped.self_pay_reason == "unmapped" and unmapped.med_list_codg == ""
    assert unmapped.upload_status == FeeLine.UploadStatus.NOT_SENT
    assert unmapped.full_self_pay_amount == D("88.00")
    admission_services.discharge_order(actor=hospital.clerk, stay=stay)
    _discharge(hospital, stay)
    settlement = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="unmapped")
    sent = _sent_lines()
    assert [row["medins_list_codg"] for row in sent] == ["H-CT"]
    assert "H-SELF" not in str(sent)
    assert settlement.total == D("300.00") and settlement.mismatch == []
    unmapped.refresh_from_db()
    assert unmapped.upload_status == FeeLine.UploadStatus.NOT_SENT and unmapped.settlement_id == settlement.pk
    # Every print says the patient pays it: the receipt beside the settlement, the list per item.
    receipt = documents.settlement_receipt(settlement)
    assert {"label": "未对照项目（未上传医保，患者自付）", "amount": "88.00"} in receipt["parts"]
    items_on_list = {i["name"]: i for i in documents.settlement_list(settlement)["items"]}
    assert items_on_list["院内自制膏方"]["klass"] == "自费（未对照，不上传医保）"
    assert items_on_list["院内自制膏方"]["self_paid"] == "88.00"


@pytest.mark.django_db
def test_partial_refunds_one_by_one_never_beyond_what_was_charged():
    """3 CT charged (450.00); refunds of 1 + 1 + 1 each −150.00 (share −12.00, in scope −138.00); a 4th
    is refused; the lines net to 0."""
    hospital = make_hospital()
    items = make_catalog_items()
    stay = admit(hospital, admitted_at=timezone.now() - datetime.timedelta(days=1))
    ct = order(hospital, stay, items["H-CT"])
    [line] = charges.charges_post(
        actor=hospital.clerk,
        stay=stay,
        lines=[
            charges.ChargeInput(
                order=ct, quantity=D(3), charged_at=stay.admitted_at + datetime.timedelta(hours=1)
            )
        ],
    )
    assert (line.amount, line.pre_self_pay_amount, line.in_scope_amount) == (
        D("450.00"),
        D("36.00"),
        D("414.00"),
    )
    refunds = [
        charges.charge_refund(actor=hospital.clerk, line=line, reason="未做", quantity=D(1)) for _ in range(3)
    ]
    assert [(r.quantity, r.amount, r.pre_self_pay_amount, r.in_scope_amount) for r in refunds] == [
        (D("-1"), D("-150.00"), D("-12.00"), D("-138.00"))
    ] * 3
    assert {r.init_feedetl_sn for r in refunds} == {line.feedetl_sn}
    with pytest.raises(DomainError) as fourth:
        charges.charge_refund(actor=hospital.clerk, line=line, reason="再退", quantity=D(1))
    assert fourth.value.code == "already_refunded"
    total = sum(FeeLine.objects.filter(stay=stay).values_list("amount", flat=True))
    assert total == D("0.00")


@pytest.mark.django_db
def test_refund_beyond_what_is_left_is_refused_with_the_quantity_left():
    hospital = make_hospital()
    items = make_catalog_items()
    stay = admit(hospital, admitted_at=timezone.now() - datetime.timedelta(days=1))
    ct = order(hospital, stay, items["H-CT"])
    [line] = charges.charges_post(
        actor=hospital.clerk,
        stay=stay,
        lines=[
            charges.ChargeInput(
                order=ct, quantity=D(3), charged_at=stay.admitted_at + datetime.timedelta(hours=1)
            )
        ],
    )
    charges.charge_refund(actor=hospital.clerk, line=line, reason="未做", quantity=D(2))
    with pytest.raises(DomainError) as refused:
        charges.charge_refund(actor=hospital.clerk, line=line, reason="未做", quantity=D(2))
    assert refused.value.code == "refund_quantity" and "可退数量 1" in refused.value.message


@pytest.mark.django_db
def test_settled_line_refund_refused_and_late_line_refused_with_the_way_forward(center):
    """SET-9: after a mid-stay settlement covering yesterday, a line of yesterday can be neither
    refunded nor added: both answers say to reverse the settlement first."""
    hospital = make_hospital()
    items = make_catalog_items()
    center_knows_catalog(center)
    person = make_person()
    center.enrol(person)
    start = timezone.now() - datetime.timedelta(days=3)
    stay = admit(hospital, person, admitted_at=start)
    ct = order(hospital, stay, items["H-CT"], ordered_at=start)
    [line] = charges.charges_post(
        actor=hospital.clerk,
        stay=stay,
        lines=[charges.ChargeInput(order=ct, quantity=D(1), charged_at=start + datetime.timedelta(hours=1))],
    )
    mid = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="mid", mid_settlement=True)
    assert mid.status == Settlement.Status.SETTLED
    line.refresh_from_db()
    assert line.settlement_id == mid.pk
    with pytest.raises(DomainError) as refund:
        charges.charge_refund(actor=hospital.clerk, line=line, reason="未做")
    assert refund.value.code == "charge_settled" and "撤销" in refund.value.message
    with pytest.raises(DomainError) as late:
        charges.charges_post(
            actor=hospital.clerk,
            stay=stay,
            lines=[
                charges.ChargeInput(order=ct, quantity=D(1), charged_at=start + datetime.timedelta(hours=5))
            ],
        )
    assert "已结算期间内" in str(late.value.errors) and "SET-9" in str(late.value.errors)
    # Today is outside the settled period: accepted.
    charges.charges_post(
        actor=hospital.clerk,
        stay=stay,
        lines=[charges.ChargeInput(order=ct, quantity=D(1), charged_at=timezone.now())],
    )


@pytest.mark.django_db
def test_plausibility_bounds_are_data_and_refusals_name_the_bound():
    """Issue 17 item 6: 99 999 999.9999 units, a date in 2099, a unit price of 0.0001 — refused; the
    bound is a row the admin edits (service: 100 per line, 200 per day, floor 0.01)."""
    hospital = make_hospital()
    items = make_catalog_items()
    stay = admit(hospital, admitted_at=timezone.now() - datetime.timedelta(days=1))
    ct = order(hospital, stay, items["H-CT"])
    at = stay.admitted_at + datetime.timedelta(hours=1)

    def refused(**kwargs) -> str:
        with pytest.raises(DomainError) as error:
            charges.charges_post(
                actor=hospital.clerk, stay=stay, lines=[charges.ChargeInput(order=ct, **kwargs)]
            )
        return str(error.value.errors)

    assert "单行上限 100" in refused(quantity=D("99999999.9999"), charged_at=at)
    assert "晚于" in refused(quantity=D(1), charged_at=datetime.datetime(2099, 1, 1, 9, tzinfo=datetime.UTC))
    assert "早于" in refused(quantity=D(1), charged_at=stay.admitted_at - datetime.timedelta(days=1))
    assert "低于下限 0.01" in refused(quantity=D(1), charged_at=at, unit_price=D("0.0001"))
    charges.charges_post(
        actor=hospital.clerk, stay=stay, lines=[charges.ChargeInput(order=ct, quantity=D(100), charged_at=at)]
    )
    charges.charges_post(
        actor=hospital.clerk,
        stay=stay,
        lines=[charges.ChargeInput(order=ct, quantity=D(100), charged_at=at + datetime.timedelta(hours=1))],
    )  # 200 on the day: at the bound
    assert "每日上限 200" in refused(quantity=D(1), charged_at=at + datetime.timedelta(hours=2))
    PlausibilityBound.objects.filter(item_type="service").update(max_quantity_per_day=D(300))
    charges.charges_post(
        actor=hospital.clerk,
        stay=stay,
        lines=[charges.ChargeInput(order=ct, quantity=D(1), charged_at=at + datetime.timedelta(hours=2))],
    )
