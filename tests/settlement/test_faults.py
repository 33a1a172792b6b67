"""Issue 16: every fault of a settle, a reversal and an upload, against the simulator's switches, ends
with the hospital's books and the center's agreeing (settlement.books.books_agree() == []).

The stay of tests.settlement.test_settle.discharged_stay, worked by hand (seed 003 policy, 310, local):
  bed 3 × 40 = 120 (35 payment standard → 15 over-limit, FEE-1), CT 2 × 150 = 300 (class B, 8 % → 24
  first self-pay, SET-2), check-up 300 (class C with consent → full self-pay, FEE-6): total 720.00;
  in scope 120 − 15 + 300 − 24 = 381.00, all of it deductible (500 a year) → fund 0.00.
"""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from admission import charges
from admission import services as admission_services
from admission.models import Stay
from center.client import CenterError
from center.models import CenterExchange, CenterIntent
from core.errors import DomainError
from fees.models import FeeLine
from settlement import flow, recovery, services
from settlement.books import books_agree
from settlement.models import Settlement
from tests.admission.factories import admit, make_catalog_items, make_hospital, order
from tests.insured.factories import make_person
from tests.settlement.test_settle import center_knows_catalog, discharged_stay

D = Decimal
LOST = {"mode": "timeout", "after_process": True, "seconds": 3, "count": 1}


def _stay_with_ct(center, quantity: Decimal):
    """An open stay admitted three days ago with `quantity` CT (150.00 each, class B) on its first day."""
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
        lines=[
            charges.ChargeInput(order=ct, quantity=quantity, charged_at=start + datetime.timedelta(hours=1))
        ],
    )
    return hospital, stay, ct


def _discharge(hospital, stay) -> None:
    admission_services.discharge_order(actor=hospital.clerk, stay=stay)
    admission_services.stay_discharge(
        actor=hospital.clerk,
        stay=stay,
        discharge_way="1",
        diagnoses=[admission_services.DiagnosisInput("J18.9")],
    )
    stay.refresh_from_db()


def _due_now(msgid: str) -> None:
    """The recovery task leaves an intent alone during its in-flight grace; tests do not wait for it."""
    CenterIntent.objects.filter(msgid=msgid).update(
        next_check_at=timezone.now(), created_at=timezone.now() - datetime.timedelta(minutes=5)
    )


def _assert_books_agree():
    assert books_agree() == []


@pytest.mark.django_db
def test_lost_2304_reply_with_the_center_down_stays_unconfirmed_then_recovery_records_it(center):
    """SET-9/SET-10: 2304 is processed but its reply lost, and the center is down when the hospital asks.
    The clerk is told 结果待确认, the cash fallback is refused (a fund settlement may exist), and once the
    center is back the recovery task records exactly the center's settlement (720.00)."""
    hospital, stay = discharged_stay(center)
    center.fault(infno="2304", **LOST)
    center.fault(mode="down", infno="5203", add=True)  # asking the center finds it down …
    center.fault(mode="down", infno="2601", add=True)  # … and so does the fence
    with pytest.raises(DomainError) as unknown:
        services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="lost-1")
    assert unknown.value.code == "settlement_unconfirmed" and "待确认" in unknown.value.message
    pending = Settlement.objects.get(idempotency_key="lost-1")
    assert pending.status == Settlement.Status.PENDING
    # Nothing else may happen meanwhile: no second 2304, no cash.
    with pytest.raises(DomainError) as second:
        services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="lost-2")
    assert second.value.code == "settlement_in_progress"
    with pytest.raises(DomainError) as cash:
        services.stay_settle_self_pay(
            actor=hospital.clerk, stay=stay, idempotency_key="lost-3", reason="中心故障"
        )
    assert cash.value.code == "settlement_in_progress"
    assert CenterExchange.objects.filter(infno="2304").count() == 1
    center.fault(mode="ok")
    _due_now(pending.msgid)
    assert recovery.recover_due() == {"checked": 1, "resolved": 1}
    pending.refresh_from_db()
    assert pending.status == Settlement.Status.SETTLED and pending.total == D("720.00")
    assert pending.fund_pay == D("0.00") and pending.deductible_paid == D("381.00")
    assert CenterIntent.objects.get(msgid=pending.msgid).resolution == CenterIntent.Resolution.FOUND
    stay.refresh_from_db()
    assert stay.status == Stay.Status.SETTLED
    # The same key now answers with the settlement itself.
    assert services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="lost-1").pk == pending.pk
    _assert_books_agree()


