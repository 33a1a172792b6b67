"""Issue 17 item 2: fees 0002 moves admission.ChargeLine and settlement.OutpatientCharge rows into
fees.FeeLine without loss — counts, sums and the split checked by hand (MigrationExecutor: the schema
is taken back to before the move inside the test's transaction, rows written with the old models,
then migrated forward; PostgreSQL's transactional DDL rolls it all back afterwards)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from settlement.models import OutpatientVisit
from tests.admission.factories import admit, make_catalog_items, make_hospital, order

D = Decimal
BEFORE = [
    ("fees", "0001_fee_line_table"),
    ("admission", "0007_fee3_daily_item_groups"),
    ("settlement", "0012_fund_pay_type_hospital_share"),
    ("audit", "0004_seed_pattern_rules"),
]
MOVED = [("fees", "0002_move_charge_lines")]


def _migrate(targets):
    with connection.cursor() as cursor:  # no pending FK trigger events before the DDL
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db
def test_move_keeps_every_line_count_sums_and_split():
    hospital = make_hospital()
    items = make_catalog_items()
    stay = admit(hospital, admitted_at=timezone.now() - datetime.timedelta(days=2))
    orders = {code: order(hospital, stay, items[code]) for code in ("H-CT", "H-BED", "H-CHK", "H-ALB")}
    visit = OutpatientVisit.objects.create(
        person=stay.person,
        visit_no="MZ2026110199001",
        visit_date=datetime.date(2026, 11, 1),
        med_type="11",
        insutype="310",
        department=hospital.department,
        doctor=hospital.doctor,
        mdtrt_cert_type="02",
        mdtrt_cert_no=stay.person.psn_no,
    )
    old = _migrate(BEFORE)
    ChargeLine = old.get_model("admission", "ChargeLine")
    OutpatientCharge = old.get_model("settlement", "OutpatientCharge")
    at = stay.admitted_at + datetime.timedelta(hours=1)
    common = {
        "stay_id": stay.pk,
        "charged_at": at,
        "charged_on": timezone.localtime(at).date(),
        "ordering_department_id": hospital.department.pk,
        "ordering_doctor_id": hospital.doctor.pk,
        "executing_department_id": hospital.department.pk,
        "upload_status": "uploaded",
    }
    # sn, order, code, type, class, quantity, price, amount, over limit, reason, refund of
    inpatient = [
        ("F1", "H-CT", "210300001", "service", "B", "2", "150", "300.00", "0", "", ""),
        ("F2", "H-BED", "001102000010000", "service", "A", "3", "40", "120.00", "15.00", "", ""),
        ("F3", "H-CHK", "110200005", "service", "C", "1", "300", "300.00", "0", "fee6", ""),
        ("F4", "H-CT", "210300001", "service", "B", "-1", "150", "-150.00", "0", "", "F1"),
        ("F5", "H-ALB", "XB05BAA010B001", "western", "B", "1", "380", "380.00", "0", "restricted", ""),
    ]
    for sn, code, national, kind, klass, qty, price, amount, over, reason, init in inpatient:
        ChargeLine.objects.create(
            feedetl_sn=sn,
            init_feedetl_sn=init,
            order_id=orders[code].pk,
            hospital_item_id=items[code].pk,
            med_list_codg=national,
            item_type=kind,
            insurance_class=klass,
            quantity=D(qty),
            unit_price=D(price),
            amount=D(amount),
            over_limit_amount=D(over),
            self_pay_reason=reason,
            **{**common, "upload_status": "pending" if sn == "F5" else "uploaded"},
        )
    # sn, item, class, share, cap, quantity, price, amount, reason, uploaded
    outpatient = [
        ("O1", "H-CT", "B", "0.10", None, "1", "150", "150.00", "", True),
        ("O2", "H-CHK", "C", None, None, "1", "20", "20.00", "self_pay", False),
        ("O3", "H-BED", "A", None, "35", "2", "40", "80.00", "", False),
    ]
    for sn, code, klass, share, cap, qty, price, amount, reason, uploaded in outpatient:
        OutpatientCharge.objects.create(
            visit_id=visit.pk,
            feedetl_sn=sn,
            hospital_item_id=items[code].pk,
            med_list_codg=items[code].med_list_codg,
            name=items[code].name,
            insurance_class=klass,
            b_self_pay_ratio=D(share) if share else None,
            price_cap=D(cap) if cap else None,
            quantity=D(qty),
            unit_price=D(price),
            amount=D(amount),
            self_pay_reason=reason,
            charged_at=at,
            uploaded=uploaded,
        )
    new = _migrate(MOVED)
    FeeLine = new.get_model("fees", "FeeLine")
    lines = {line.feedetl_sn: line for line in FeeLine.objects.all()}
    assert len(lines) == 8  # 5 inpatient + 3 outpatient, none lost
    # 300 + 120 + 300 − 150 + 380 + 150 + 20 + 80 = 1 200.00
    assert sum(line.amount for line in lines.values()) == D("1200.00")
    for line in lines.values():
        assert (
            line.full_self_pay_amount
            + line.over_limit_amount
            + line.pre_self_pay_amount
            + line.in_scope_amount
            == (line.amount)
        )
    # F1: CT share 300 × 0.08 (catalog, as of the line's date) = 24.00, in scope 276.00
    assert (lines["F1"].pre_self_pay_amount, lines["F1"].in_scope_amount) == (D("24.00"), D("276.00"))
    # F2: the stored over-limit 15.00, in scope 105.00; reason becomes over_limit
    assert (lines["F2"].over_limit_amount, lines["F2"].self_pay_reason) == (D("15.00"), "over_limit")
    # F3: FEE-6, fully the patient's; F5: RX-5 without approval, renamed and flagged 2 (not sent yet)
    assert lines["F3"].full_self_pay_amount == D("300.00")
    assert (lines["F5"].self_pay_reason, lines["F5"].hosp_appr_flag) == ("no_approval", "2")
    # F4: the refund keeps pointing at F1: −150 → share −12.00, in scope −138.00
    assert (lines["F4"].init_feedetl_sn, lines["F4"].pre_self_pay_amount) == ("F1", D("-12.00"))
    assert {lines[s].stay_id for s in ("F1", "F2", "F3", "F4", "F5")} == {stay.pk}
    assert {lines[s].person_id for s in lines} == {stay.person_id}
    # O1: its stored share 0.10 → 15.00; O2: the doctor's self-pay → consented; O3: 2 × (40 − 35) = 10.00
    assert (lines["O1"].pre_self_pay_amount, lines["O1"].upload_status) == (D("15.00"), "uploaded")
    assert (lines["O2"].self_pay_reason, lines["O2"].full_self_pay_amount) == ("consented", D("20.00"))
    assert (lines["O3"].over_limit_amount, lines["O3"].in_scope_amount) == (D("10.00"), D("70.00"))
    assert {lines[s].visit_id for s in ("O1", "O2", "O3")} == {visit.pk}
    assert {lines[s].charged_on for s in ("O1", "O2", "O3")} == {visit.visit_date}
    assert lines["O1"].ordering_doctor_id == hospital.doctor.pk
    # sums by part: full 300 + 380 + 20 = 700; over 15 + 10 = 25; share 24 − 12 + 15 = 27
    totals = [
        sum(getattr(line, f) for line in lines.values())
        for f in ("full_self_pay_amount", "over_limit_amount", "pre_self_pay_amount")
    ]
    assert totals == [D("700.00"), D("25.00"), D("27.00")]
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    # The audit view reads the new table with the same columns: F1 nets to 1 CT, F4 is left out.
    with connection.cursor() as cursor:
        cursor.execute("SELECT feedetl_sn, quantity, amount FROM audit_fee_line ORDER BY feedetl_sn")
        view = cursor.fetchall()
    assert [(sn, q, a) for sn, q, a in view if sn.startswith("F")] == [
        ("F1", D("1"), D("150.00")),
        ("F2", D("3"), D("120.00")),
        ("F3", D("1"), D("300.00")),
        ("F5", D("1"), D("380.00")),
    ]
