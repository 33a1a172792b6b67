"""Issue 20, SYNC-1: the cycle uploads through the window's code, in chunks, exactly once."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from center.models import CenterIntent
from fees.models import FeeLine
from settlement import flow
from sync import cycle
from sync.models import SyncChunk, SyncCycle, SyncFailure
from tests.sync.helpers import held_by_center, messages, open_stay_with_lines, set_policy, sns, switch

LOST = {"mode": "timeout", "after_process": True, "seconds": 3, "count": 1}


def _registration(stay):
    return stay.registrations.get(status="registered")


@pytest.mark.django_db
def test_sync1_a_cycle_uploads_every_pending_line_in_chunks_within_the_message_size(center):
    """SYNC-1: 250 lines, chunk size 100: each 2301 message holds at most 100 lines and stays under the
    interface's 40,000-character input (a CT line is ~ 600 characters, so 66 lines fit); together they
    carry each line once; the center holds 250 lines, the hospital marks all 250."""
    _hospital, stay = open_stay_with_lines(center, 250)
    run = cycle.cycle_run()
    assert run.status == SyncCycle.Status.DONE, run.error
    sent = messages("2301")
    sizes = [len(json.dumps(m.request["input"], ensure_ascii=False)) for m in sent]
    assert all(size <= 40_000 for size in sizes)
    assert all(len(m.request["input"]["feedetail"]) <= 100 for m in sent)
    carried = [line["feedetl_sn"] for m in sent for line in m.request["input"]["feedetail"]]
    assert sorted(carried) == sorted(sns(stay)) and len(carried) == 250
    assert held_by_center(center, _registration(stay).mdtrt_id) == 250
    assert not FeeLine.objects.filter(stay=stay).exclude(upload_status="uploaded").exists()
    assert run.counts["lines"] == 250 and run.queue["lines"] == 250
    assert run.chunks.filter(kind=SyncChunk.Kind.LINES).count() == 1


@pytest.mark.django_db
def test_sync1_chunk_size_is_data_and_never_above_100(center):
    """The chunk size is SyncPolicy.chunk_size (admin data); 7 lines at 3 a message → 3 + 3 + 1."""
    set_policy(chunk_size=3)
    _hospital, _stay = open_stay_with_lines(center, 7)
    cycle.cycle_run()
    assert [len(m.request["input"]["feedetail"]) for m in messages("2301")] == [3, 3, 1]


@pytest.mark.django_db
def test_sync1_lost_reply_leaves_lines_sent_and_the_next_cycle_asks_before_resending(center):
    """The first chunk's 2301 is processed but its reply lost: its lines stay "sent" (msgid kept) and
    the cycle stops that encounter; the next cycle asks 5204, marks them, and sends only the rest. The
    center holds each line once."""
    _hospital, stay = open_stay_with_lines(center, 150)
    center.fault(infno="2301", **LOST)
    first = cycle.cycle_run()
    assert first.status == SyncCycle.Status.PARTIAL
    lost = messages("2301")
    assert len(lost) == 1 and lost[0].status == "timeout"
    in_lost = {line["feedetl_sn"] for line in lost[0].request["input"]["feedetail"]}
    sent = FeeLine.objects.filter(stay=stay).exclude(upload_msgid="").exclude(upload_status="uploaded")
    assert set(sent.values_list("feedetl_sn", flat=True)) == in_lost
    second = cycle.cycle_run()
    assert second.status == SyncCycle.Status.DONE, second.error
    mdtrt_id = _registration(stay).mdtrt_id
    assert held_by_center(center, mdtrt_id) == 150
    assert FeeLine.objects.filter(stay=stay, upload_status="uploaded").count() == 150
    resent = [line["feedetl_sn"] for m in messages("2301")[1:] for line in m.request["input"]["feedetail"]]
    assert sorted(resent) == sorted(set(sns(stay)) - in_lost)  # the rest, each once; none of the lost
    assert len(messages("5204")) == 1
    assert not CenterIntent.objects.filter(infno="2301", status__in=["open", "unknown"]).exists()


@pytest.mark.django_db
def test_sync1_a_worker_killed_between_send_and_acknowledge_is_resumed_exactly_once(center, monkeypatch):
    """The process dies after the center accepted a chunk and before the hospital recorded it (simulated
    by an exception where the answer is recorded): the rows stay "sent"; the re-run's 5204 finds them."""
    _hospital, stay = open_stay_with_lines(center, 120)
    real = flow._mark_uploaded
    calls = {"n": 0}

    def dies_once(enc, rows):
        calls["n"] += 1
        if calls["n"] == 1:
            raise SystemExit("worker killed")
        return real(enc, rows)

    monkeypatch.setattr(flow, "_mark_uploaded", dies_once)
    with pytest.raises(SystemExit):
        cycle.cycle_run()
    assert SyncCycle.objects.get().status == SyncCycle.Status.RUNNING  # killed mid-cycle
    rerun = cycle.cycle_run()
    assert rerun.status == SyncCycle.Status.DONE, rerun.error
    assert SyncCycle.objects.exclude(pk=rerun.pk).get().status == SyncCycle.Status.ABANDONED
    assert held_by_center(center, _registration(stay).mdtrt_id) == 120
    assert FeeLine.objects.filter(stay=stay, upload_status="uploaded").count() == 120
    # no line went twice (a repeated feedetl_sn would also have been refused by the center)
    carried = [line["feedetl_sn"] for m in messages("2301") for line in m.request["input"]["feedetail"]]
    assert sorted(carried) == sorted(sns(stay))
    assert {m.status for m in messages("2301")} == {"ok"}
    assert len(messages("5204")) == 1


@pytest.mark.django_db
def test_sync1_a_refused_chunk_is_split_until_the_bad_line_is_found(center):
    """One refused line rejects the whole call: the chunk of 10 is halved (5 | 5, then 3 | 2, …) until
    the bad line is alone; the other 9 reach the center; the bad one waits for its retry."""
    _hospital, stay = open_stay_with_lines(center, 10)
    bad = sns(stay)[6]
    switch(center, refuse=[bad])
    run = cycle.cycle_run()
    assert run.status == SyncCycle.Status.PARTIAL
    assert run.counts["lines"] == 9 and run.counts["refused"] == 1
    assert held_by_center(center, _registration(stay).mdtrt_id) == 9
    failure = SyncFailure.objects.get()
    assert (failure.key, failure.status, failure.attempts) == (bad, SyncFailure.Status.RETRYING, 1)
    assert "模拟拒收" in failure.last_error
    assert failure.next_attempt_at > timezone.now() + datetime.timedelta(minutes=4)
    assert FeeLine.objects.get(feedetl_sn=bad).upload_status == "pending"
    # lines 0-9, bad 6: [0-9] refused → [0-4] ok, [5-9] refused → [5-7] refused → [5,6] refused →
    # [5] ok, [6] refused; [7] ok; [8,9] ok
    outcomes = [(len(m.request["input"]["feedetail"]), m.status) for m in messages("2301")]
    assert outcomes == [
        (10, "rejected"),
        (5, "ok"),
        (5, "rejected"),
        (3, "rejected"),
        (2, "rejected"),
        (1, "ok"),
        (1, "rejected"),
        (1, "ok"),
        (2, "ok"),
    ]
    # waiting out its backoff, the line is not sent again by the next cycle
    cycle.cycle_run()
    assert len(messages("2301")) == 9
