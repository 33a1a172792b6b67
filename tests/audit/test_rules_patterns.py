"""The cross-record audit rules (audit/rules_sql_patterns.py) on positive and negative fixtures, the same
way as tests/audit/test_rules.py: batch findings exactly as expected (money by hand), the in-process
form on each stay involved gives the same, a second batch adds nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from audit import engine
from audit.models import RuleParameter
from tests.audit.factories import (
    END,
    START,
    at,
    charge,
    exam_result,
    make_order,
    make_stay,
    settle,
    stock_move,
)
from tests.audit.test_rules import assert_batch_equals_in_process
from tests.insured.factories import make_person

pytestmark = pytest.mark.django_db
D = Decimal


def _params(code, **values):
    RuleParameter.objects.filter(rule_id=code).update(values=values)


def _orders_positive(w):
    stay = make_stay(w, admitted=at(2), discharged=at(6, 10))
    charge(w, stay, "H-CT", at(3))  # its own order, charged
    forgotten = make_order(w, stay, "H-CT", ordered_at=at(4))  # never charged
    make_order(w, stay, "H-CT", ordered_at=at(4), status="cancelled")  # cancelled: no charge expected
    make_order(w, stay, "H-BED", ordered_at=at(4, 9), stopped_at=at(4, 9, 30))  # corrected within 1 h
    assert forgotten.pk
    return [stay], {(f"FEE-2-ORDER:{stay.pk}", D("0.00"))}


def _orders_negative(w):
    stay = make_stay(w, admitted=at(2), discharged=at(6, 10))
    order = make_order(w, stay, "H-CT", ordered_at=at(3))
    charge(w, stay, "H-CT", at(3, 10), order=order)
    late = make_order(w, stay, "H-BED", ordered_at=at(4, 9), stopped_at=at(4, 10, 1))  # 61 minutes
    charge(w, stay, "H-BED", at(4, 10), order=late)
    open_stay = make_stay(w, person=make_person(name="赵六"), admitted=at(20))  # not discharged yet
    make_order(w, open_stay, "H-CT", ordered_at=at(21))
    return [stay, open_stay], set()


def _cluster(last_minute):
    """ADM-CLUSTER with 3 persons in 120 minutes: admitted 09:00, 09:30 and 09:00 + `last_minute`."""

    def build(w):
        _params("ADM-CLUSTER", admissions=3, minutes=120)
        times = [at(10, 9), at(10, 9, 30), at(10, 9) + datetime.timedelta(minutes=last_minute)]
        people = [w.person, make_person(name="钱七"), make_person(name="孙八")]
        stays = [make_stay(w, person=p, admitted=t) for p, t in zip(people, times, strict=True)]
        make_stay(w, person=people[0], admitted=at(10, 8, 50), diagnosis="J18.9")  # same person twice
        if last_minute < 120:
            return stays, {(f"ADM-CLUSTER:{w.department.pk}:2026-03-10", D("0.00"))}
        return stays, set()

    return build


def _same_amounts(third_fund, third_is_first_person=False):
    """AMT-SAME with 3 persons, ±1 yuan, 30 days, from 1,000 yuan: fund payments 3,200.00 (03-05) and
    3,200.50 (03-12), then `third_fund` on 03-20."""

    def build(w):
        _params("AMT-SAME", persons=3, tolerance=1, days=30, min_amount=1000)
        first = make_stay(w, admitted=at(1), discharged=at(5, 9))
        second = make_stay(w, person=make_person(name="周九"), admitted=at(8), discharged=at(12, 9))
        person = w.person if third_is_first_person else make_person(name="吴十")
        third = make_stay(w, person=person, admitted=at(15), discharged=at(20, 9))
        settle(first, "3200.00", at(5, 10))
        settle(second, "3200.50", at(12, 10))
        last = settle(third, third_fund, at(20, 10))
        # 03-20: |3,199.80 − 3,200.00| = 0.20 and |3,199.80 − 3,200.50| = 0.70, both ≤ 1: two others
        # → the third person's settlement; money at stake its fund payment 3,199.80. On 03-12 only one.
        stays = [first, second, third]
        if third_fund == "3199.80" and not third_is_first_person:
            return stays, {(f"AMT-SAME:{last.pk}", D("3199.80"))}
        return stays, set()

    return build


def _stock_positive(w):
    stay = make_stay(w)
    charge(w, stay, "H-AMX", at(5, 9), qty="3")
    charge(w, stay, "H-AMX", at(5, 15), qty="2")
    stock_move(w, "H-AMX", "in", "100", at(1, 8))
    stock_move(w, "H-AMX", "out", "4", at(5, 9))
    stock_move(w, "H-AMX", "return", "1", at(5, 16))
    charge(w, stay, "H-AMX", at(6, 9), qty="2")
    stock_move(w, "H-AMX", "out", "2", at(6, 9))
    item = w.items["H-AMX"].pk
    # 03-05: charged 5 (5 × 2.88 = 14.40), dispensed 4 − 1 = 3: 2 too many → 14.40 × 2 / 5 = 5.76.
    return [], {(f"STOCK:{item}:2026-03-05", D("5.76"))}


def _stock_negative(w):
    stay = make_stay(w)
    charge(w, stay, "H-AMX", at(4, 9), qty="2")  # before the pharmacy's first movement: not tracked yet
    stock_move(w, "H-AMX", "out", "2", at(5, 9))
    charge(w, stay, "H-AMX", at(5, 9), qty="2")  # as dispensed
    charge(w, stay, "H-CT", at(5, 10))  # an item the pharmacy does not stock
    return [], set()


def _positive_rate(positives, exams=10):
    """FEE-5 with 10 exams at least: `positives` of `exams` CT (2103…, 150 yuan) results positive."""

    def build(w):
        _params("FEE-5", min_price=100, prefixes=["2103"], min_rate_tier2=65, min_rate_tier3=70, min_exams=10)
        stay = make_stay(w)
        lines = [charge(w, stay, "H-CT", at(1 + n, 10)) for n in range(exams)]
        for n, line in enumerate(lines):
            exam_result(line, positive=n < positives)
        charge(w, stay, "H-CT", at(25, 10))  # no result recorded: not counted
        charge(w, stay, "H-BED", at(25, 10))  # not an exam
        if exams >= 10 and positives * 100 < 70 * exams:
            # 6 of 10 = 60 % < 70 % (tier 3); the 4 negatives at 150.00: 600.00.
            return [], {(f"FEE-5:{w.department.pk}:2026-03", D("600.00"))}
        return [], set()

    return build


CASES = [
    ("FEE-2-ORDER an order never charged", "FEE-2-ORDER", _orders_positive),
    ("FEE-2-ORDER every order charged or stopped after 61 minutes", "FEE-2-ORDER", _orders_negative),
    ("ADM-CLUSTER three persons within 119 minutes", "ADM-CLUSTER", _cluster(119)),
    ("ADM-CLUSTER third person at 120 minutes", "ADM-CLUSTER", _cluster(120)),
    ("AMT-SAME third person within 1 yuan of two others", "AMT-SAME", _same_amounts("3199.80")),
    ("AMT-SAME third person 1.10 yuan away", "AMT-SAME", _same_amounts("3198.90")),
    ("AMT-SAME same person twice", "AMT-SAME", _same_amounts("3199.80", third_is_first_person=True)),
    ("STOCK charged more than dispensed", "STOCK", _stock_positive),
    ("STOCK charged as dispensed or untracked", "STOCK", _stock_negative),
    ("FEE-5 positive rate 60 % under 70 %", "FEE-5", _positive_rate(6)),
    ("FEE-5 positive rate 70 % at the minimum", "FEE-5", _positive_rate(7)),
    ("FEE-5 nine exams under the minimum count", "FEE-5", _positive_rate(0, exams=9)),
]


@pytest.mark.parametrize(("code", "build"), [(c, b) for _, c, b in CASES], ids=[name for name, _, _ in CASES])
def test_pattern_rule_batch_and_in_process(code, build):
    assert_batch_equals_in_process(code, build)


def test_fee_5_and_stock_have_no_per_stay_form():
    """FEE-5 and STOCK judge a department's month and an item's day: the in-process form on a stay
    answers nothing (the batch finds them), rather than a partial rate or a partial day."""
    from tests.audit.factories import make_world

    w = make_world()
    stay = make_stay(w)
    line = charge(w, stay, "H-AMX", at(5, 9), qty="3")
    stock_move(w, "H-AMX", "out", "1", at(5, 9))
    exam_result(line, positive=False)
    assert engine.run_rule("STOCK", start=START, end=END, stay=stay.pk) == []
    assert engine.run_rule("FEE-5", start=START, end=END, stay=stay.pk) == []
    assert [h.evidence_key for h in engine.run_rule("STOCK", start=START, end=END)] == [
        f"STOCK:{w.items['H-AMX'].pk}:2026-03-05"
    ]


def test_fee_5_month_is_judged_on_its_last_day_only():
    """FEE-5: a chunk that does not hold the month's last day judges no month (nightly chunks are days)."""
    from tests.audit.factories import make_world

    w = make_world()
    _positive_rate(0)(w)
    assert engine.run_rule("FEE-5", start=START, end=datetime.date(2026, 3, 30)) == []
    hits = engine.run_rule("FEE-5", start=datetime.date(2026, 3, 31), end=datetime.date(2026, 3, 31))
    assert [(h.evidence_key, h.amount) for h in hits] == [(f"FEE-5:{w.department.pk}:2026-03", D("1500.00"))]


@pytest.mark.parametrize(
    ("code", "build", "table", "shown"),
    [
        ("FEE-2-ORDER", _orders_positive, "evidence-orders", "长期医嘱"),
        ("STOCK", _stock_positive, "evidence-movements", "退药"),
        ("AMT-SAME", _same_amounts("3199.80"), "evidence-settlements", "3199.80"),
    ],
    ids=["FEE-2-ORDER orders on the finding page", "STOCK movements on the finding page",
         "AMT-SAME settlements on the finding page"],
)  # fmt: skip
def test_pattern_finding_page_lists_its_records(code, build, table, shown):
    """AUD-4: the office reads the evidence of a cross-record finding as records, not raw JSON."""
    from audit.models import AuditRule, Finding
    from tests.audit.factories import make_world
    from tests.audit.test_pages import _office_client

    build(make_world())
    engine.insert_findings(AuditRule.objects.get(code=code), start=START, end=END)
    finding = Finding.objects.get(rule_id=code)
    text = _office_client().get(f"/audit/findings/{finding.pk}/").content.decode()
    assert f'id="{table}"' in text and shown in text
    assert "<pre" not in text.split('id="explanation"')[1].split("</section>", 2)[1]
