"""Benchmark: the settlement engine on a 2,000-line stay, the pre-settle of a real 2,000-line stay,
and the calculator API under concurrency.

    .venv/bin/python -m benchmarks.settlement_engine [--lines 2000] [--requests 400] [--threads 16]

Needs DATABASE_URL / REDIS_URL with migrations applied and the demo data loaded (`manage.py
bootstrap`); it adds one benchmark stay with 2,000 charge lines. Prints p50/p95 in milliseconds.
Target (issue 12): pre-settle of a 2,000-line stay <= 200 ms server time.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def make_lines(count: int, seed: int = 7):
    from settlement.rules import FeeLine, InsuranceClass

    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        cls = rng.choice([InsuranceClass.A, InsuranceClass.A, InsuranceClass.B, InsuranceClass.C])
        price = Decimal(rng.randint(100, 50000)) / 100
        cap = price - Decimal("1.00") if rng.random() < 0.1 else None
        lines.append(
            FeeLine(
                cls,
                quantity=Decimal(rng.randint(1, 30)),
                unit_price=price,
                price_cap=cap,
                b_self_pay_ratio=Decimal("0.10") if cls == InsuranceClass.B else None,
            )
        )
    return lines


def bench_engine(line_count: int, rounds: int = 50) -> None:
    from settlement.rules import Accumulators, Policy, settle

    lines = make_lines(line_count)
    policy = Policy(Decimal("900"), Decimal("0.85"), annual_cap=Decimal("400000"))
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        settle(lines, policy, Accumulators(), personal_account_balance=Decimal("3000"))
        samples.append((time.perf_counter() - started) * 1000)
    print(
        f"engine  {line_count} lines x {rounds}: p50 {statistics.median(samples):.1f} ms, "
        f"p95 {percentile(samples, 95):.1f} ms"
    )


def bench_calculator_api(requests_total: int, threads: int, line_count: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(
        username="bench-superuser", defaults={"is_superuser": True}
    )
    body = {
        "policy_lookup": {
            "insured_region": "610100",
            "insurance_type": "310",
            "med_type": "21",
            "hospital_tier": 3,
            "date": "2026-06-01",
        },
        "lines": [
            {
                "quantity": str(line.quantity),
                "unit_price": str(line.unit_price),
                "insurance_class": line.insurance_class.value,
            }
            for line in make_lines(line_count)
        ],
        "personal_account_balance": "3000",
    }
    local = threading.local()
    samples: list[float] = []
    lock = threading.Lock()

    def one(_):
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        started = time.perf_counter()
        response = client.post("/api/v1/settlement/calculate/", body, content_type="application/json")
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.content[:300]
        with lock:
            samples.append(elapsed)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, range(requests_total)))
    wall = time.perf_counter() - started
    print(
        f"calculator API  {line_count} lines, {requests_total} requests, {threads} threads: "
        f"p50 {statistics.median(samples):.1f} ms, p95 {percentile(samples, 95):.1f} ms, "
        f"{requests_total / wall:.0f} req/s"
    )


def bench_stay_pre_settle(line_count: int, rounds: int = 30) -> None:
    """A stay with `line_count` charge lines over 20 days: the hospital's pre-settlement (charges read,
    refunds netted, catalog terms and class-B shares looked up, engine) and the pre-settle API."""
    import datetime

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ["CENTER_URL"] = "http://127.0.0.1:9/unreachable"  # hospital-side time only: no center
    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from admission import charges as admission_charges
    from admission import services as admission_services
    from admission.models import Stay
    from drug_catalog.models import HospitalItem
    from fees.models import FeeLine
    from hospital.models import Bed, Practitioner, Ward
    from insured.models import CardRead, CardReader, InsuredPerson
    from settlement import selectors

    user = get_user_model().objects.get(username="clerk")
    stay = Stay.objects.filter(ipt_no__startswith="ZY", attending_doctor__staff_no="BENCH").first()
    if stay is None:
        ward = Ward.objects.get(code="W303")
        busy = Stay.objects.open().values("person_id")
        person = InsuredPerson.objects.filter(insuplc_admdvs="610100").exclude(pk__in=busy).first()
        doctor, _ = Practitioner.objects.get_or_create(
            staff_no="BENCH",
            defaults={
                "name": "压测医师",
                "kind": "doctor",
                "insurance_code": "DBENCH0001",
                "department": ward.department,
            },
        )
        read = CardRead.objects.create(
            person=person,
            credential=person.credentials.filter(mdtrt_cert_type="03").first(),
            reader=CardReader.objects.first(),
            read_by=user,
            confirmed_at=timezone.now(),
            confirmed_by=user,
        )
        occupied = Stay.objects.open().filter(bed__isnull=False).values("bed_id")
        stay = admission_services.stay_admit(
            actor=user,
            person=person,
            department=ward.department,
            ward=ward,
            bed=Bed.objects.filter(ward=ward).exclude(pk__in=occupied).first(),
            attending_doctor=doctor,
            diagnoses=[admission_services.DiagnosisInput("J18.9")],
            admitted_at=timezone.now() - datetime.timedelta(days=20),
            card_read=read,
        ).stay
        items = list(HospitalItem.objects.filter(mapping_status="approved").order_by("medins_list_codg")[:25])
        orders = [
            admission_charges.order_create(
                actor=user, stay=stay, hospital_item=item, doctor=doctor, kind="long"
            )
            for item in items
        ]
        for item in {o.hospital_item for o in orders}:
            admission_charges.consent_record(
                actor=user, stay=stay, hospital_item=item, reason="压测", signer="压测"
            )
        per_call = 100
        for start in range(0, line_count, per_call):
            lines = [
                admission_charges.ChargeInput(
                    order=orders[n % len(orders)],
                    quantity=Decimal(1 + n % 3),
                    charged_at=stay.admitted_at + datetime.timedelta(minutes=10 * n + 1),
                    hosp_appr_flag="1",
                )
                for n in range(start, min(start + per_call, line_count))
            ]
            admission_charges.charges_post(actor=user, stay=stay, lines=lines)
    count = FeeLine.objects.filter(stay=stay).count()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        facts = selectors.stay_settlement_facts(stay)
        samples.append((time.perf_counter() - started) * 1000)
    print(
        f"stay pre-settle (hospital side) {count} lines: p50 {statistics.median(samples):.1f} ms, "
        f"p95 {percentile(samples, 95):.1f} ms (total {facts.result.total}, fund {facts.result.fund_pay})"
    )
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.post(
            f"/api/v1/admissions/{stay.pk}/pre-settle/", {}, content_type="application/json"
        )
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:300]
    print(
        f"pre-settle API {count} lines (no center): p50 {statistics.median(samples):.1f} ms, "
        f"p95 {percentile(samples, 95):.1f} ms (target <= 200 ms)"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--api-lines", type=int, default=20)
    args = parser.parse_args(argv)
    bench_engine(args.lines)
    bench_stay_pre_settle(args.lines)
    bench_calculator_api(args.requests, args.threads, args.api_lines)
    bench_calculator_api(max(args.requests // 10, 10), 1, args.lines)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
