"""Issue 20, SYNC-1: a refused row retries with backoff, goes to the dead-letter list after N failures,
and the office resolves it (resend after fixing, or cancel); 2402 and 4101 go with the cycle."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from center.models import CenterIntent
from fees.models import FeeLine
from settlement import services as settlement_services
from settlement.books import books_agree
from sync import cycle, services
from sync.models import SyncAction, SyncFailure
from tests.settlement.test_settle import discharged_stay
from tests.sync.helpers import held_by_center, messages, open_stay_with_lines, set_policy, sns, switch


def _due_now():
    SyncFailure.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))


@pytest.mark.django_db
def test_sync1_dead_letter_after_n_failures_then_resent_after_the_fix(center):
    """N = 3 (SyncPolicy.max_attempts): refused three cycles running, the line is a dead letter; the next
    cycle leaves it alone; once the cause is fixed, the office's resend uploads it."""
    set_policy(max_attempts=3, backoff_minutes=5)
    hospital, stay = open_stay_with_lines(center, 3)
    bad = sns(stay)[1]
    switch(center, refuse=[bad])
    for attempt in (1, 2, 3):
        cycle.cycle_run()
        failure = SyncFailure.objects.get(key=bad)
        assert failure.attempts == attempt
        _due_now()
    assert failure.status == SyncFailure.Status.DEAD and failure.next_attempt_at is None
    before = len(messages("2301"))
    cycle.cycle_run()
    assert len(messages("2301")) == before  # a dead letter is not sent by the cycle
    switch(center, refuse=[])  # e.g. the item's mapping fixed
    resolved = services.failure_resend(actor=hospital.clerk, failure=failure, note="目录对照已修正")
    assert resolved.status == SyncFailure.Status.RESOLVED
    assert FeeLine.objects.get(feedetl_sn=bad).upload_status == "uploaded"
    assert held_by_center(center, stay.registrations.get().mdtrt_id) == 3
    assert SyncAction.objects.filter(action="死信重传", target__contains=bad).exists()


@pytest.mark.django_db
def test_sync1_backoff_doubles_after_each_refusal(center):
    """Backoff 5 min × 2^(n−1): after the 1st refusal ~5 min, after the 2nd ~10 min."""
    set_policy(max_attempts=5, backoff_minutes=5)
    _hospital, stay = open_stay_with_lines(center, 1)
    switch(center, refuse=sns(stay))
    cycle.cycle_run()
    first = SyncFailure.objects.get()
    wait = first.next_attempt_at - first.updated_at
    assert datetime.timedelta(minutes=4, seconds=59) < wait <= datetime.timedelta(minutes=5, seconds=1)
    _due_now()
    cycle.cycle_run()
    second = SyncFailure.objects.get()
    wait = second.next_attempt_at - second.updated_at
    assert second.attempts == 2
    assert datetime.timedelta(minutes=9, seconds=59) < wait <= datetime.timedelta(minutes=10, seconds=1)


@pytest.mark.django_db
def test_sync1_a_dead_letter_cancelled_by_the_office_is_never_sent_again(center):
    set_policy(max_attempts=1)
    hospital, stay = open_stay_with_lines(center, 2)
    bad = sns(stay)[0]
    switch(center, refuse=[bad])
    cycle.cycle_run()
    failure = SyncFailure.objects.get(key=bad)
    assert failure.status == SyncFailure.Status.DEAD
    with pytest.raises(Exception) as no_reason:
        services.failure_cancel(actor=hospital.clerk, failure=failure, reason=" ")
    assert "原因" in str(no_reason.value)
    cancelled = services.failure_cancel(actor=hospital.clerk, failure=failure, reason="录入错误，收费处退费")
    assert cancelled.status == SyncFailure.Status.CANCELLED
    assert len(messages("5204")) == 1 and not messages("2302")  # the center never held it
    switch(center, refuse=[])
    _due_now()
    sent_before = len(messages("2301"))
    cycle.cycle_run()
    assert len(messages("2301")) == sent_before  # the cancelled line stays out of the uploads


@pytest.mark.django_db
def test_sync1_cancel_withdraws_a_line_the_center_holds_with_2302(center):
    """A line that reached the center after all (e.g. refused later by its answer): cancel asks 5204,
    withdraws it with 2302, and the center no longer holds it."""
    hospital, stay = open_stay_with_lines(center, 2)
    cycle.cycle_run()
    line = sns(stay)[0]
    failure = SyncFailure.objects.create(
        kind=SyncFailure.Kind.LINE,
        key=line,
        subject=f"stay:{stay.pk}",
        status=SyncFailure.Status.DEAD,
        attempts=5,
        last_error="中心退回（模拟）",
    )
    services.failure_cancel(actor=hospital.clerk, failure=failure, reason="重复计费")
    assert [m.request["input"]["data"]["feedetl_sn"] for m in messages("2302")] == [line]
    assert held_by_center(center, stay.registrations.get().mdtrt_id) == 1


@pytest.mark.django_db
def test_sync1_the_cycle_sends_a_discharge_the_window_could_not_and_the_settlement_list(center):
    """The window's 2402 found the center down: the cycle asks 5201 (still in hospital) and sends it;
    a settled stay's list goes by 4101 once; a second cycle sends neither again."""
    center.fault(mode="down", infno="2402", count=1)
    hospital, stay = discharged_stay(center)
    mdtrt_id = stay.registrations.get().mdtrt_id
    assert center.state()["visits"][mdtrt_id]["status"] == "admitted"
    run = cycle.cycle_run()
    assert run.counts["discharges"] == 1
    assert center.state()["visits"][mdtrt_id]["status"] == "discharged"
    settlement = settlement_services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="sync-4101")
    run = cycle.cycle_run()
    assert run.counts["lists"] == 1 and run.counts.get("discharges", 0) == 0
    assert center.state()["settlement_lists"] == [settlement.setl_id]
    intent = CenterIntent.objects.get(infno="4101", subject=f"settlement:{settlement.pk}")
    assert intent.status == CenterIntent.Status.DONE and intent.context["setl_list_id"]
    again = cycle.cycle_run()
    assert again.counts.get("lists", 0) == 0 and again.counts.get("discharges", 0) == 0
    assert len(messages("4101")) == 1
    assert books_agree() == []
