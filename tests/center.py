"""The simulated insurance center for tests: a separate process per session, reset per test."""

import os
import socket
import subprocess
import sys
import time

import pytest
import requests
from django.conf import settings as django_settings

SIM_SECRET = "test-center-secret"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def center_simulator():
    """The simulated center as a separate process (python -m center.simulator), TIF-signed."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "center.simulator",
            "--port",
            str(port),
            "--auth",
            "tif",
            "--paasid",
            "yibao_hosp",
            "--secret",
            SIM_SECRET,
        ],
        cwd=django_settings.BASE_DIR,
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            requests.get(f"{base}/_control/state", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.2)
    else:
        process.terminate()
        pytest.fail("center simulator did not start")
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def center(center_simulator, settings):
    """Point the hospital at the simulator with a clean state; returns a control helper."""
    settings.CENTER = {
        **settings.CENTER,
        "URL": f"{center_simulator}/fsi/api/rsfComIfsService/callService",
        "AUTH": "tif",
        "PAASID": "yibao_hosp",
        "SECRET": SIM_SECRET,
        "TIMEOUT": 1.5,
        "RETRIES": 1,
    }
    requests.post(f"{center_simulator}/_control/reset", timeout=5)

    class Control:
        base = center_simulator

        @staticmethod
        def fault(**spec):
            requests.post(f"{center_simulator}/_control/faults", json=spec, timeout=5).raise_for_status()

        @staticmethod
        def enrol(*people):
            """Tell the center about hospital-side test persons (as make run's roster export does)."""
            from insured.management.commands.export_center_roster import center_roster_entry

            entries = [center_roster_entry(p) for p in people]
            requests.post(f"{center_simulator}/_control/persons", json=entries, timeout=5).raise_for_status()

        @staticmethod
        def catalog(items):
            """Tell the center about catalog items: {code: {"class", "selfpay_prop", "pric_uplmt_amt"}}."""
            requests.post(f"{center_simulator}/_control/catalog", json=items, timeout=5).raise_for_status()

        @staticmethod
        def plant_policy(key, **changes):
            """Change the center's own parameter (the hospital's stays as it is): a planted difference."""
            requests.post(
                f"{center_simulator}/_control/policy", json={"key": key, "changes": changes}, timeout=5
            ).raise_for_status()

        @staticmethod
        def state():
            return requests.get(f"{center_simulator}/_control/state", timeout=5).json()

    yield Control
    requests.post(f"{center_simulator}/_control/faults", json={}, timeout=5)