@pytest.mark.django_db
def test_lost_2304_never_processed_is_fenced_and_the_clerk_may_settle_again(center):
    """The 2304 never reached the center's books (it arrives late): 5203 finds nothing, 2601 fences the
    msgid, the settlement is closed as failed with a reason, and a new settlement succeeds once."""
    hospital, stay = discharged_stay(center)
    center.fault(mode="timeout", infno="2304", after_process=False, seconds=3, count=1)
    with pytest.raises(DomainError) as not_done:
        services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="late-1")
    assert not_done.value.code == "settlement_not_done"
    failed = Settlement.objects.get(idempotency_key="late-1")
    assert failed.status == Settlement.Status.FAILED and failed.failure["code"] == "settlement_not_done"
    # The same key gives the same outcome, never a 201 or "pending".
    with pytest.raises(DomainError) as same:
        services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="late-1")
    assert same.value.code == "settlement_not_done"
    import time

    time.sleep(3.5)  # the late 2304 reaches the center and is refused (fenced)
    assert center.state()["active_settlements"] == []
    settled = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="late-2")
    assert settled.total == D("720.00") and center.state()["active_settlements"] == [settled.setl_id]
    _assert_books_agree()


@pytest.mark.django_db
def test_lost_2305_reply_records_the_centers_cancellation(center):
    """SET-9: the center cancels but the reply is lost; the hospital finds the cancellation (5203) and
    records it as the counter-entry with the center's own settlement id and negative amounts."""
    hospital, stay = discharged_stay(center)
    settled = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="rv-1")
    center.fault(infno="2305", **LOST)
    counter = services.settlement_reverse(actor=hospital.clerk, settlement=settled, reason="诊断录入错误")
    settled.refresh_from_db()
    assert settled.status == Settlement.Status.REVERSED and counter.reversal_of_id == settled.pk
    assert counter.setl_id and counter.setl_id != settled.setl_id  # the center's cancellation id
    assert counter.total == D("-720.00") and counter.center_answer["refd_setl_flag"] == "1"
    assert len(counter.medins_setl_id) == 30
    stay.refresh_from_db()
    assert stay.status == Stay.Status.DISCHARGED
    assert center.state()["active_settlements"] == []
    _assert_books_agree()


@pytest.mark.django_db
def test_lost_2305_reply_with_the_center_down_stays_reversing_until_recovery(center):
    hospital, stay = discharged_stay(center)
    settled = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="rd-1")
    center.fault(infno="2305", **LOST)
    center.fault(mode="down", infno="5203", add=True)
    center.fault(mode="down", infno="2601", add=True)
    with pytest.raises(DomainError) as unknown:
        services.settlement_reverse(actor=hospital.clerk, settlement=settled, reason="更正")
    assert unknown.value.code == "settlement_unconfirmed"
    settled.refresh_from_db()
    assert settled.status == Settlement.Status.REVERSING
    with pytest.raises(DomainError) as again:
        services.settlement_reverse(actor=hospital.clerk, settlement=settled, reason="更正")
    assert again.value.code == "settlement_unconfirmed"
    center.fault(mode="ok")
    _due_now(settled.reversal_msgid)
    recovery.recover_due()
    settled.refresh_from_db()
    assert settled.status == Settlement.Status.REVERSED and settled.reversed_by.total == D("-720.00")
    _assert_books_agree()


@pytest.mark.django_db
def test_process_killed_between_intent_and_answer_is_recovered(center, monkeypatch):
    """The web process dies after 2304 went out (simulated by a BaseException where the answer is
    recorded): the settlement stays pending with its intent; later attempts are told it is being
    confirmed (never "already settled"); the recovery task records the center's settlement."""
    hospital, stay = discharged_stay(center)
    real = flow.record_settled

    def killed(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(flow, "record_settled", killed)
    with pytest.raises(SystemExit):
        services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="kill-1")
    monkeypatch.setattr(flow, "record_settled", real)
    pending = Settlement.objects.get(idempotency_key="kill-1")
    assert pending.status == Settlement.Status.PENDING
    assert CenterIntent.objects.get(msgid=pending.msgid).status == CenterIntent.Status.OPEN
    with pytest.raises(DomainError) as retry:
        services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="kill-2")
    assert retry.value.code == "settlement_in_progress"
    assert recovery.recover_due()["checked"] == 0  # still within the in-flight grace
    _due_now(pending.msgid)
    recovery.recover_due()
    pending.refresh_from_db()
    assert pending.status == Settlement.Status.SETTLED and pending.total == D("720.00")
    _assert_books_agree()


