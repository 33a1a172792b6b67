"""Settlement engine rules (SET-1, SET-2, SET-3, SET-6, SET-8, FEE-1, FEE-6) with the seeds' numbers."""

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from settlement.rules import (
    Accumulators,
    FeeLine,
    InsuranceClass,
    Policy,
    RatioBand,
    Referral,
    settle,
    split_line,
)

A, B, C = InsuranceClass.A, InsuranceClass.B, InsuranceClass.C


def assert_identities(r):
    assert r.total == r.full_self_pay + r.over_limit_self_pay + r.pre_self_pay + r.in_scope
    assert r.fund_pay_total == sum(r.fund_layers.values())
    assert r.personal_burden == r.total - r.fund_pay_total - r.hospital_share
    assert r.cash_pay == r.personal_burden - r.personal_account_pay
    for name in r.MONEY_FIELDS:
        value = getattr(r, name)
        assert value == value.quantize(D("0.01")), name
        assert value >= 0, name


def test_set1_worked_example_fund_pays_5250():
    """SET-1 (seed 003): total 9000, deductible 500, class C 1000, ratio 70 % -> fund 5250.00."""
    r = settle([FeeLine(A, amount=D("8000")), FeeLine(C, amount=D("1000"))], Policy(D("500"), D("0.70")))
    assert r.total == D("9000.00")
    assert r.full_self_pay == D("1000.00")
    assert r.deductible_paid == D("500.00")
    assert r.fund_pay == D("5250.00")
    assert r.fund_pay_total == D("5250.00")
    assert r.personal_burden == D("3750.00")
    assert r.cash_pay == D("3750.00")
    assert_identities(r)
    assert any(step.rule == "SET-3" and step.field == "deductible_paid" for step in r.trace)


@pytest.mark.parametrize(
    ("line_ratio", "expected_pre"),
    [(None, D("20.00")), (D("0.20"), D("20.00")), (D("0.05"), D("5.00")), (D("0"), D("0.00"))],
)
def test_set2_class_b_self_pay_share_first(line_ratio, expected_pre):
    """SET-2: class B pays its self-pay share first (the seed's example 20 %), the rest is in scope."""
    policy = Policy(D("0"), D("0.80"), default_b_self_pay_ratio=D("0.20"))
    part = split_line(FeeLine(B, amount=D("100"), b_self_pay_ratio=line_ratio), policy)
    assert part.pre_self_pay == expected_pre
    assert part.in_scope == D("100.00") - expected_pre


def test_fee1_price_above_the_payment_standard_is_over_limit_self_pay():
    """FEE-1: unit price 120 over a payment standard of 100, 3 units -> 60 over-limit, 300 eligible."""
    part = split_line(
        FeeLine(A, quantity=D("3"), unit_price=D("120"), price_cap=D("100")), Policy(D("0"), D("1"))
    )
    assert (part.amount, part.over_limit_self_pay, part.in_scope) == (D("360.00"), D("60.00"), D("300.00"))


def test_fee1_class_b_share_is_taken_after_the_over_limit_part():
    part = split_line(
        FeeLine(B, quantity=D("2"), unit_price=D("55"), price_cap=D("50"), b_self_pay_ratio=D("0.10")),
        Policy(D("0"), D("1")),
    )
    assert (part.over_limit_self_pay, part.pre_self_pay, part.in_scope) == (
        D("10.00"),
        D("10.00"),
        D("90.00"),
    )


def test_fee6_not_payable_line_is_full_self_pay_whatever_its_class():
    part = split_line(FeeLine(A, amount=D("88.80"), not_payable=True), Policy(D("0"), D("1")))
    assert part.full_self_pay == D("88.80") and part.in_scope == D("0.00")


def test_deductible_crosses_two_settlements_in_one_year():
    """SET-3: a deductible of 500 partly used (300) leaves 200 for the next settlement."""
    policy = Policy(D("500"), D("0.90"))
    first = settle([FeeLine(A, amount=D("300"))], policy)
    assert first.deductible_paid == D("300.00") and first.fund_pay == D("0.00")
    second = settle(
        [FeeLine(A, amount=D("1200"))], policy, Accumulators(deductible_used=first.deductible_paid)
    )
    assert second.deductible_paid == D("200.00")
    assert second.fund_pay == D("900.00")  # (1200 - 200) x 90 %
    assert_identities(second)


@pytest.mark.parametrize(
    ("paid_ytd", "expected_fund"),
    [
        (D("0"), D("7000.00")),
        (D("395000"), D("5000.00")),
        (D("400000"), D("0.00")),
        (D("399999.99"), D("0.01")),
    ],
)
def test_annual_cap_reached_mid_settlement(paid_ytd, expected_fund):
    """SET-3: the fund pays at most what is left under the annual cap (封顶线 400000)."""
    policy = Policy(D("0"), D("0.70"), annual_cap=D("400000"))
    r = settle([FeeLine(A, amount=D("10000"))], policy, Accumulators(fund_paid_ytd=paid_ytd))
    assert r.fund_pay == expected_fund
    assert_identities(r)


