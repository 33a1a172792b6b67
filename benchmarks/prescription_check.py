"""Load benchmark: the doctor's live prescription check under 50 concurrent users (issue 10/18
targets: p95 <= 50 ms per check at 50 users with 1 s think time on 2 cores, and a check costing at
most 3x a trivial authenticated endpoint).

    DATABASE_URL=postgres://…/yibao_dev REDIS_URL=… .venv/bin/python -m benchmarks.prescription_check \
        [--users 50] [--seconds 30] [--think 1.0] [--workers 3]

It starts gunicorn the way `make run` does (gthread workers) on a free port against DATABASE_URL,
which must hold the demo data (`manage.py bootstrap`). Each simulated doctor logs in with its own
session and, like the page's debounced typing, posts a check about once per `--think` seconds
(uniformly 0.5–1.5 × think), each time a different prescription drawn from the demo catalog.
Latency is measured at the client, so it includes HTTP, session and the whole check. The load
generator runs on the same machine as the server: the figures are pessimistic.

In the same run every doctor also calls a trivial authenticated endpoint (`GET /api/v1/me/`: session,
user, role — no work) once every `--trivial-every` checks, halfway through the pause (the checks keep
their rate), so the two are measured under the same load; the report gives both and the ratio of
their medians and p95s (the check's own cost beyond what every request pays).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CSRF_SECRET = "benchmarkbenchmarkbenchmarkbench"
DIAGNOSES = ["J06.9", "E11.9", "I10", "K29.7", "J20.9", "E11.900", "I25.1", "M54.5"]


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(users: int) -> tuple[list[str], list[str], list[str]]:
    """Session cookies for `users` doctors, demo persons' psn_no, and drug codes to prescribe."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client
    from django.utils import timezone

    from core.roles import Role
    from drug_catalog.selectors import catalog_region, items_as_of
    from hospital.models import Department, Practitioner
    from insured.models import InsuredPerson

    group = Group.objects.get(name=Role.DOCTOR.group_name)
    department = Department.objects.filter(kind="clinical").first()
    cookies = []
    for n in range(users):
        user, _ = get_user_model().objects.get_or_create(username=f"bench_doctor_{n:02d}")
        user.groups.add(group)
        Practitioner.objects.get_or_create(
            user=user,
            defaults={
                "staff_no": f"BENCH{n:03d}",
                "name": f"压测医师{n}",
                "kind": "doctor",
                "insurance_code": f"DBENCH{n:06d}",
                "department": department,
            },
        )
        client = Client()
        client.force_login(user)
        cookies.append(client.cookies["sessionid"].value)
    persons = list(InsuredPerson.objects.values_list("psn_no", flat=True)[:200])
    drugs = list(
        items_as_of(catalog_region(), timezone.localdate())
        .filter(item_type__in=["western", "patent"])
        .values_list("code", flat=True)[:300]
    )
    if not persons or not drugs:
        raise SystemExit("demo data missing: run `manage.py bootstrap` against this DATABASE_URL first")
    return cookies, persons, drugs


def prescription(rng: random.Random, persons: list[str], drugs: list[str]) -> dict:
    return {
        "psn_no": rng.choice(persons),
        "visit_type": rng.choice(["outpatient", "outpatient", "emergency", "inpatient", "discharge"]),
        "diagnoses": [{"code": c} for c in rng.sample(DIAGNOSES, rng.randint(1, 2))],
        "items": [
            {
                "item_code": code,
                "quantity": str(rng.randint(1, 3)),
                "dose": str(rng.choice([1, 1, 2])),
                "frequency": rng.choice(["qd", "bid", "tid"]),
                "days": rng.choice([None, 3, 7]),
                "diagnosis": 0,
            }
            for code in rng.sample(drugs, rng.randint(1, 5))
        ],
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between one doctor's checks")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--trivial-every", type=int, default=3, help="one trivial call per N checks")
    args = parser.parse_args(argv)

    import requests

    cookies, persons, drugs = prepare(args.users)
    load_before = " / ".join(f"{v:.1f}" for v in os.getloadavg())  # other work sharing the CPUs
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api/v1/prescriptions/check/"
    trivial_url = f"http://127.0.0.1:{port}/api/v1/me/"
    try:
        for _ in range(100):
            try:
                requests.get(f"http://127.0.0.1:{port}/login/", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.2)
        latencies: list[float] = []
        trivial: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        stop_at = time.monotonic() + args.seconds

        def doctor(n: int) -> None:
            rng = random.Random(n)
            session = requests.Session()
            session.cookies.set("sessionid", cookies[n])
            session.cookies.set("csrftoken", CSRF_SECRET)  # an unmasked 32-char secret is a valid token
            session.get(f"http://127.0.0.1:{port}/login/")  # warms the connection
            csrf = {"X-CSRFToken": CSRF_SECRET}
            time.sleep(rng.uniform(0, args.think))  # users do not start in lockstep

            def timed(target: str, samples: list[float], send) -> None:
                started = time.perf_counter()
                response = send()
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    if response.status_code == 200:
                        samples.append(elapsed)
                    else:
                        errors.append(f"{target} {response.status_code} {response.text[:120]}")

            sent = 0
            while time.monotonic() < stop_at:
                body = prescription(rng, persons, drugs)
                timed("check", latencies, lambda body=body: session.post(url, json=body, headers=csrf))
                sent += 1
                pause = rng.uniform(0.5, 1.5) * args.think
                if args.trivial_every and sent % args.trivial_every == 0:
                    # in the middle of the pause, so the checks keep their rate
                    time.sleep(pause / 2)
                    timed("trivial", trivial, lambda: session.get(trivial_url))
                    pause /= 2
                time.sleep(pause)

        threads = [threading.Thread(target=doctor, args=(n,)) for n in range(args.users)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - started
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)  # gunicorn lets requests in flight finish
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()

    if errors:
        print(f"errors: {len(errors)}, first: {errors[0]}")
    if not latencies:
        print("no successful checks")
        return 1
    print(
        f"prescription check, {args.users} concurrent doctors, {args.workers} gunicorn workers, "
        f"{os.cpu_count()} CPUs, load average before the run {load_before}: "
        f"{len(latencies)} checks in {wall:.1f} s ({len(latencies) / wall:.1f}/s); "
        f"p50 {statistics.median(latencies):.1f} ms, p95 {percentile(latencies, 95):.1f} ms, "
        f"max {max(latencies):.1f} ms (target p95 <= 50 ms)"
    )
    if trivial:
        p50, p95 = statistics.median(trivial), percentile(trivial, 95)
        print(
            f"trivial authenticated endpoint (GET /api/v1/me/), same run: {len(trivial)} calls; "
            f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"
        )
        print(
            f"check / trivial: p50 {statistics.median(latencies) / p50:.2f}x, "
            f"p95 {percentile(latencies, 95) / p95:.2f}x (target <= 3x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
