"""/healthz: database, Redis and Celery workers; 200 when healthy, 503 otherwise.

The healthy case runs a real Celery worker process against the test Redis.
"""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.test import Client

from core.tasks import beat_heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def celery_worker_process():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--hostname",
            f"test-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=settings.BASE_DIR,
        env=env,
    )
    from config.celery import app

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            break
        time.sleep(0.5)
    else:
        worker.terminate()
        pytest.fail("Celery worker did not start within 30 s")
    yield worker
    worker.terminate()
    worker.wait(timeout=20)


def test_healthy_with_database_redis_and_a_worker(celery_worker_process):
    response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["celery"]["workers"]


def test_a_task_runs_on_the_real_worker_and_beat_state_is_reported(celery_worker_process):
    result = beat_heartbeat.delay()
    stamp = result.get(timeout=15)
    body = Client().get("/healthz").json()
    assert body["checks"]["beat"] == {"ok": True, "last_heartbeat": stamp, "ms": body["checks"]["beat"]["ms"]}


def test_unhealthy_when_redis_is_down(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unhealthy"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is False
    assert "ConnectionError" in body["checks"]["redis"]["error"]
    assert body["checks"]["celery"]["ok"] is False


def test_unhealthy_without_workers(settings):
    # A broker nobody consumes from: Redis answers, but no worker replies.
    base, used = settings.REDIS_URL.rsplit("/", 1)
    settings.CELERY_BROKER_URL = f"{base}/{(int(used or 0) + 1) % 16}"  # any database but the suite's own
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["celery"] == {
        "ok": False,
        "workers": [],
        "ms": pytest.approx(1000, abs=900),
    }


def test_an_extra_required_check_can_fail_the_health(monkeypatch):
    from core import health

    monkeypatch.setattr(health, "_EXTRA_CHECKS", {})
    health.register_check("center_sync", lambda: {"ok": False, "last_sync": None})
    healthy, body = health.collect()
    assert healthy is False
    assert body["checks"]["center_sync"]["ok"] is False