def test_ratio_bands_pay_each_segment_at_its_ratio():
    """SET-3 分段: 0-10000 at 85 %, above at 90 %."""
    policy = Policy(
        D("0"),
        D("0.85"),
        bands=(RatioBand(D("0"), D("10000"), D("0.85")), RatioBand(D("10000"), None, D("0.90"))),
    )
    r = settle([FeeLine(A, amount=D("15000"))], policy)
    assert r.fund_pay == D("8500.00") + D("4500.00")


@pytest.mark.parametrize(
    ("referral", "expected_ratio", "expected_fund"),
    [
        (None, D("0.70"), D("700.00")),
        (Referral.REFERRED, D("0.65"), D("650.00")),
        (Referral.UNREFERRED_TIER23, D("0.60"), D("600.00")),
        (Referral.UNREFERRED_OTHER, D("0"), D("0.00")),
    ],
)
def test_set6_referral_adjustments(referral, expected_ratio, expected_fund):
    """SET-6: +5 points referred, +10 points unreferred to tier 2/3, not reimbursed otherwise."""
    r = settle([FeeLine(A, amount=D("1000"))], Policy(D("0"), D("0.70")), referral=referral)
    assert r.fund_ratio == expected_ratio
    assert r.fund_pay == expected_fund
    assert_identities(r)


def test_set6_children_referral_to_beijing_pays_10_percent_first():
    policy = Policy(D("0"), D("0.60"), referral_first_self_pay_ratio=D("0.10"))
    r = settle([FeeLine(A, amount=D("1000"))], policy, referral=Referral.REFERRED)
    assert r.pre_self_pay == D("100.00")
    assert r.fund_pay == D("495.00")  # 900 x (60 % - 5 points)
    assert_identities(r)


@pytest.mark.parametrize(
    ("balance", "use", "expected_account", "expected_cash"),
    [
        (D("5000"), True, D("3750.00"), D("0.00")),  # balance covers the whole personal share
        (D("1000"), True, D("1000.00"), D("2750.00")),  # balance smaller than the personal share
        (D("5000"), False, D("0.00"), D("3750.00")),  # patient declines the account
        (None, True, D("0.00"), D("3750.00")),  # residents' scheme 390: no account
    ],
)
def test_set8_personal_account_and_cash(balance, use, expected_account, expected_cash):
    r = settle(
        [FeeLine(A, amount=D("8000")), FeeLine(C, amount=D("1000"))],
        Policy(D("500"), D("0.70")),
        personal_account_balance=balance,
        use_personal_account=use,
    )
    assert (r.personal_account_pay, r.cash_pay) == (expected_account, expected_cash)
    assert_identities(r)


def test_line_without_amount_or_price_is_refused():
    with pytest.raises(ValueError):
        split_line(FeeLine(A), Policy(D("0"), D("1")))


amounts = st.decimals(
    min_value=D("0"), max_value=D("99999.99"), places=2, allow_nan=False, allow_infinity=False
)
ratios = st.decimals(min_value=D("0"), max_value=D("1"), places=2)
lines = st.builds(
    FeeLine,
    insurance_class=st.sampled_from(list(InsuranceClass)),
    quantity=st.decimals(min_value=D("0.01"), max_value=D("500"), places=2),
    unit_price=st.decimals(min_value=D("0.01"), max_value=D("9999.9999"), places=4),
    b_self_pay_ratio=st.one_of(st.none(), ratios),
    price_cap=st.one_of(st.none(), st.decimals(min_value=D("0.01"), max_value=D("9999"), places=2)),
    not_payable=st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(lines, max_size=30),
    amounts,
    ratios,
    st.one_of(st.none(), amounts),
    amounts,
    st.one_of(st.none(), amounts),
    st.one_of(st.none(), st.sampled_from(list(Referral))),
)
def test_identities_hold_for_random_lines(fee_lines, deductible, ratio, cap, used, balance, referral):
    """Property: for any lines and parameters the NHSA identities hold to the cent."""
    policy = Policy(deductible, ratio, annual_cap=cap)
    r = settle(
        fee_lines,
        policy,
        Accumulators(deductible_used=used),
        referral=referral,
        personal_account_balance=balance,
    )
    assert_identities(r)
    assert r.deductible_paid <= r.in_scope
    assert r.fund_pay <= r.in_scope - r.deductible_paid


def test_set10_manual_claim_package():
    from settlement.rules import manual_claim_documents

    remote = [code for code, _ in manual_claim_documents(remote=True)]
    assert remote == [
        "invoice",
        "discharge_certificate",
        "itemised_fees",
        "record_copy",
        "tier_certificate",
        "filing_proof",
    ]
    assert "filing_proof" not in [code for code, _ in manual_claim_documents(remote=False)]
    outpatient = [code for code, _ in manual_claim_documents(remote=False, inpatient=False)]
    assert outpatient == ["invoice", "itemised_fees", "tier_certificate"]
