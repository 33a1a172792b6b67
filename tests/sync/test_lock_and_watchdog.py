"""Issue 20, SYNC-1: one cycle at a time, the window never races the cycle, and the watchdog."""

from __future__ import annotations

import datetime
import logging
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from admission import services as admission_services
from core import health
from core.roles import Role
from fees.models import FeeLine
from settlement import services as settlement_services
from settlement.books import books_agree
from settlement.models import Settlement
from sync import cycle, watchdog
from sync.models import SyncAlert, SyncCycle
from tests.factories import UserFactory
from tests.sync.helpers import held_by_center, messages, open_stay_with_lines


def _in_thread(target):
    def run():
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_sync1_the_lock_lets_one_cycle_run_at_a_time(center):
    held, release = threading.Event(), threading.Event()

    def other_cycle():
        with cycle.cycle_lock() as got:
            assert got
            held.set()
            release.wait(10)

    thread = _in_thread(other_cycle)
    assert held.wait(10)
    assert cycle.cycle_run() is None  # refused while the other holds the lock
    assert not SyncCycle.objects.exists()
    release.set()
    thread.join(10)
    assert cycle.cycle_run().status == SyncCycle.Status.DONE


@pytest.mark.django_db(transaction=True)
def test_sync1_the_window_settling_while_a_cycle_uploads_waits_and_each_line_goes_once(center):
    """The cycle uploads a discharged stay's 150 CT lines (each 2301 slowed by 0.3 s); meanwhile the
    clerk settles the stay: the settle path waits on the encounter's call lock, then finds the lines
    at the center and settles 150 × 150.00 = 22,500.00. The center holds each line once."""
    hospital, stay = open_stay_with_lines(center, 150)
    admission_services.discharge_order(actor=hospital.clerk, stay=stay)
    admission_services.stay_discharge(
        actor=hospital.clerk,
        stay=stay,
        discharge_way="1",
        diagnoses=[admission_services.DiagnosisInput("J18.9")],
    )
    center.fault(mode="latency", infno="2301", seconds=0.3)
    thread = _in_thread(cycle.cycle_run)
    deadline = timezone.now() + datetime.timedelta(seconds=10)
    while not messages("2301") and timezone.now() < deadline:
        threading.Event().wait(0.05)
    settlement = settlement_services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="race-1")
    thread.join(30)
    assert settlement.status == Settlement.Status.SETTLED
    assert settlement.total == Decimal("22500.00")  # 150 lines × 150.00
    assert held_by_center(center, stay.registrations.get().mdtrt_id) == 150
    carried = [line["feedetl_sn"] for m in messages("2301") for line in m.request["input"]["feedetail"]]
    assert len(carried) == len(set(carried)) == 150
    assert FeeLine.objects.filter(stay=stay, upload_status="uploaded").count() == 150
    assert books_agree() == []


@pytest.mark.django_db
def test_sync1_watchdog_raises_the_alert_and_clears_it_when_a_cycle_finishes(center, caplog, monkeypatch):
    """No cycle in 20 + 5 minutes (the worker stopped): an alert on the office and admin homes, /healthz
    degraded, a log line; the next finished cycle clears it."""
    monkeypatch.setattr(health, "check_celery_workers", lambda: {"ok": True, "workers": ["w"]})
    old = SyncCycle.objects.create(status=SyncCycle.Status.DONE)
    SyncCycle.objects.filter(pk=old.pk).update(
        started_at=timezone.now() - datetime.timedelta(minutes=40),
        finished_at=timezone.now() - datetime.timedelta(minutes=26),
    )
    with caplog.at_level(logging.ERROR, logger="sync.watchdog"):
        assert watchdog.watchdog_check()["ok"] is False
    assert any("SYNC-1" in r.getMessage() for r in caplog.records)
    alert = SyncAlert.objects.get(cleared_at__isnull=True)
    assert "同步超过 25 分钟未完成" in alert.message
    body = Client().get("/healthz").json()
    assert body["status"] == "degraded" and body["checks"]["sync"]["ok"] is False
    for role in (Role.OFFICE, Role.ADMIN):
        client = Client()
        client.force_login(UserFactory(roles=[role]), backend="django.contrib.auth.backends.ModelBackend")
        assert "同步告警" in client.get(f"/home/{role.value}/").content.decode()
    clerk = Client()
    clerk.force_login(UserFactory(roles=[Role.CLERK]), backend="django.contrib.auth.backends.ModelBackend")
    assert "同步告警" not in clerk.get("/home/clerk/").content.decode()
    watchdog.watchdog_check()  # still overdue: the same alert, not a second one
    assert SyncAlert.objects.count() == 1
    cycle.cycle_run()
    assert watchdog.watchdog_check()["ok"] is True
    assert SyncAlert.objects.get().cleared_at is not None
    assert Client().get("/healthz").json()["checks"]["sync"]["ok"] is True


@pytest.mark.django_db(transaction=True)
def test_sync1_watchdog_releases_a_hung_cycle_lock(center):
    """A cycle hung for 30 minutes holds the lock: the watchdog ends its session (freeing the lock) and
    marks it abandoned; the next cycle runs."""
    held, stop = threading.Event(), threading.Event()

    def hung():
        try:
            with cycle.cycle_lock():
                run = SyncCycle.objects.create()
                SyncCycle.objects.filter(pk=run.pk).update(
                    started_at=timezone.now() - datetime.timedelta(minutes=30)
                )
                held.set()
                stop.wait(20)
        except Exception:  # its session was ended under it
            pass

    thread = _in_thread(hung)
    assert held.wait(10)
    assert watchdog.lock_holder() is not None
    result = watchdog.watchdog_check()
    assert result["ok"] is False and result["released"] is True
    assert SyncCycle.objects.get().status == SyncCycle.Status.ABANDONED
    deadline = timezone.now() + datetime.timedelta(seconds=5)
    while watchdog.lock_holder() is not None and timezone.now() < deadline:
        threading.Event().wait(0.05)
    assert watchdog.lock_holder() is None
    assert cycle.cycle_run().status == SyncCycle.Status.DONE
    stop.set()
    thread.join(10)
