"""Settling stays through the simulated center on Postgres: amounts, payers, accumulators, idempotency,
reversal (SET-9), faults during 2304, the SET-10 fallback and re-settlement, and 50 concurrent settles."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection

from admission import charges
from admission import services as admission_services
from admission.models import Stay
from center.client import CenterError
from core.errors import DomainError
from drug_catalog.models import CatalogItem
from settlement import services
from settlement.models import Accumulator, Settlement
from tests.admission.factories import admit, make_catalog_items, make_hospital, order
from tests.insured.factories import make_person

D = Decimal


def center_knows_catalog(center) -> None:
    center.catalog(
        {
            item.code: {
                "class": item.insurance_class,
                "selfpay_prop": str(item.b_self_pay_ratio or "0.10" if item.insurance_class == "B" else "0"),
                "pric_uplmt_amt": str(item.price_cap) if item.price_cap else None,
                "name": item.name,
            }
            for item in CatalogItem.objects.all()
        }
    )


def discharged_stay(center, person=None):
    """A registered stay with a bed fee over its payment standard, a CT (class B) and a class C check-up."""
    hospital = make_hospital()
    items = make_catalog_items()
    center_knows_catalog(center)
    person = person or make_person()
    center.enrol(person)
    stay = admit(hospital, person)
    for code in ("H-BED", "H-CHK"):
        charges.consent_record(
            actor=hospital.clerk, stay=stay, hospital_item=items[code], reason="自费", signer="本人"
        )
    at = stay.admitted_at + datetime.timedelta(hours=1)
    bed = order(hospital, stay, items["H-BED"], kind="long")
    ct = order(hospital, stay, items["H-CT"])
    check = order(hospital, stay, items["H-CHK"])
    charges.charges_post(
        actor=hospital.clerk,
        stay=stay,
        lines=[
            charges.ChargeInput(order=bed, quantity=D(3), charged_at=at),
            charges.ChargeInput(order=ct, quantity=D(2), charged_at=at),
            charges.ChargeInput(order=check, quantity=D(1), charged_at=at),
        ],
    )
    admission_services.discharge_order(actor=hospital.clerk, stay=stay)
    admission_services.stay_discharge(
        actor=hospital.clerk,
        stay=stay,
        discharge_way="1",
        diagnoses=[admission_services.DiagnosisInput("J18.9")],
    )
    stay.refresh_from_db()
    return hospital, stay


@pytest.mark.django_db
def test_settle_through_the_center_with_payers_and_accumulators(center):
    """total 120 + 300 + 300 = 720: check-up 300 full self-pay (FEE-6), bed 3 × (40 − 35) = 15 over the
    standard (FEE-1), CT 300 × 0.08 = 24 class-B share (SET-2), in scope 381 − deductible 381 (of 500)."""
    hospital, stay = discharged_stay(center)
    settlement = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="k-1")
    assert settlement.status == Settlement.Status.SETTLED and settlement.setl_id
    assert (settlement.total, settlement.full_self_pay, settlement.over_limit_self_pay) == (
        D("720.00"),
        D("300.00"),
        D("15.00"),
    )
    assert settlement.pre_self_pay == D("24.00") and settlement.in_scope == D("381.00")
    assert settlement.deductible_paid == D("381.00") and settlement.fund_pay == D("0.00")
    assert settlement.personal_account_pay == D("720.00") - D("0.00") - settlement.cash_pay
    assert settlement.mismatch == [] and not settlement.needs_review
    stay.refresh_from_db()
    assert stay.status == Stay.Status.SETTLED
    accumulator = Accumulator.objects.get(person=stay.person)
    assert accumulator.deductible_used == D("381.00")
    assert {f.fund_pay_type for f in settlement.funds.all()} <= {"310100", "310200"}
    # Idempotency: the same key returns the same settlement; another key is refused.
    assert services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="k-1").pk == settlement.pk
    with pytest.raises(DomainError) as again:
        services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="k-2")
    assert again.value.code == "already_settled"


@pytest.mark.django_db
def test_reversal_is_a_counter_entry_restoring_accumulators_and_reopening_the_stay(center):
    hospital, stay = discharged_stay(center)
    first = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="r-1")
    counter = services.settlement_reverse(actor=hospital.clerk, settlement=first, reason="诊断录入错误")
    first.refresh_from_db()
    stay.refresh_from_db()
    assert first.status == Settlement.Status.REVERSED and counter.reversal_of_id == first.pk
    assert counter.total == -first.total and counter.cash_pay == -first.cash_pay
    assert stay.status == Stay.Status.DISCHARGED
    assert Accumulator.objects.get(person=stay.person).deductible_used == D("0.00")
    assert center.state()["active_settlements"] == []
    second = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="r-2")
    assert second.total == first.total and second.deductible_paid == first.deductible_paid


@pytest.mark.django_db
def test_timeout_during_2304_records_what_the_center_holds(center):
    """The reply to 2304 is lost after the center settled: the hospital asks (5203, medins_setl_id =
    our msgid) and records that settlement — the same 720.00 as the happy path, not a second one."""
    hospital, stay = discharged_stay(center)
    center.fault(mode="timeout", infno="2304", after_process=True, count=1, seconds=3)
    settled = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="t-1")
    assert settled.status == Settlement.Status.SETTLED and settled.total == D("720.00")
    assert settled.in_scope == D("381.00") and settled.deductible_paid == D("381.00")
    assert center.state()["active_settlements"] == [settled.setl_id]
    with pytest.raises(DomainError) as again:
        services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="t-2")
    assert again.value.code == "already_settled"


@pytest.mark.django_db
def test_center_down_falls_back_to_self_pay_then_resettles_once_with_a_refund(center):
    """SET-10: cash for everything while the center is down; once it is back, the clerk re-settles and
    the cash beyond the patient's share is refunded — once."""
    hospital, stay = discharged_stay(center)
    center.fault(mode="down")
    with pytest.raises(CenterError):
        services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="d-1")
    fallback = services.stay_settle_self_pay(
        actor=hospital.clerk, stay=stay, idempotency_key="d-2", reason="医保中心故障"
    )
    assert fallback.cash_pay == fallback.total == D("720.00")
    center.fault(mode="ok")
    new, refund = services.stay_resettle(actor=hospital.clerk, settlement=fallback, idempotency_key="d-3")
    assert new.status == Settlement.Status.SETTLED and new.resettlement_of_id == fallback.pk
    assert refund.amount == fallback.cash_pay - new.cash_pay
    fallback.refresh_from_db()
    assert fallback.status == Settlement.Status.RESETTLED
    with pytest.raises(DomainError):
        services.stay_resettle(actor=hospital.clerk, settlement=fallback, idempotency_key="d-4")


