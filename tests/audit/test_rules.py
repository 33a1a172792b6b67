"""Each audit rule on its positive and negative fixtures (table-driven, rule id in every case's name).

For every case: the batch (INSERT … SELECT over the period) stores exactly the expected findings, with
the money worked out by hand; running the same rule in-process on each stay involved (事中) gives the
same findings; and a second batch run adds nothing (idempotent).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from audit import engine
from audit.models import AuditRule, Finding, RuleParameter
from tests.audit.factories import END, START, absent, at, card_read, charge, make_order, make_stay, make_world
from tests.factories import UserFactory
from tests.insured.factories import make_person

pytestmark = pytest.mark.django_db
D = Decimal


def _fee3_positive(w):
    stay = make_stay(w)
    first = charge(w, stay, "H-BED", at(5))  # price 40 (cap 35): FEE-1 also fires, not this case's rule
    charge(w, stay, "H-BED", at(5))  # another order, same moment: a duplicate
    # 40 + 40 charged, one is the duplicate: 40.00 at stake.
    return [stay], {(f"FEE-3:I{first.pk}", D("40.00"))}


def _fee3_negative(w):
    stay = make_stay(w)
    charge(w, stay, "H-BED", at(5, 9))
    charge(w, stay, "H-BED", at(6, 9))
    return [stay], set()


def _day_bed_positive(w):
    stay = make_stay(w)
    charge(w, stay, "H-BED", at(5, 9))
    charge(w, stay, "H-BED", at(5, 15))
    # 2 bed days on one day, 1 allowed: 80.00 × (2 − 1) / 2 = 40.00.
    return [stay], {(f"FEE-3-DAY:I{stay.pk}:床位费:2026-03-05", D("40.00"))}


def _day_nursing_positive(w):
    stay = make_stay(w)
    charge(w, stay, "H-NURSE", at(7, 8))
    charge(w, stay, "H-NURSE", at(7, 20), qty="2")
    # 3 nursing days on 03-07, 1 allowed: 90.00 × 2 / 3 = 60.00.
    return [stay], {(f"FEE-3-DAY:I{stay.pk}:分级护理费:2026-03-07", D("60.00"))}


def _day_negative(w):
    stay = make_stay(w)
    charge(w, stay, "H-BED", at(5, 9))
    charge(w, stay, "H-NURSE", at(5, 9))
    charge(w, stay, "H-CT", at(5, 10))
    charge(w, stay, "H-CT", at(5, 11))  # CT is not limited per day
    return [stay], set()


def _stay_positive(w):
    stay = make_stay(w, admitted=at(2, 10), discharged=at(5, 10))  # 3 days (02, 03, 04)
    for day in (2, 3, 4, 5):
        charge(w, stay, "H-BED", at(day, 12))
    # 4 bed days billed for 3: 160.00 × 1 / 4 = 40.00.
    return [stay], {(f"FEE-3-STAY:{stay.pk}", D("40.00"))}


def _stay_negative(w):
    stay = make_stay(w, admitted=at(2, 10), discharged=at(5, 10))
    for day in (2, 3, 4):
        charge(w, stay, "H-BED", at(day, 12))
    return [stay], set()


def _fee1_positive(w):
    stay = make_stay(w)
    line = charge(w, stay, "H-BED", at(5), qty="2")  # 40 over the 35 standard, excess not split off
    # (40 − 35) × 2 = 10.00 billed to the fund above the payment standard.
    return [stay], {(f"FEE-1:I{line.pk}", D("10.00"))}


def _fee1_negative(w):
    stay = make_stay(w)
    charge(w, stay, "H-BED", at(5), qty="2", over_limit="10.00")  # excess already self-paid
    charge(w, stay, "H-CT", at(5))  # no payment standard
    return [stay], set()


def _bureau_positive(w):
    stay = make_stay(w)
    line = charge(w, stay, "H-CT", at(5), price="180")
    # bureau price 160: (180 − 160) × 1 = 20.00 overcharged.
    return [stay], {(f"FEE-1-BUREAU:I{line.pk}", D("20.00"))}


def _bureau_negative(w):
    stay = make_stay(w)
    charge(w, stay, "H-CT", at(5), price="160")  # exactly the bureau price
    return [stay], set()


def _fee6_positive(w):
    stay = make_stay(w)
    check = charge(w, stay, "H-CHK", at(5))  # non-payable health check, billed to the fund
    unmapped = charge(w, stay, "H-SELF", at(5, 10))  # unmapped hospital item
    return [stay], {(f"FEE-6:I{check.pk}", D("300.00")), (f"FEE-6:I{unmapped.pk}", D("88.00"))}


def _fee6_negative(w):
    stay = make_stay(w)
    charge(w, stay, "H-CHK", at(5), self_pay_reason="FEE-6")
    charge(w, stay, "H-CT", at(5))
    return [stay], set()


def _fee2_positive(w):
    stay = make_stay(w)
    cancelled = make_order(w, stay, "H-CT", status="cancelled")
    line = charge(w, stay, "H-CT", at(5), order=cancelled)
    early = make_order(w, stay, "H-CT", ordered_at=at(6, 12))
    before = charge(w, stay, "H-CT", at(6, 8), order=early)
    return [stay], {(f"FEE-2:I{line.pk}", D("150.00")), (f"FEE-2:I{before.pk}", D("150.00"))}


def _fee2_negative(w):
    stay = make_stay(w)
    stopped = make_order(w, stay, "H-CT", stopped_at=at(8))
    charge(w, stay, "H-CT", at(7), order=stopped)  # inside the order's time
    return [stay], set()


def _sex_positive(w):
    woman = make_person(name="李芳", gender="2")
    stay = make_stay(w, person=woman)
    line = charge(w, stay, "H-PSA", at(5))
    return [stay], {(f"CAT-SEX:I{line.pk}", D("30.00"))}


def _sex_negative(w):
    stay = make_stay(w)  # 王五 is male
    charge(w, stay, "H-PSA", at(5))
    return [stay], set()


def _age_positive(w):
    stay = make_stay(w)  # born 1980: 45 on 2026-03-05, item limited to ≤ 14
    line = charge(w, stay, "H-KID", at(5))
    return [stay], {(f"CAT-AGE:I{line.pk}", D("30.00"))}


def _age_negative(w):
    child = make_person(name="小明", birth=datetime.date(2016, 3, 6))  # 9 on 2026-03-05
    stay = make_stay(w, person=child)
    charge(w, stay, "H-KID", at(5))
    return [stay], set()


def _ghost_positive(w):
    stay = make_stay(w)
    charge(w, stay, "H-CT", at(3))
    charge(w, stay, "H-BED", at(3))
    absent(stay, at(4, 10))
    absent(stay, at(6, 15))
    # the whole stay is not paid: 150 + 40 = 190.00
    return [stay], {(f"ADM-5:{stay.pk}", D("190.00"))}


def _ghost_negative(w):
    stay = make_stay(w)
    absent(stay, at(4, 10))
    absent(stay, at(6, 15), finding="on_leave")
    return [stay], set()


def _split_positive(w):
    first = make_stay(w, admitted=at(1), discharged=at(5, 10), diagnosis="I25.1")
    second = make_stay(w, admitted=at(15, 9), diagnosis="I25.9")  # 10 days later, same category I25
    return [first, second], {(f"ADM-8:{second.pk}", D("0.00"))}


def _split_negative(w):
    first = make_stay(w, admitted=at(1), discharged=at(5, 10), diagnosis="I25.1")
    late = make_stay(w, admitted=at(16, 9), diagnosis="I25.9")  # 11 days later
    other = make_stay(w, admitted=at(6, 9), diagnosis="J18.9", status="admitted")  # other disease
    return [first, late, other], set()


def _los_positive(w):
    stay = make_stay(w, admitted=datetime.datetime(2026, 2, 1, 9, tzinfo=at(1).tzinfo), discharged=at(6, 10))
    late = charge(w, stay, "H-CT", at(5))  # 2026-02-01 + 32 = 03-05: charged on or after the limit day
    charge(w, stay, "H-CT", datetime.datetime(2026, 2, 20, 9, tzinfo=at(1).tzinfo))
    assert late.charged_on == datetime.date(2026, 3, 5)
    # 33 days > 2 × 16; lines from day 32 on: 150.00
    return [stay], {(f"ADM-7:{stay.pk}", D("150.00"))}


def _los_negative(w):
    make_stay(
        w, admitted=datetime.datetime(2026, 2, 2, 9, tzinfo=at(1).tzinfo), discharged=at(6, 10)
    )  # 32 days
    return [], set()


def _freq_positive(w):
    make_stay(w, admitted=at(1, month=1), discharged=at(5, month=1), diagnosis="J18.9")
    make_stay(w, admitted=at(1, month=2), discharged=at(5, month=2), diagnosis="E11.9")
    third = make_stay(w, admitted=at(20), diagnosis="S72.0")  # 3rd in 90 days
    return [third], {(f"ADM-FREQ:{third.pk}", D("0.00"))}


def _freq_negative(w):
    make_stay(w, admitted=at(1, month=1), discharged=at(5, month=1), diagnosis="J18.9")
    second = make_stay(w, admitted=at(20), diagnosis="S72.0")
    return [second], set()


def _burst_positive(w):
    reads = [card_read(w.person, at(9, 8, minute)) for minute in (0, 15, 30, 59)]
    return [], {(f"CARD-BURST:{reads[-1].pk}", D("0.00"))}


def _burst_negative(w):
    for minute in (0, 15, 30):
        card_read(w.person, at(9, 8, minute))
    card_read(w.person, at(9, 10, 0))  # outside the 60 minutes
    return [], set()


def _group(persons):
    def build(w):
        RuleParameter.objects.filter(rule_id="CARD-GROUP").update(values={"persons": 3, "minutes": 10})
        operator = UserFactory(username="swiper")
        people = [w.person, *(make_person(name=f"参保人{n}") for n in range(persons - 1))]
        for minute, person in enumerate(people):
            card_read(person, at(9, 8, minute * 3), operator=operator)
        expected = {(f"CARD-GROUP:{operator.pk}:2026-03-09", D("0.00"))} if persons >= 3 else set()
        return [], expected

    return build


def _load(patients):
    def build(w):
        RuleParameter.objects.filter(rule_id="DOC-LOAD").update(values={"patients_per_day": 2})
        people = [w.person, *(make_person(name=f"患者{n}") for n in range(patients - 1))]
        stays = [make_stay(w, person=p) for p in people]
        for stay in stays:
            charge(w, stay, "H-CT", at(7))
        expected = {(f"DOC-LOAD:{w.doctor.pk}:2026-03-07", D("0.00"))} if patients > 2 else set()
        return [], expected

    return build


CASES = [
    ("FEE-3 duplicate at the same moment", "FEE-3", _fee3_positive),
    ("FEE-3 same item on two days is no duplicate", "FEE-3", _fee3_negative),
    ("FEE-3-DAY two bed days on one day", "FEE-3-DAY", _day_bed_positive),
    ("FEE-3-DAY three nursing days on one day", "FEE-3-DAY", _day_nursing_positive),
    ("FEE-3-DAY one of each is within the limit", "FEE-3-DAY", _day_negative),
    ("FEE-3-STAY four bed days for three days", "FEE-3-STAY", _stay_positive),
    ("FEE-3-STAY three bed days for three days", "FEE-3-STAY", _stay_negative),
    ("FEE-1 above the payment standard to the fund", "FEE-1", _fee1_positive),
    ("FEE-1 excess split to self-pay", "FEE-1", _fee1_negative),
    ("FEE-1-BUREAU above the bureau price", "FEE-1-BUREAU", _bureau_positive),
    ("FEE-1-BUREAU at the bureau price", "FEE-1-BUREAU", _bureau_negative),
    ("FEE-6 non-payable and unmapped to the fund", "FEE-6", _fee6_positive),
    ("FEE-6 self-paid", "FEE-6", _fee6_negative),
    ("FEE-2 cancelled order and charge before the order", "FEE-2", _fee2_positive),
    ("FEE-2 inside the order's time", "FEE-2", _fee2_negative),
    ("CAT-SEX male-only item for a woman", "CAT-SEX", _sex_positive),
    ("CAT-SEX male-only item for a man", "CAT-SEX", _sex_negative),
    ("CAT-AGE child item for an adult", "CAT-AGE", _age_positive),
    ("CAT-AGE child item for a child", "CAT-AGE", _age_negative),
    ("ADM-5 two absences without leave", "ADM-5", _ghost_positive),
    ("ADM-5 one absence and one approved leave", "ADM-5", _ghost_negative),
    ("ADM-8 same category re-admitted on day 10", "ADM-8", _split_positive),
    ("ADM-8 day 11 or another disease", "ADM-8", _split_negative),
    ("ADM-7 33 days over 2 x 16", "ADM-7", _los_positive),
    ("ADM-7 32 days within 2 x 16", "ADM-7", _los_negative),
    ("ADM-FREQ third admission in 90 days", "ADM-FREQ", _freq_positive),
    ("ADM-FREQ second admission in 90 days", "ADM-FREQ", _freq_negative),
    ("CARD-BURST four reads in 60 minutes", "CARD-BURST", _burst_positive),
    ("CARD-BURST three reads in 60 minutes", "CARD-BURST", _burst_negative),
    ("CARD-GROUP three persons by one operator in 10 minutes", "CARD-GROUP", _group(3)),
    ("CARD-GROUP two persons by one operator", "CARD-GROUP", _group(2)),
    ("DOC-LOAD three patients over a limit of two", "DOC-LOAD", _load(3)),
    ("DOC-LOAD two patients at the limit", "DOC-LOAD", _load(2)),
]


@pytest.mark.parametrize(("code", "build"), [(c, b) for _, c, b in CASES], ids=[name for name, _, _ in CASES])
def test_rule_batch_and_in_process(code, build):
    assert_batch_equals_in_process(code, build)


def assert_batch_equals_in_process(code, build):
    """The batch stores exactly the expected findings; the in-process form on each stay involved gives
    the same; a second batch adds nothing."""
    world = make_world()
    stays, expected = build(world)
    rule = AuditRule.objects.get(code=code)

    created = engine.insert_findings(rule, start=START, end=END)

    stored = {(f.evidence_key, f.amount) for f in Finding.objects.filter(rule=rule)}
    assert stored == expected
    assert created == len(expected)
    for finding in Finding.objects.filter(rule=rule):
        assert finding.explanation.startswith(code.split("-")[0]) and code[:5] in finding.explanation
        assert finding.level == rule.level
    # 事中: the same rule on each stay gives the findings of that stay, and together all of them
    # (rules over card reads or a doctor's day have no per-stay form and are batch-only).
    if stays:
        in_process = set()
        for stay in stays:
            in_process |= {
                (h.evidence_key, h.amount) for h in engine.run_rule(code, start=START, end=END, stay=stay.pk)
            }
        assert in_process == expected
    # Idempotent: the second run adds nothing.
    assert engine.insert_findings(rule, start=START, end=END) == 0
    assert Finding.objects.filter(rule=rule).count() == len(expected)


def test_fee_3_refunded_duplicate_is_not_a_finding():
    """FEE-3: a duplicate already refunded by a counter-line is out of the fee-line view."""
    w = make_world()
    stay = make_stay(w)
    charge(w, stay, "H-BED", at(5))
    second = charge(w, stay, "H-BED", at(5))
    charge(w, stay, "H-BED", at(5, 11), qty="-1", refund_of=second)
    assert engine.run_rule("FEE-3", start=START, end=END) == []


def test_adm_5_parameter_version_changes_the_rule():
    """ADM-5: the number of absences is data; a version from 2026-03-01 asking for 3 leaves 2 unflagged."""
    w = make_world()
    stay = make_stay(w)
    absent(stay, at(4))
    absent(stay, at(6))
    RuleParameter.objects.create(rule_id="ADM-5", effective_from=START, values={"absences": 3})
    assert engine.run_rule("ADM-5", start=START, end=END) == []
    assert len(engine.run_rule("ADM-5", start=START, end=END, params={"absences": 2})) == 1