@pytest.mark.django_db
def test_a_crash_while_recording_leaves_it_for_recovery_not_stranded(center, monkeypatch):
    """Any error after the center answered (here in the payer rows) tells the clerk 待确认 and is
    recorded by recovery from the center's 5203 answer."""
    hospital, stay = discharged_stay(center)
    real = flow.write_funds
    monkeypatch.setattr(flow, "write_funds", lambda *a, **k: 1 / 0)
    with pytest.raises(DomainError) as unknown:
        services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="crash-1")
    assert unknown.value.code == "settlement_unconfirmed"
    monkeypatch.setattr(flow, "write_funds", real)
    pending = Settlement.objects.get(idempotency_key="crash-1")
    assert pending.status == Settlement.Status.PENDING
    _due_now(pending.msgid)
    recovery.recover_due()
    pending.refresh_from_db()
    assert pending.status == Settlement.Status.SETTLED and pending.total == D("720.00")
    _assert_books_agree()


@pytest.mark.django_db
def test_no_local_policy_does_not_block_the_center_decides(center):
    """A person insured in 610300 (no local policy row): the settlement goes through with the center's
    figures, says so, and is listed for the office (needs_review)."""
    person = make_person(insured_region="610300")
    hospital, stay = discharged_stay(center, person=person)
    answer = services.stay_pre_settle(actor=hospital.clerk, stay=stay)
    assert answer["local"] is None and "本地无该参保地" in answer["local_note"]
    assert answer["center"]["setlinfo"]["medfee_sumamt"] == D("720.00")
    settled = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="np-1")
    assert settled.status == Settlement.Status.SETTLED and settled.total == D("720.00")
    assert settled.needs_review and "本地无该参保地" in settled.local_calculation["note"]
    _assert_books_agree()


@pytest.mark.django_db
def test_lost_2301_reply_lines_are_not_sent_twice(center):
    """2301 is processed but the reply lost: the lines stay "sent"; before anything is re-sent the
    center's 5204 says it holds them, so settling works (no duplicate feedetl_sn) and totals 720.00."""
    hospital, stay = discharged_stay(center)
    center.fault(infno="2301", **LOST)
    with pytest.raises(CenterError):
        services.fees_upload(actor=hospital.clerk, stay=stay)
    sent = FeeLine.objects.filter(stay=stay).exclude(upload_msgid="")
    assert sent.count() == 3 and not FeeLine.objects.filter(stay=stay, upload_status="uploaded").exists()
    settled = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="up-1")
    assert settled.total == D("720.00")
    assert FeeLine.objects.filter(stay=stay, upload_status="uploaded").count() == 3
    assert CenterExchange.objects.filter(infno="2301").count() == 1  # never re-sent
    state = center.state()["visits"][settled.mdtrt_id]
    assert state["fees"] == 3
    _assert_books_agree()


@pytest.mark.django_db
def test_failed_resettlement_can_be_retried_and_refunds_once(center):
    """SET-10: cash 720.00 while the center is down; the first re-settlement is refused by the center,
    the second succeeds, and the refund (720.00 − the new cash share) is issued once."""
    hospital, stay = discharged_stay(center)
    center.fault(mode="down")
    fallback = services.stay_settle_self_pay(
        actor=hospital.clerk, stay=stay, idempotency_key="re-0", reason="医保中心故障"
    )
    assert fallback.cash_pay == D("720.00")
    center.fault(mode="error", infno="2304", count=1)
    with pytest.raises(CenterError):
        services.stay_resettle(actor=hospital.clerk, settlement=fallback, idempotency_key="re-1")
    fallback.refresh_from_db()
    assert fallback.status == Settlement.Status.SETTLED  # untouched: the retry is possible
    new, refund = services.stay_resettle(actor=hospital.clerk, settlement=fallback, idempotency_key="re-2")
    assert new.status == Settlement.Status.SETTLED and new.total == D("720.00")
    # The personal account (balance 1000.00) pays the whole personal share: refund = 720.00 − 0.00.
    assert new.cash_pay == D("0.00") and refund.amount == D("720.00")
    again, same_refund = services.stay_resettle(
        actor=hospital.clerk, settlement=fallback, idempotency_key="re-2"
    )
    assert again.pk == new.pk and same_refund.pk == refund.pk
    _assert_books_agree()


