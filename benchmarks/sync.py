"""Benchmark: one sync cycle uploading 20,000 fee lines to the simulated center (issue 20 §9).

    dropdb --if-exists yibao_bench_sync && createdb yibao_bench_sync &&
        DATABASE_URL=postgres://…/yibao_bench_sync .venv/bin/python manage.py migrate   # a fresh one each run
    DATABASE_URL=postgres://…/yibao_bench_sync REDIS_URL=… .venv/bin/python -m benchmarks.sync \
        [--lines 20000] [--stays 20] [--workers 1]

Starts the simulator (python -m center.simulator, TIF-signed, in memory) on a free port, admits
`--stays` insured patients through it (2401), gives them `--lines` CT lines between them (one posted
through the window's service, the rest copies with their own feedetl_sn), then times ONE cycle:
every line through settlement.flow.lines_upload in 2301 messages (≤ 100 lines, ≤ 40,000 characters
each), each an intent, a logged exchange and a recorded answer. `--workers N` runs N − 1 extra
processes taking the cycle's chunks beside the one holding the cycle lock (as Celery workers would).
Prints lines/s, the number of 2301 messages and of all messages. Target: 20,000 lines ≤ 60 s.
Use a scratch database: the stays it makes stay there.
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from decimal import Decimal

SECRET = "benchmark-center-secret"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(port: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ["CENTER_URL"] = f"http://127.0.0.1:{port}/fsi/api/rsfComIfsService/callService"
    os.environ["CENTER_AUTH"] = "tif"
    os.environ["CENTER_SECRET"] = SECRET
    os.environ["CENTER_TIMEOUT_SECONDS"] = "30"


def _start_simulator(port: int) -> subprocess.Popen:
    import requests

    process = subprocess.Popen(
        [sys.executable, "-m", "center.simulator", "--port", str(port), "--auth", "tif", "--secret", SECRET],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/_control/state", timeout=1)
            return process
        except requests.ConnectionError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("simulator did not start")


def make_lines(base: str, total: int, stays: int) -> list:
    """`stays` admitted stays with `total` CT lines between them (setup, not timed)."""
    import requests

    from admission import charges
    from fees.models import FeeLine
    from insured.management.commands.export_center_roster import center_roster_entry
    from tests.admission.factories import admit, make_catalog_items, make_hospital, order
    from tests.insured.factories import make_person

    hospital = make_hospital(beds=max(stays, 4))
    items = make_catalog_items()
    requests.post(
        f"{base}/_control/catalog",
        json={"210300001": {"class": "B", "selfpay_prop": "0.08", "pric_uplmt_amt": None, "name": "CT"}},
        timeout=5,
    ).raise_for_status()
    per_stay = total // stays
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=3)
    stay_rows = []
    for index in range(stays):
        person = make_person()
        requests.post(
            f"{base}/_control/persons", json=[center_roster_entry(person)], timeout=5
        ).raise_for_status()
        stay = admit(hospital, person, bed=index, admitted_at=start)
        ct = order(hospital, stay, items["H-CT"], kind="long")
        template = charges.charges_post(
            actor=hospital.clerk,
            stay=stay,
            lines=[
                charges.ChargeInput(
                    order=ct, quantity=Decimal(1), charged_at=start + datetime.timedelta(hours=1)
                )
            ],
        )[0]
        count = per_stay if index < stays - 1 else total - per_stay * (stays - 1)
        clones = []
        for n in range(1, count):
            clone = FeeLine(
                **{f.attname: getattr(template, f.attname) for f in FeeLine._meta.concrete_fields}
            )
            clone.pk = None
            clone.feedetl_sn = f"{template.feedetl_sn}B{n:05d}"
            clone.charged_at = template.charged_at + datetime.timedelta(seconds=n)
            clones.append(clone)
        FeeLine.objects.bulk_create(clones, batch_size=2000)
        stay_rows.append(stay)
    return stay_rows


def _worker(port: int) -> int:
    """A process taking chunks of the running cycle (a Celery worker stands here in production)."""
    _environment(port)
    import django

    django.setup()
    from sync import cycle
    from sync.models import SyncCycle

    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline:
        running = SyncCycle.objects.filter(status=SyncCycle.Status.RUNNING).first()
        if running is None:
            if done or SyncCycle.objects.filter(trigger="benchmark").exclude(status="running").exists():
                return done
            time.sleep(0.05)
            continue
        done += cycle.work(running, wait=False)
        time.sleep(0.05)
    return done


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--stays", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    port = _free_port()
    _environment(port)
    simulator = _start_simulator(port)
    try:
        import django

        django.setup()
        from center.models import CenterExchange
        from sync import cycle
        from sync.models import SyncCycle

        base = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        stays = make_lines(base, args.lines, args.stays)
        print(f"setup: {args.stays} stays, {args.lines} lines in {time.perf_counter() - started:.1f} s")
        helpers = []
        if args.workers > 1:
            context = multiprocessing.get_context("spawn")
            helpers = [context.Process(target=_worker, args=(port,)) for _ in range(args.workers - 1)]
            for helper in helpers:
                helper.start()
        from django.utils import timezone

        since = timezone.now()
        started = time.perf_counter()
        run = cycle.cycle_run(trigger=SyncCycle.Trigger.BENCHMARK)
        elapsed = time.perf_counter() - started
        for helper in helpers:
            helper.join(30)
        uploads = CenterExchange.objects.filter(infno="2301", started_at__gte=since)
        import requests

        held = requests.get(f"{base}/_control/state", timeout=10).json()["fees_held"]
        lines = run.counts.get("lines", 0)
        largest = max(len(m.request["input"]["feedetail"]) for m in uploads)
        messages = CenterExchange.objects.filter(started_at__gte=since).count()
        print(
            f"cycle: {run.get_status_display()}, {lines} lines in {elapsed:.1f} s"
            f" → {lines / elapsed:,.0f} lines/s; 2301 messages {uploads.count()} (largest {largest} lines),"
            f" all messages {messages}; center holds {held}; workers {args.workers};"
            f" chunks {run.chunks.count()}"
        )
        del stays
        return 0 if lines == args.lines and elapsed <= 60 else 1
    finally:
        simulator.terminate()
        simulator.wait(10)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
