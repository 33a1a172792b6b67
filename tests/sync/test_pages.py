"""Issue 20: the sync page, its permission matrix, "sync now", and the schedule's SYNC-1 bound in
the admin."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from core.roles import Role
from sync import cycle
from sync.models import (
    DownloadConflict,
    DownloadRun,
    ReconciliationRun,
    SyncAction,
    SyncCycle,
    SyncFailure,
)
from tests.factories import UserFactory
from tests.matrix import Endpoint, check_access, matrix_cases
from tests.sync.helpers import open_stay_with_lines, switch

OFFICE = {Role.OFFICE, Role.ADMIN}
INLINE = {"periodictask_set-TOTAL_FORMS": "0", "periodictask_set-INITIAL_FORMS": "0"}


def _run_url():
    today = timezone.localdate()
    run = ReconciliationRun.objects.create(stmt_begndate=today, stmt_enddate=today, result="balanced")
    return f"/sync/reconciliations/{run.pk}/"


def _export_url():
    return _run_url().rstrip("/") + ".xlsx"


def _failure(action: str):
    def url():
        failure = SyncFailure.objects.create(
            kind=SyncFailure.Kind.DISCHARGE,
            key="stay:987654321",
            subject="stay:987654321",
            status=SyncFailure.Status.DEAD,
            attempts=5,
            last_error="中心退回",
        )
        return f"/sync/failures/{failure.pk}/{action}/"

    url.__name__ = f"failure_{action}"
    return url


def _conflict_url():
    run = DownloadRun.objects.create(kind=DownloadRun.Kind.CATALOG, version="1", rows=1)
    conflict = DownloadConflict.objects.create(
        run=run, key="X", field="price_cap", local_value="1", center_value="2"
    )
    return f"/sync/conflicts/{conflict.pk}/review/"


ENDPOINTS = [
    Endpoint("GET", "/sync/", allowed=OFFICE, kind="page"),
    Endpoint("POST", "/sync/now/", allowed=OFFICE, kind="page"),
    Endpoint("GET", "/sync/reconciliations/", allowed=OFFICE, kind="page"),
    Endpoint("GET", _run_url, allowed=OFFICE, kind="page"),
    Endpoint("GET", _export_url, allowed=OFFICE, kind="page"),
    Endpoint("POST", _failure("resend"), allowed=OFFICE, kind="page"),
    Endpoint("POST", _failure("cancel"), allowed=OFFICE, kind="page"),
    Endpoint("POST", _conflict_url, allowed={Role.ADMIN}, kind="page"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "who"), matrix_cases(ENDPOINTS))
def test_sync_permission_matrix(endpoint, who, client_for, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = check_access(client_for(who), endpoint, who)
    if response is not None:
        assert response.status_code < 500


def _office() -> tuple[Client, object]:
    user = UserFactory(roles=[Role.OFFICE])
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client, user


@pytest.mark.django_db
def test_sync1_the_page_shows_cycles_queue_lag_dead_letters_and_the_history(center):
    _, stay = open_stay_with_lines(center, 4)
    switch(center, refuse=[stay.charges.order_by("id").first().feedetl_sn])
    from tests.sync.helpers import set_policy

    set_policy(max_attempts=1)
    run = cycle.cycle_run()
    client, _user = _office()
    page = client.get("/sync/").content.decode()
    assert "医保同步" in page and "立即同步" in page and "sync-chart-data" in page
    assert run.get_status_display() in page
    assert "死信（待医保办处理）" in page and "模拟拒收" in page
    assert 'data-testid="queue-lines">1<' in page  # the refused line is still pending at the center


@pytest.mark.django_db
def test_sync1_sync_now_queues_a_cycle_and_is_kept_in_the_history(
    center, monkeypatch, django_capture_on_commit_callbacks
):
    from sync import tasks

    queued = []
    monkeypatch.setattr(tasks.sync_cycle, "delay", lambda **kwargs: queued.append(kwargs))
    client, user = _office()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/sync/now/")
    assert response.status_code == 302
    assert queued == [{"actor_id": user.pk, "trigger": "manual"}]
    assert SyncAction.objects.get().action == "立即同步" and SyncAction.objects.get().actor == user
    SyncCycle.objects.create()  # one is running: a second request is told so
    client.post("/sync/now/")
    assert len(queued) == 1
    assert "同步正在进行" in client.get("/sync/").content.decode()


@pytest.mark.django_db
def test_sync1_the_task_runs_a_manual_cycle_for_the_user(center):
    from sync import tasks

    _, user = _office()
    pk = tasks.sync_cycle(actor_id=user.pk, trigger="manual")
    run = SyncCycle.objects.get(pk=pk)
    assert run.trigger == "manual" and run.triggered_by == user and run.status == SyncCycle.Status.DONE


@pytest.mark.django_db
def test_sync1_the_schedule_is_a_database_row_every_20_minutes_and_the_admin_refuses_longer(admin_client):
    """Migration 0002 makes the beat row (20 minutes); the admin refuses 21 minutes or disabling it."""
    task = PeriodicTask.objects.get(task="sync.tasks.sync_cycle")
    assert (task.interval.every, task.interval.period, task.enabled) == (20, "minutes", True)
    longer = IntervalSchedule.objects.create(every=21, period="minutes")
    url = f"/admin/django_celery_beat/periodictask/{task.pk}/change/"
    form = {
        "name": task.name,
        "regtask": task.task,
        "task": task.task,
        "enabled": "on",
        "interval": longer.pk,
        "args": "[]",
        "kwargs": "{}",
        "priority": "",
        "expires_0": "",
        "expires_1": "",
        "expire_seconds": "",
        "queue": "",
        "exchange": "",
        "routing_key": "",
        "headers": "{}",
        "description": "",
        "start_time_0": "",
        "start_time_1": "",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 200 and "不超过 20 分钟" in response.content.decode()
    task.refresh_from_db()
    assert task.interval.every == 20
    edit = admin_client.post(
        f"/admin/django_celery_beat/intervalschedule/{task.interval_id}/change/",
        {"every": 1, "period": "hours", **INLINE},
    )
    assert "不超过 20 分钟" in edit.content.decode()
    allowed = admin_client.post(
        f"/admin/django_celery_beat/intervalschedule/{task.interval_id}/change/",
        {"every": 10, "period": "minutes", **INLINE},
    )
    assert allowed.status_code == 302
    task.refresh_from_db()
    assert task.interval.every == 10


@pytest.mark.django_db
def test_sync1_the_daily_report_counts_a_day(center):
    from sync import watchdog

    _, _stay = open_stay_with_lines(center, 3)
    cycle.cycle_run()
    report = watchdog.daily_report(day=timezone.localdate())
    assert (report["cycles"], report["lines"], report["refused"]) == (1, 3, 0)
    assert SyncAction.objects.get(action="日报").note.startswith(f"{timezone.localdate()}：同步 1 次")
    assert datetime.date.fromisoformat(report["day"]) == timezone.localdate()


@pytest.mark.django_db
def test_sync1_the_page_lists_a_lost_reply_as_an_error_and_only_admins_review_conflicts(center):
    _, _stay = open_stay_with_lines(center, 2)
    center.fault(mode="timeout", infno="2301", after_process=True, seconds=3, count=1)
    cycle.cycle_run()
    run = DownloadRun.objects.create(kind=DownloadRun.Kind.CATALOG, version="1", rows=1)
    DownloadConflict.objects.create(run=run, key="X1", field="price_cap", local_value="1", center_value="2")
    client, _ = _office()
    page = client.get("/sync/").content.decode()
    assert "最近错误" in page and "结果待确认，下次同步先向中心查询" in page
    assert "X1" in page and "已核对" not in page
    admin = Client()
    admin.force_login(UserFactory(roles=[Role.ADMIN]), backend="django.contrib.auth.backends.ModelBackend")
    assert "已核对" in admin.get("/sync/").content.decode()