@pytest.mark.django_db
def test_cash_fallback_after_a_mid_stay_settlement_charges_only_the_rest(center):
    """SET-10 with 中途结算: CT 4 × 150 = 600 settled mid-stay; CT 2 × 150 = 300 after; the center goes
    down at discharge: cash 300.00, not 900.00."""
    hospital, stay, ct = _stay_with_ct(center, D(4))
    mid = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="ms-1", mid_settlement=True)
    assert mid.total == D("600.00")
    charges.charges_post(
        actor=hospital.clerk,
        stay=stay,
        lines=[charges.ChargeInput(order=ct, quantity=D(2), charged_at=datetime.datetime.now(datetime.UTC))],
    )
    _discharge(hospital, stay)
    center.fault(mode="down")
    cash = services.stay_settle_self_pay(
        actor=hospital.clerk, stay=stay, idempotency_key="ms-2", reason="中心故障"
    )
    assert cash.total == D("300.00") and cash.cash_pay == D("300.00")
    # The manual-claim package (结算清单) lists only those lines: 2 CT × 150.00 = 300.00, not 900.00.
    from settlement.documents import settlement_list

    assert settlement_list(cash)["fee_total"] == "300.00"
    center.fault(mode="ok")
    _assert_books_agree()


def _threads(n, target):
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        try:
            barrier.wait()
            result = target(i)
        except DomainError as error:
            result = error.code
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_fifty_settles_with_one_key_give_one_settlement_and_one_answer(center):
    """Idempotency under concurrency: 50 requests with the same key — no error, the same settlement."""
    hospital, stay = discharged_stay(center)
    outcomes = _threads(
        50, lambda i: services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="same-key").pk
    )
    assert len(outcomes) == 50 and len(set(outcomes)) == 1 and isinstance(outcomes[0], int)
    assert CenterExchange.objects.filter(infno="2304").count() == 1
    _assert_books_agree()


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_mid_stay_settlements_make_one(center):
    hospital, stay, _ = _stay_with_ct(center, D(4))
    outcomes = _threads(
        20,
        lambda i: (
            services.stay_settle(
                actor=hospital.clerk, stay=stay, idempotency_key=f"mid-{i}", mid_settlement=True
            ).status
        ),
    )
    assert outcomes.count("settled") == 1, outcomes
    assert set(outcomes) - {"settled"} <= {"settlement_in_progress", "nothing_to_settle"}
    assert Settlement.objects.filter(stay=stay).exclude(status="failed").count() == 1
    assert CenterExchange.objects.filter(infno="2304").count() == 1
    _assert_books_agree()


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_reversals_send_one_2305_and_all_tell_the_truth(center):
    hospital, stay = discharged_stay(center)
    settled = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="cr-1")
    outcomes = _threads(
        10,
        lambda i: (
            services.settlement_reverse(
                actor=hospital.clerk, settlement=Settlement.objects.get(pk=settled.pk), reason="更正"
            ).pk
        ),
    )
    counter = Settlement.objects.get(reversal_of=settled)
    assert outcomes == [counter.pk] * 10
    assert CenterExchange.objects.filter(infno="2305").count() == 1
    _assert_books_agree()


