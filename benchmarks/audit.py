# ruff: noqa: E501 - tabular COPY rows and column lists read best one per line
"""Benchmark: the nightly audit batch over generated fee lines with planted violations (issue 21 §8).

    createdb yibao_bench && DATABASE_URL=postgres://…/yibao_bench … .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://…/yibao_bench REDIS_URL=… .venv/bin/python -m benchmarks.audit \
        [--lines 1000000] [--workers 2] [--chunk-days 1] [--reset]

Use a scratch database (migrated, no stays): it writes one month (January 2025) of stays, orders, fee
lines, diagnoses and ward rounds with COPY (triggers off), then runs every rule as the nightly batch
would — chunks of rule × days, `--workers` processes standing in for Celery workers — and prints
lines/s and the recall of each planted violation (target 100 %). `--reset` empties the scratch
database's stays and findings first.

Figures (2 shared cores, load average 6-9 from other work, PostgreSQL 15, --workers 2 --chunk-days 1):
  1 M (earlier code, 19 rules): 996,120 lines, 25,038 stays; batch 589 chunks in 522 s → 1,908 lines/s;
    recall 100 % (570/570).
  4 M (26 rules, before the two changes below; one of the two cores was also busy with a stray EXPLAIN
    for most of the run): 4,000,016 lines, 99,580 stays; generated 74 s, COPY 164 s; batch 806 chunks in
    524 s → 7,632 lines/s; recall 100 % (2,465/2,465: FEE-3 477, FEE-3-DAY 485, FEE-3-STAY 281, FEE-1 315,
    FEE-6 210, CAT-SEX 198, ADM-5 181, ADM-8 123, FEE-2-ORDER 191, STOCK 3, FEE-5 1). Chunk-seconds:
    ADM-CLUSTER 245, FEE-3 129, FEE-3-DAY 88, FEE-2 72, FEE-6 52, FEE-3-STAY 52, CAT-AGE 49, STOCK 48,
    DOC-LOAD 46, FEE-1-BUREAU 42, CAT-SEX 41, FEE-1 38, FEE-2-ORDER 37, FEE-5 21, the rest ≤ 9 each.
    Other hits are the generator's shape: DOC-LOAD 1,500 (50 doctors for 100,000 stays), ADM-CLUSTER 299
    (10 departments admitting ~320 a day each), FEE-3-DAY/FEE-3-STAY 790 each (side effects of FEE-3's
    planted duplicate bed lines).
  Then: ADM-CLUSTER by a hash join (one day 12.3 s → 1.9 s) and a day's 10 line rules over one temporary
    copy of the day's lines (26 s → 2.3 s copy + 5.7 s rules), same findings. Measured on the same 4 M
    data over its 3 busiest days (13-15 January, 590,997 lines, 78 chunks, 2 workers): 44.6 s → 13,264
    lines/s, i.e. about 5 minutes for the 4 M month and 15 for 12 M on this machine (target: 12 M ≤ 5 min).
  Then (branch auditspeed): a day's line rules insert with one statement, the day copy reads the view by
    hash/merge joins, is analysed on a small sample and stays in 64 MB temp buffers, CAT-AGE keeps only
    age-limited items before the patient lookup, FEE-3-DAY matches prefixes by length, chunks cost fewer
    round trips, and the benchmark queues chunks in job_dispatch's order. Same findings:
  1 M (1,000,031 lines, 24,831 stays, load average 3.0-3.7): 23.9 s → 41,896 lines/s; the previous code on
    the same data at load 3.5: 34.8 s → 28,729 lines/s. Recall 100 % (644/644).
  4 M (4,000,016 lines, load average 3.3-4.1): generated 22 s, COPY 105 s; batch 806 chunks in 78.7 s →
    50,836 lines/s; recall 100 % (2,465/2,465), other hits as before (DOC-LOAD 1,500, ADM-CLUSTER 299,
    FEE-3-DAY/FEE-3-STAY 790 each). Chunk-seconds: the line-rule group 81 (one day's 10 rules run together,
    so each member shows the group's time), ADM-CLUSTER 20, FEE-3-STAY 14, FEE-2-ORDER 13, FEE-5 6,
    ADM-5 4, ADM-FREQ/ADM-7/ADM-8 3 each, the rest < 1.
  After the merge over the one fee-line table (fees.FeeLine, view audit_fee_line netting refunds), 1 M
    (1,000,031 lines, load average ≈ 5 from other work): generated 8.8 s, COPY 33.7 s; batch 806 chunks
    in 29.4 s → 34,053 lines/s; recall 100 % (644/644), other hits as before (ADM-CLUSTER 281, DOC-LOAD
    1,268).
  With the stays' period found between local midnights (rules_sql.local_days), same 4 M data (--reuse),
    same findings: 48.6 s → 82,241 lines/s at load 0.7-1.5 (the commit before: 58.4 s at 1.4-1.7);
    92.7 s → 43,154 lines/s at load 5.4-5.8 (chunk-seconds: line-rule group 93, ADM-CLUSTER 26,
    FEE-3-STAY 17, FEE-2-ORDER 16, FEE-5 8, ADM-5 5, the rest ≤ 2). The previous code (main before this
    branch) on the same data: 123.2 s → 32,457 lines/s at load 1.6-5.4. The load from other work moves
    the figure by 2x: compare runs at the same load. One 197,816-line day (load 1.4): copy 0.77 s; FEE-3-DAY
    0.57, FEE-3 0.35, FEE-2 0.32, DOC-LOAD 0.13, FEE-6 0.07, FEE-1 0.06, FEE-1-BUREAU 0.06, STOCK 0.05,
    CAT-SEX 0.04, CAT-AGE 0.01; ADM-CLUSTER 0.68, FEE-2-ORDER 0.42, FEE-3-STAY 0.40.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
MONTH_START = datetime.date(2025, 1, 1)
DAYS = 31
LINES_PER_DAY = 5  # bed, nursing, a drug, a test, a consumable
# Planted rates (per stay), each a known set of evidence keys.
RATES = {
    "FEE-3": 0.005,
    "FEE-3-DAY": 0.005,
    "FEE-3-STAY": 0.003,
    "FEE-1": 0.003,
    "FEE-6": 0.002,
    "CAT-SEX": 0.002,
    "ADM-5": 0.002,
    "ADM-8": 0.002,
    "FEE-2-ORDER": 0.002,
}
CT_RATE = 0.2  # stays with one CT (a FEE-5 large-equipment exam) and its result
POSITIVE = (0.8, 0.4)  # CT positive rate: departments 1-9, department 0 (planted FEE-5 finding)
STOCK_SHORT_DAYS = 3  # days on which the pharmacy dispensed one unit less of the drug than was charged


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def reference_data():
    """Departments, doctors, catalog items and their hospital items (ORM: a few hundred rows)."""
    from drug_catalog.models import CatalogItem, CatalogVersion, HospitalItem
    from drug_catalog.selectors import catalog_region
    from hospital.models import Department, Practitioner, Ward

    version, _ = CatalogVersion.objects.get_or_create(
        region=catalog_region(), code="BENCH", defaults={"name": "基准目录", "effective_from": MONTH_START}
    )
    spec = [
        # key, national code, name, type, class, price, cap, bureau, extra
        ("bed", "001102000099001", "床位费（基准）", "service", "A", "40", "35", "40", {}),
        ("nurse", "001201000099001", "一级护理（基准）", "service", "A", "20", None, "20", {}),
        ("drug", "XBENCH0001", "阿莫西林胶囊（基准）", "western", "A", "3", None, None, {}),
        ("test", "250101099001", "血常规（基准）", "service", "A", "20", None, "20", {}),
        ("syringe", "C140199001", "注射器（基准）", "consumable", "A", "0.5", None, None, {}),
        ("check", "110200099", "健康体检（基准）", "service", "C", "300", None, None, {"non_payable": True}),
        ("psa", "250403099", "前列腺特异抗原（基准）", "service", "A", "30", None, "30", {"sex_limit": "1"}),
        ("ct", "210300099001", "CT 平扫（基准）", "service", "B", "150", None, "160", {}),
    ]  # fmt: skip
    items = {}
    for key, code, name, kind, klass, price, cap, bureau, extra in spec:
        CatalogItem.objects.get_or_create(
            version=version,
            code=code,
            defaults={
                "name": name,
                "item_type": kind,
                "insurance_class": klass,
                "price_cap": Decimal(cap) if cap else None,
                "bureau_price": Decimal(bureau) if bureau else None,
                **extra,
            },
        )
        item, _ = HospitalItem.objects.get_or_create(
            medins_list_codg=f"BENCH-{key}",
            defaults={
                "name": name,
                "price": Decimal(price),
                "med_list_codg": code,
                "mapping_status": "approved",
                "mapped_from": MONTH_START,
            },
        )
        items[key] = (item.pk, code, kind, klass, Decimal(price), Decimal(cap) if cap else None)
    departments, wards, doctors = [], [], []
    for n in range(10):
        dept, _ = Department.objects.get_or_create(
            code=f"BD{n:02d}",
            defaults={"name": f"基准科室{n}", "insurance_code": f"BD{n:04d}", "category_code": "A03"},
        )
        ward, _ = Ward.objects.get_or_create(
            code=f"BW{n:02d}", defaults={"name": f"基准病区{n}", "department": dept}
        )
        departments.append(dept.pk)
        wards.append(ward.pk)
        doctors.append(
            [
                Practitioner.objects.get_or_create(
                    staff_no=f"BDOC{n:02d}{k}",
                    defaults={
                        "name": f"基准医师{n}-{k}",
                        "kind": "doctor",
                        "insurance_code": f"DB{n:02d}{k:04d}",
                        "department": dept,
                    },
                )[0].pk
                for k in range(5)
            ]
        )
    return items, departments, wards, doctors


ITEM_NAMES = {
    "bed": "床位费",
    "nurse": "分级护理费",
    "drug": "药品",
    "test": "检验",
    "syringe": "注射器",
    "ct": "CT检查",
}


def generate(target_lines: int, rng: random.Random):
    """Rows for COPY plus the planted evidence keys per rule."""
    from insured.models import CertificateType

    items, departments, wards, doctors = reference_data()
    cert_type = CertificateType.objects.order_by("pk").first().pk
    now = datetime.datetime.now(TZ)
    planted = {rule: set() for rule in (*RATES, "STOCK", "FEE-5")}
    persons, records, stays, orders, lines, diagnoses, rounds = [], [], [], [], [], [], []
    results, movements, drug_per_day = [], [], {}
    ids = {
        "person": 10_000_000,
        "stay": 10_000_000,
        "order": 10_000_000,
        "line": 10_000_000,
        "dx": 10_000_000,
    }
    ids.update(rnd=10_000_000, result=10_000_000, move=10_000_000)

    def next_id(kind):
        ids[kind] += 1
        return ids[kind]

    def person(gender):
        pk = next_id("person")
        persons.append(
            (pk, now, now, f"BENCH{pk}", f"B{pk:017d}", f"基准{pk}", "JZ", "jizhun", gender,
             datetime.date(1960 + pk % 50, 1 + pk % 12, 1 + pk % 28), "", "610100", cert_type)
        )  # fmt: skip
        records.append((pk, f"BMR{pk}", now, pk))
        return pk

    def line(stay, order, key, when, qty=Decimal(1), over=None, self_pay=""):
        item_pk, code, kind, klass, price, cap = items[key]
        amount = (qty * price).quantize(Decimal("0.01"))
        if over is None:
            over = (
                ((price - cap) * qty).quantize(Decimal("0.01"))
                if cap is not None and price > cap
                else Decimal(0)
            )
        pk = next_id("line")
        # fees.FeeLine's split adds up to the amount (a check constraint): over-limit, the rest self-paid
        # when the line is the patient's, else in scope.
        full = amount - over if self_pay else Decimal(0)
        in_scope = amount - over - full
        lines.append(
            (pk, stay["id"], stay["person"], f"BL{pk}", "", order, item_pk, ITEM_NAMES.get(key, key), code, kind,
             klass, False, "", qty, price, amount, full, over, Decimal(0), in_scope, self_pay, "", when, when.date(),
             stay["dept"], stay["doctor"], stay["dept"], False, "", False, "", "uploaded", "", "", "", "", now)
        )  # fmt: skip
        return pk

    def stay_row(person_pk, admitted, days, dx, dept_index):
        pk = next_id("stay")
        discharged = admitted + datetime.timedelta(days=days, hours=1)
        row = {
            "id": pk,
            "person": person_pk,
            "dept": departments[dept_index],
            "doctor": rng.choice(doctors[dept_index]),
        }
        stays.append(
            (pk, now, now, f"BZY{pk}", "normal", "21", False, admitted, "discharged", False, "recognised", "", "1",
             "", row["doctor"], row["dept"], person_pk, person_pk, wards[dept_index], discharged)
        )  # fmt: skip
        diagnoses.append(
            (next_id("dx"), "admission", 1, "1", dx, "诊断", True, admitted, row["dept"], row["doctor"], pk)
        )
        row.update(admitted=admitted, days=days, discharged=discharged)
        return row

    def order(stay, key):
        pk = next_id("order")
        orders.append(
            (pk, now, now, f"BYZ{pk}", "long", key, Decimal(1), "qd", stay["admitted"], "active", stay["dept"],
             stay["doctor"], items[key][0], stay["id"])
        )  # fmt: skip
        return pk

    n_stays = max(1, target_lines // (LINES_PER_DAY * 8))
    for _ in range(n_stays):
        if len(lines) >= target_lines:
            break
        days = rng.randint(1, 15)
        start_day = rng.randint(0, DAYS - days - 1)
        admitted = datetime.datetime.combine(
            MONTH_START + datetime.timedelta(days=start_day), datetime.time(9), TZ
        ) + datetime.timedelta(minutes=rng.randint(0, 300))
        dept = rng.randrange(len(departments))
        sex_case = rng.random() < RATES["CAT-SEX"]
        pk = person("2" if sex_case else rng.choice("12"))
        stay = stay_row(pk, admitted, days, f"K{rng.randint(20, 99)}.{rng.randint(0, 9)}", dept)
        o = {key: order(stay, key) for key in ("bed", "nurse", "drug", "test", "syringe")}
        bed_lines = []
        for d in range(days):
            day = admitted + datetime.timedelta(days=d, hours=1)
            bed_lines.append(line(stay, o["bed"], "bed", day))
            line(stay, o["nurse"], "nurse", day + datetime.timedelta(minutes=5))
            qty = Decimal(rng.randint(1, 3))
            line(stay, o["drug"], "drug", day + datetime.timedelta(hours=2), qty=qty)
            drug_day = (day + datetime.timedelta(hours=2)).date()
            drug_per_day[drug_day] = drug_per_day.get(drug_day, 0) + qty
            line(stay, o["test"], "test", day + datetime.timedelta(hours=3))
            line(stay, o["syringe"], "syringe", day + datetime.timedelta(hours=4), qty=Decimal(2))
        roll = rng.random()
        first_bed_at = admitted + datetime.timedelta(hours=1)
        if rng.random() < CT_RATE:  # FEE-5: one CT with its result
            ct_at = first_bed_at + datetime.timedelta(hours=3)
            ct = line(stay, order(stay, "ct"), "ct", ct_at)
            positive = rng.random() < POSITIVE[1 if dept == 0 else 0]
            results.append(
                (next_id("result"), now, now, f"BL{ct}", positive, ct_at + datetime.timedelta(hours=2), "")
            )
        if rng.random() < RATES["FEE-2-ORDER"]:  # an order never charged
            order(stay, "test")
            planted["FEE-2-ORDER"].add(f"FEE-2-ORDER:{stay['id']}")
        if roll < RATES["FEE-3"]:
            line(stay, order(stay, "bed"), "bed", first_bed_at)
            planted["FEE-3"].add(f"FEE-3:I{bed_lines[0]}")
            planted["FEE-3-DAY"].add(None)  # also over the daily limit: an expected side effect
        elif roll < RATES["FEE-3"] + RATES["FEE-3-DAY"]:
            line(stay, o["nurse"], "nurse", first_bed_at + datetime.timedelta(hours=8))
            planted["FEE-3-DAY"].add(f"FEE-3-DAY:I{stay['id']}:分级护理费:{first_bed_at.date()}")
        elif roll < RATES["FEE-3"] + RATES["FEE-3-DAY"] + RATES["FEE-3-STAY"]:
            line(stay, o["bed"], "bed", stay["discharged"] - datetime.timedelta(minutes=30))
            planted["FEE-3-STAY"].add(f"FEE-3-STAY:{stay['id']}")
        roll = rng.random()
        if roll < RATES["FEE-1"]:
            pk_line = line(
                stay, o["bed"], "bed", first_bed_at + datetime.timedelta(minutes=1), over=Decimal(0)
            )
            planted["FEE-1"].add(f"FEE-1:I{pk_line}")
        elif roll < RATES["FEE-1"] + RATES["FEE-6"]:
            pk_line = line(stay, order(stay, "check"), "check", first_bed_at + datetime.timedelta(hours=5))
            planted["FEE-6"].add(f"FEE-6:I{pk_line}")
        if sex_case:
            pk_line = line(stay, order(stay, "psa"), "psa", first_bed_at + datetime.timedelta(hours=6))
            planted["CAT-SEX"].add(f"CAT-SEX:I{pk_line}")
        if rng.random() < RATES["ADM-5"] and days >= 2:
            for hours in (20, 30):
                rounds.append(
                    (
                        next_id("rnd"),
                        now,
                        now,
                        admitted + datetime.timedelta(hours=hours),
                        "absent",
                        "",
                        stay["id"],
                    )
                )
            planted["ADM-5"].add(f"ADM-5:{stay['id']}")
        if rng.random() < RATES["ADM-8"] and start_day + days + 6 < DAYS - 1:
            again = stay_row(pk, stay["discharged"] + datetime.timedelta(days=5), 1, diagnoses[-1][4], dept)
            line(again, order(again, "bed"), "bed", again["admitted"] + datetime.timedelta(hours=1))
            planted["ADM-8"].add(f"ADM-8:{again['id']}")
    planted["FEE-3-DAY"].discard(None)
    # The pharmacy's stock: received once, dispensed each day as charged, except a few short days.
    drug_pk = items["drug"][0]
    first = datetime.datetime.combine(MONTH_START, datetime.time(7), TZ)
    movements.append((next_id("move"), now, now, "BKC-IN", drug_pk, "in", sum(drug_per_day.values()), first,
                      MONTH_START, "中心药房"))  # fmt: skip
    short = set(rng.sample(sorted(drug_per_day), STOCK_SHORT_DAYS))
    for day, qty in sorted(drug_per_day.items()):
        out = qty - 1 if day in short else qty
        when = datetime.datetime.combine(day, datetime.time(18), TZ)
        movements.append(
            (next_id("move"), now, now, f"BKC{day:%Y%m%d}", drug_pk, "out", out, when, day, "中心药房")
        )
        if day in short:
            planted["STOCK"].add(f"STOCK:{drug_pk}:{day}")
    planted["FEE-5"].add(f"FEE-5:{departments[0]}:{MONTH_START:%Y-%m}")
    return {
        "persons": persons,
        "records": records,
        "stays": stays,
        "orders": orders,
        "lines": lines,
        "diagnoses": diagnoses,
        "rounds": rounds,
        "results": results,
        "movements": movements,
    }, planted


COPY = {
    "persons": "insured_insuredperson (id, created_at, updated_at, psn_no, certno, name, name_initials, name_pinyin, "
    "gender, birth_date, phone, insuplc_admdvs, psn_cert_type_id)",
    "records": "admission_medicalrecord (id, medrcdno, created_at, person_id)",
    "stays": "admission_stay (id, created_at, updated_at, ipt_no, kind, med_type, newborn_with_mother, admitted_at, "
    "status, self_pay, fund_status, fund_status_reason, discharge_way, cancel_reason, attending_doctor_id, "
    "department_id, person_id, record_id, ward_id, discharged_at)",
    "orders": "admission_order (id, created_at, updated_at, drord_no, kind, content, quantity, frequency, ordered_at, "
    "status, department_id, doctor_id, hospital_item_id, stay_id)",
    "lines": "fees_feeline (id, stay_id, person_id, feedetl_sn, init_feedetl_sn, order_id, hospital_item_id, "
    "name, med_list_codg, item_type, insurance_class, restricted, restriction_text, quantity, unit_price, amount, "
    "full_self_pay_amount, over_limit_amount, pre_self_pay_amount, in_scope_amount, self_pay_reason, "
    "hosp_appr_flag, charged_at, charged_on, ordering_department_id, ordering_doctor_id, executing_department_id, "
    "discharge_medication, tcmdrug_used_way, external_lab, refund_reason, upload_status, upload_message, "
    "upload_msgid, center_class, center_memo, entered_at)",
    "diagnoses": 'admission_staydiagnosis (id, stage, "order", diag_type, code, name, is_main, diagnosed_at, '
    "department_id, doctor_id, stay_id)",
    "rounds": "admission_wardround (id, created_at, updated_at, inspected_at, finding, note, stay_id)",
    "results": "audit_examresult (id, created_at, updated_at, feedetl_sn, positive, reported_at, report_no)",
    "movements": "audit_stockmovement (id, created_at, updated_at, serial, hospital_item_id, direction, quantity, "
    "moved_at, moved_on, store)",
}


def load(tables) -> None:
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # no triggers, no FK checks while loading
        for key, target in COPY.items():
            with cursor.copy(f"COPY {target} FROM STDIN") as copy:
                for row in tables[key]:
                    copy.write_row(row)
        cursor.execute("SET session_replication_role = origin")
        for table in ("insured_insuredperson", "admission_stay", "admission_order", "fees_feeline",
                      "admission_staydiagnosis", "admission_wardround", "audit_examresult",
                      "audit_stockmovement"):  # fmt: skip
            cursor.execute(f"ANALYZE {table}")
    raw.commit()


def _run_chunk(pk: int) -> int:
    from audit import batch

    return batch.chunk_run(pk).findings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-days", type=int, default=1)
    parser.add_argument("--reset", action="store_true")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the lines a previous run with the same --lines/--seed loaded",
    )
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()
    sys.path.insert(0, os.getcwd())
    _setup_django()
    from django.db import connection, connections

    from audit import batch
    from audit.models import Finding

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM admission_stay")
        if args.reuse:
            cursor.execute(
                "TRUNCATE audit_finding, audit_findingevent, audit_auditchunk, audit_auditjob CASCADE"
            )
        elif cursor.fetchone()[0] and not args.reset:
            print("数据库中已有住院数据：请使用空的 scratch 数据库，或加 --reset 清空。", file=sys.stderr)
            return 2
        if args.reset:
            cursor.execute(
                "TRUNCATE audit_finding, audit_findingevent, audit_auditchunk, audit_auditjob, audit_doctorpointentry, "
                "fees_feeline, admission_wardround, admission_staydiagnosis, admission_order, "
                "admission_stay, admission_medicalrecord, audit_examresult, audit_stockmovement CASCADE"
            )
            cursor.execute("DELETE FROM insured_insuredperson WHERE psn_no LIKE 'BENCH%%'")
    t0 = time.perf_counter()
    tables, planted = generate(args.lines, random.Random(args.seed))
    t1 = time.perf_counter()
    if not args.reuse:
        load(tables)
    t2 = time.perf_counter()
    n_lines = len(tables["lines"])
    print(
        f"generated {n_lines:,} lines, {len(tables['stays']):,} stays in {t1 - t0:.1f} s; COPY {t2 - t1:.1f} s"
    )

    job = batch.job_create(
        period_start=MONTH_START,
        period_end=MONTH_START + datetime.timedelta(days=DAYS - 1),
        chunk_days=args.chunk_days,
    )
    t3 = time.perf_counter()
    chunk_ids = batch.dispatch_order(job)  # as the Celery workers get them (audit.batch.job_dispatch)
    connections.close_all()
    if args.workers > 1:
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            list(pool.map(_run_chunk, chunk_ids))
    else:
        for pk in chunk_ids:
            _run_chunk(pk)
    t4 = time.perf_counter()
    job.refresh_from_db()
    seconds = t4 - t3
    print(
        f"batch: {len(chunk_ids)} chunks ({job.chunks.filter(status='done').count()} done), "
        f"{args.workers} workers, {seconds:.1f} s → {n_lines / seconds:,.0f} lines/s "
        f"(job created in {t3 - t2:.1f} s, counting {job.lines_total:,} lines)"
    )
    from django.db.models import F, Sum

    seconds_by_rule = (
        job.chunks.values("rule_id")
        .annotate(spent=Sum(F("finished_at") - F("started_at")))
        .order_by("-spent")
    )
    print(
        "chunk-seconds by rule: "
        + ", ".join(f"{r['rule_id']} {r['spent'].total_seconds():.0f}" for r in seconds_by_rule if r["spent"])
    )
    by_rule = {}
    for rule, key in Finding.objects.values_list("rule_id", "evidence_key"):
        by_rule.setdefault(rule, set()).add(key)
    total_planted = total_found = 0
    for rule, keys in planted.items():
        found = keys & by_rule.get(rule, set())
        total_planted += len(keys)
        total_found += len(found)
        extra = len(by_rule.get(rule, set()) - keys)
        recall = 100 * len(found) / len(keys) if keys else 100.0
        print(
            f"  {rule:<11} planted {len(keys):>5}  found {len(found):>5}  recall {recall:6.2f} %  other hits {extra}"
        )
    others = {r: len(k) for r, k in by_rule.items() if r not in planted}
    print(f"recall of planted violations: {100 * total_found / max(1, total_planted):.2f} % "
          f"({total_found}/{total_planted}); other rules' hits: {others}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
