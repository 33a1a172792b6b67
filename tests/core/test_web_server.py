"""Issue 19 (1): a long search through the real web server — gunicorn started as `make run` and the
image start it (config/gunicorn.conf.py) — is refused by Django in Chinese, never by gunicorn's English
"Request Line is too large" (its bounded limit is 8190 bytes; 3,000 Chinese characters are 27,000)."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def web_server(django_db_setup) -> Iterator[int]:
    """gunicorn with the project's config file, one worker, against the test database."""
    db = settings.DATABASES["default"]
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": "postgres://{}:{}@{}:{}/{}".format(
            urllib.parse.quote(db["USER"] or "", safe=""),
            urllib.parse.quote(db["PASSWORD"] or "", safe=""),
            urllib.parse.quote(db["HOST"] or "", safe=""),
            db["PORT"] or 5432,
            db["NAME"],
        ),
        "WEB_CONCURRENCY": "1",
        "WEB_THREADS": "2",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--config",
            str(ROOT / "config" / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def _get(port: int, target: str, **headers: str) -> tuple[int, str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", target, headers={"Host": "127.0.0.1", **headers})
    response = connection.getresponse()
    body = response.read().decode("utf-8", errors="replace")
    content_type = response.getheader("Content-Type", "")
    connection.close()
    return response.status, content_type, body


@pytest.mark.parametrize(
    ("characters", "text"),
    [
        pytest.param(3_000, "阿", id="3000-chinese-27000-bytes"),
        pytest.param(30_000, "阿", id="30000-chinese-270000-bytes"),
        pytest.param(9_000, "z", id="9000-ascii-over-gunicorn-bounded-limit"),
    ],
)
def test_long_search_is_refused_by_django_in_chinese(web_server, characters, text):
    query = urllib.parse.quote(text * characters)
    assert len(query) > 8190  # past anything gunicorn could be told to accept as bounded

    status, content_type, body = _get(web_server, f"/insured/?q={query}")
    assert status == 414, body[:200]
    assert content_type.startswith("text/html")
    assert "检索条件过长" in body and "Request Line" not in body

    status, content_type, body = _get(web_server, f"/api/v1/diagnoses/?q={query}")
    assert status == 414, body[:200]
    assert content_type.startswith("application/json")
    assert '"code":"query_too_long"' in body.replace(" ", "") and "Request Line" not in body


def test_a_search_within_the_limit_reaches_the_page(web_server):
    """3,900 bytes of query (gunicorn's default line limit is 4094 with the path): the login page."""
    status, _, body = _get(web_server, "/login/?next=/insured/%3Fq%3D" + "z" * 3_870)
    assert status == 200 and "登录" in body