@pytest.mark.django_db
def test_mid_stay_settlement_cannot_be_reversed_while_a_later_one_is_active(center):
    """SET-9: reversals go latest first."""
    hospital, stay, ct = _stay_with_ct(center, D(1))
    mid = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="ord-1", mid_settlement=True)
    charges.charges_post(
        actor=hospital.clerk,
        stay=stay,
        lines=[charges.ChargeInput(order=ct, quantity=D(1), charged_at=datetime.datetime.now(datetime.UTC))],
    )
    _discharge(hospital, stay)
    final = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="ord-2")
    with pytest.raises(DomainError) as order_error:
        services.settlement_reverse(actor=hospital.clerk, settlement=mid, reason="更正")
    assert order_error.value.code == "reverse_latest_first"
    services.settlement_reverse(actor=hospital.clerk, settlement=final, reason="更正")
    services.settlement_reverse(actor=hospital.clerk, settlement=mid, reason="更正")
    assert center.state()["active_settlements"] == []
    _assert_books_agree()


@pytest.mark.django_db
def test_long_idempotency_keys_are_refused_not_cut(center):
    hospital, stay = discharged_stay(center)
    with pytest.raises(DomainError) as too_long:
        services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="k" * 201)
    assert too_long.value.code == "idempotency_key_too_long"
    key = "k" * 200
    assert services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key=key).idempotency_key == key


@pytest.mark.django_db
def test_books_agree_finds_a_planted_difference(center):
    """The check is no formality: a settlement the hospital marks settled but the center has cancelled
    behind its back is listed with an action."""
    from center import transactions

    hospital, stay = discharged_stay(center)
    settled = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="bk-1")
    transactions.cancel_settlement(
        flow.center(),
        mdtrt_id=settled.mdtrt_id,
        setl_id=settled.setl_id,
        psn_no=stay.person.psn_no,
        insuplc_admdvs=settled.insuplc_admdvs,
    )
    differences = books_agree()
    assert [(d.settlement_id, d.problem) for d in differences] == [(settled.pk, "本院已结算，中心无有效结算")]


@pytest.mark.django_db
@pytest.mark.parametrize("processed", [True, False], ids=["center-registered", "never-arrived"])
def test_lost_2401_reply_is_resolved_by_the_centers_visits(center, processed):
    """ADM-1: 2401's reply is lost. If the center registered the stay (5201 finds our 住院号) the
    registration is recorded with the center's mdtrt_id; if not, the message is fenced (2601) and the
    clerk may register again — never two center visits for one stay."""
    hospital = make_hospital()
    person = make_person()
    center.enrol(person)
    center.fault(mode="timeout", infno="2401", after_process=processed, seconds=3, count=1)
    stay = admit(hospital, person)
    from admission.selectors import active_registration

    registration = active_registration(stay)
    visits = {k: v for k, v in center.state()["visits"].items() if v["psn_no"] == person.psn_no}
    if processed:
        assert registration is not None and list(visits) == [registration.mdtrt_id]
    else:
        assert registration is None and visits == {}
        import time

        time.sleep(3.5)  # the late 2401 arrives after the fence and is refused
        assert not [v for v in center.state()["visits"].values() if v["psn_no"] == person.psn_no]
        from tests.admission.factories import confirmed_read

        assert (
            admission_services.registration_register(
                actor=hospital.clerk, stay=stay, card_read=confirmed_read(person, hospital.clerk)
            )
            == []
        )
        assert active_registration(stay) is not None
    assert CenterIntent.objects.filter(infno="2401", status__in=["open", "unknown"]).count() == 0


@pytest.mark.django_db
def test_lost_2201_reply_records_the_centers_visit(center):
    """ADM-1/ADM-8: 2201 registered at the center but the reply was lost: 5201 finds our 门诊号 and the
    visit gets the center's mdtrt_id (no second registration)."""
    from settlement import outpatient
    from tests.admission.factories import confirmed_read
    from tests.factories import DepartmentFactory, PractitionerFactory, UserFactory

    person = make_person()
    center.enrol(person)
    department = DepartmentFactory()
    doctor = PractitionerFactory(user=UserFactory(), department=department)
    clerk = UserFactory()
    center.fault(mode="timeout", infno="2201", after_process=True, seconds=3, count=1)
    visit, notices = outpatient.visit_register(
        actor=clerk, card_read=confirmed_read(person, clerk), department=department, doctor=doctor
    )
    visit.refresh_from_db()
    assert notices == [] and visit.mdtrt_id
    assert [k for k, v in center.state()["visits"].items() if v["psn_no"] == person.psn_no] == [
        visit.mdtrt_id
    ]