@pytest.mark.django_db
def test_unrecognised_stay_is_not_settled_directly(center):
    hospital, stay = discharged_stay(center)
    Stay.objects.filter(pk=stay.pk).update(
        fund_status=Stay.FundStatus.NOT_PAYABLE, fund_status_reason="挂床住院经审核确认（ADM-5）"
    )
    stay.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="u-1")
    assert refused.value.code == "not_directly_settleable" and "ADM-5" in refused.value.message


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_settles_make_exactly_one_settlement(center):
    hospital, stay = discharged_stay(center)
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(50)

    def settle(n: int) -> None:
        try:
            barrier.wait()
            services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key=f"c-{n}")
            result = "settled"
        except DomainError as error:
            result = error.code
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=settle, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("settled") == 1, outcomes
    assert set(outcomes) - {"settled"} <= {"already_settled", "settlement_in_progress"}
    assert len(outcomes) == 50
    assert Settlement.objects.filter(stay=stay, status=Settlement.Status.SETTLED).count() == 1
    assert len(center.state()["active_settlements"]) == 1


def test_set7_transfer_pays_the_higher_deductible_once():
    """SET-7: 300 paid at the first hospital; here 500 → 200 more; here 200 → nothing more."""
    from settlement import rules

    policy = rules.Policy(deductible=D("500"), fund_ratio=D("0.70"))
    line = [rules.FeeLine(rules.InsuranceClass.A, amount=D("2000"))]
    higher_here = rules.settle(line, *rules.transfer_deductible(policy, rules.Accumulators(), D("300")))
    assert higher_here.deductible_paid == D("200.00")
    lower_here = rules.settle(
        line,
        *rules.transfer_deductible(
            rules.Policy(deductible=D("200"), fund_ratio=D("0.70")), rules.Accumulators(), D("300")
        ),
    )
    assert lower_here.deductible_paid == D("0.00") and lower_here.fund_pay == D("1400.00")


@pytest.mark.django_db
def test_mid_stay_settlement_then_the_final_one(center):
    """中途结算: a long stay settles the days before today; the final settlement takes the rest; the
    deductible is paid once across both (SET-3)."""
    hospital = make_hospital()
    items = make_catalog_items()
    center_knows_catalog(center)
    person = make_person()
    center.enrol(person)
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=3)
    stay = admit(hospital, person, admitted_at=start)
    ct = order(hospital, stay, items["H-CT"], kind="long")
    charges.charges_post(
        actor=hospital.clerk,
        stay=stay,
        lines=[charges.ChargeInput(order=ct, quantity=D(4), charged_at=start + datetime.timedelta(hours=1))],
    )
    mid = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="m-1", mid_settlement=True)
    assert not mid.is_final and mid.total == D("600.00") and mid.deductible_paid == D("500.00")
    stay.refresh_from_db()
    assert stay.status == Stay.Status.ADMITTED
    today = datetime.datetime.now(datetime.UTC)
    charges.charges_post(
        actor=hospital.clerk,
        stay=stay,
        lines=[charges.ChargeInput(order=ct, quantity=D(2), charged_at=today)],
    )
    admission_services.discharge_order(actor=hospital.clerk, stay=stay)
    admission_services.stay_discharge(
        actor=hospital.clerk,
        stay=stay,
        discharge_way="1",
        diagnoses=[admission_services.DiagnosisInput("J18.9")],
    )
    stay.refresh_from_db()
    final = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="m-2")
    assert final.is_final and final.total == D("300.00") and final.deductible_paid == D("0.00")
    assert final.fund_pay == D("193.20")  # (300 − 8 % class-B share 24) × 0.70
    assert final.mismatch == []


@pytest.mark.django_db
def test_deductible_carries_over_between_two_stays_in_one_year(center):
    """SET-3: the year's deductible (500) is paid across stays: 381 in the first, 119 in the second."""
    hospital, first = discharged_stay(center)
    services.stay_settle(actor=hospital.clerk, stay=first, idempotency_key="y-1")
    _, second = discharged_stay(center, person=first.person)
    settlement = services.stay_settle(actor=hospital.clerk, stay=second, idempotency_key="y-2")
    assert settlement.deductible_paid == D("119.00") and settlement.mismatch == []
    assert Accumulator.objects.get(person=first.person).deductible_used == D("500.00")
