"""fees.rules, table-driven: each case names its rule id (pytest ids); amounts worked out by hand."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest

from fees import rules

A = rules.Terms(mapped=True, med_list_codg="A1", item_type="service", insurance_class="A")
B = rules.Terms(mapped=True, med_list_codg="B1", insurance_class="B", b_self_pay_ratio=D("0.08"))
C = rules.Terms(mapped=True, med_list_codg="C1", insurance_class="C")
CAPPED = rules.Terms(mapped=True, insurance_class="A", price_cap=D("35"), bureau_price=D("40"))
RESTRICTED = rules.Terms(mapped=True, insurance_class="B", b_self_pay_ratio=D("0.10"), restricted=True)
NUTRITION = rules.Terms(mapped=True, insurance_class="B", outpatient_self_pay=True)
FEE6 = rules.Terms(mapped=True, insurance_class="A", non_payable=True)
UNMAPPED = rules.Terms(mapped=False)
IN = rules.Facts(outpatient=False)
OUT = rules.Facts(outpatient=True)


@pytest.mark.parametrize(
    ("terms", "facts", "reason"),
    [
        pytest.param(A, IN, "", id="SET-2 class A in scope"),
        pytest.param(UNMAPPED, IN, "unmapped", id="FEE-1 unmapped item"),
        pytest.param(
            A, rules.Facts(outpatient=False, after_notice=True), "after_notice", id="ADM-10 after notice"
        ),
        pytest.param(FEE6, IN, "fee6", id="FEE-6 not payable"),
        pytest.param(C, IN, "class_c", id="SET-2 class C"),
        pytest.param(NUTRITION, OUT, "rx7", id="RX-7 nutrition outpatient"),
        pytest.param(NUTRITION, IN, "", id="RX-7 nutrition inpatient is payable"),
        pytest.param(RESTRICTED, IN, "no_approval", id="RX-5 restricted without approval"),
        pytest.param(
            RESTRICTED, rules.Facts(outpatient=False, approved=True), "", id="RX-5 restricted approved"
        ),
        pytest.param(
            A, rules.Facts(outpatient=True, consented_self_pay=True), "consented", id="FEE-4 consented"
        ),
        pytest.param(
            UNMAPPED, rules.Facts(outpatient=False, after_notice=True), "unmapped", id="FEE-1 unmapped wins"
        ),
    ],
)
def test_self_pay_reason(terms, facts, reason):
    assert rules.self_pay_reason(terms, facts) == reason


@pytest.mark.parametrize(
    ("quantity", "price", "terms", "reason", "parts"),
    [
        # 2 × 150 = 300; class B share 300 × 0.08 = 24; in scope 276
        pytest.param(
            D(2), D(150), B, "", (D("0"), D("0"), D("24.00"), D("276.00")), id="SET-2 class B share"
        ),
        # 3 × 40 = 120; over the standard 3 × (40 − 35) = 15; in scope 105
        pytest.param(
            D(3), D(40), CAPPED, "", (D("0"), D("15.00"), D("0"), D("105.00")), id="FEE-1 over limit"
        ),
        # after the notice the whole 150 is the patient's
        pytest.param(
            D(1), D(150), B, "after_notice", (D("150.00"), D("0"), D("0"), D("0")), id="ADM-10 full"
        ),
        # a refund of 1 of 2 CT: −150, share −12, in scope −138
        pytest.param(
            D(-1), D(150), B, "", (D("0"), D("0"), D("-12.00"), D("-138.00")), id="FEE refund split"
        ),
        # 3 × 3.33 = 9.99; share 9.99 × 0.08 = 0.7992 → 0.80; in scope 9.19
        pytest.param(D(3), D("3.33"), B, "", (D("0"), D("0"), D("0.80"), D("9.19")), id="SET-2 rounding"),
    ],
)
def test_split_line_adds_up(quantity, price, terms, reason, parts):
    split = rules.split_line(quantity=quantity, unit_price=price, terms=terms, reason=reason)
    assert (split.full_self_pay, split.over_limit, split.pre_self_pay, split.in_scope) == parts
    assert split.total == rules.money(quantity * price)


@pytest.mark.parametrize(
    ("reason", "terms", "facts", "flag"),
    [
        pytest.param("after_notice", B, IN, "2", id="P2.1 ADM-10 after notice 2"),
        pytest.param("no_approval", RESTRICTED, IN, "2", id="P2.1 RX-5 no approval 2"),
        pytest.param(
            "", RESTRICTED, rules.Facts(outpatient=False, approved=True), "1", id="P2.1 RX-5 approved 1"
        ),
        pytest.param("rx7", NUTRITION, OUT, "2", id="P2.1 RX-7 2"),
        pytest.param("consented", A, OUT, "2", id="P2.1 FEE-4 consented 2"),
        pytest.param("", A, IN, "0", id="P2.1 ordinary 0"),
        pytest.param("over_limit", CAPPED, IN, "0", id="P2.1 FEE-1 over limit only 0"),
    ],
)
def test_hosp_appr_flag(reason, terms, facts, flag):
    assert rules.hosp_appr_flag(reason, terms, facts) == flag


@pytest.mark.parametrize(
    ("price", "terms", "verdict"),
    [
        pytest.param(D("40"), CAPPED, rules.PriceVerdict.OVER_LIMIT, id="FEE-1 at the bureau price"),
        pytest.param(D("40.01"), CAPPED, rules.PriceVerdict.OVER_STANDARD, id="FEE-1 above the bureau price"),
        pytest.param(D("35"), CAPPED, rules.PriceVerdict.OK, id="FEE-1 at the standard"),
    ],
)
def test_price_verdict(price, terms, verdict):
    assert rules.price_verdict(price, terms) == verdict


@pytest.mark.parametrize(
    ("reason", "over", "needed"),
    [
        pytest.param("class_c", D(0), True, id="FEE-4 class C"),
        pytest.param("unmapped", D(0), True, id="FEE-4 unmapped"),
        pytest.param("after_notice", D(0), False, id="FEE-4 ADM-10 no consent"),
        pytest.param("consented", D(0), False, id="FEE-4 already consented"),
        pytest.param("over_limit", D("0.01"), True, id="FEE-4 over limit"),
        pytest.param("", D(0), False, id="FEE-4 in scope"),
    ],
)
def test_needs_consent(reason, over, needed):
    assert rules.needs_consent(reason, over) is needed


BOUND = rules.Bound("service", D(10), D(20), D("0.01"))


@pytest.mark.parametrize(
    ("quantity", "price", "before", "expected"),
    [
        pytest.param(D(10), D(1), D(0), [], id="plausibility line at max"),
        pytest.param(D(11), D(1), D(0), ["单行上限 10"], id="plausibility line over"),
        pytest.param(D(10), D(1), D(10), [], id="plausibility day at max"),
        pytest.param(D(1), D(1), D(20), ["每日上限 20"], id="plausibility day over"),
        pytest.param(D(1), D("0.01"), D(0), [], id="plausibility price at floor"),
        pytest.param(D(1), D("0.0001"), D(0), ["低于下限 0.01"], id="plausibility price under floor"),
    ],
)
def test_plausibility(quantity, price, before, expected):
    problems = rules.plausibility_problems(
        quantity=quantity, unit_price=price, day_total_before=before, bound=BOUND, label="X"
    )
    assert len(problems) == len(expected)
    for problem, fragment in zip(problems, expected, strict=True):
        assert fragment in problem


@pytest.mark.parametrize(
    ("day", "covered", "late"),
    [
        pytest.param(
            datetime.date(2026, 11, 5), datetime.date(2026, 11, 5), True, id="SET-9 late on last day"
        ),
        pytest.param(datetime.date(2026, 11, 6), datetime.date(2026, 11, 5), False, id="SET-9 day after ok"),
        pytest.param(datetime.date(2026, 11, 1), None, False, id="SET-9 nothing settled"),
    ],
)
def test_late_line(day, covered, late):
    assert rules.late_line(day, covered) is late


@pytest.mark.parametrize(
    ("charged", "refunded", "left"),
    [
        pytest.param(D(3), D(0), D(3), id="refund none yet"),
        pytest.param(D(3), D(2), D(1), id="refund two of three"),
        pytest.param(D(3), D(3), D(0), id="refund all"),
    ],
)
def test_refundable(charged, refunded, left):
    assert rules.refundable(charged, refunded) == left
