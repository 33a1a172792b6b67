"""INS-3 and INS-4 as pure rules, with the regulation's own boundaries (seed 000 §2)."""

import datetime
from decimal import Decimal as D
from importlib import import_module

import pytest

from insured import rules

SEED = import_module("insured.migrations.0002_seed_code_tables_and_ins4")
TABLE = [
    rules.SanctionPolicyRow(
        category=c,
        loss_min=lo,
        loss_max=hi,
        settlement_changed=ch,
        scope_restricted=re,
        interview=iv,
        key_monitoring=km,
        judicial_referral=jr,
        duration_months=mo,
    )
    for c, lo, hi, ch, re, iv, km, jr, mo in SEED.INS4
]
START = datetime.date(2026, 11, 24)


@pytest.mark.parametrize(
    ("loss", "changed", "restricted", "monitoring", "months"),
    [
        ("999.99", False, False, True, None),
        ("1000", True, False, False, 6),
        ("1999.99", True, False, False, 6),
        ("2000", True, True, False, 12),
        ("2999.99", True, True, False, 12),
        ("3000", True, True, False, 24),
    ],
)
def test_ins4_category_i_boundaries(loss, changed, restricted, monitoring, months):
    m = rules.sanction_measures(category="I", fund_loss=D(loss), start_date=START, policy=TABLE)
    assert (m.settlement_changed, m.scope_restricted, m.key_monitoring, m.duration_months) == (
        changed,
        restricted,
        monitoring,
        months,
    )
    if months:
        assert m.end_date == rules.add_months(START, months)


@pytest.mark.parametrize(("loss", "changed", "months"), [("2999.99", False, None), ("3000", True, 6)])
def test_ins4_category_iii_boundary(loss, changed, months):
    m = rules.sanction_measures(category="III", fund_loss=D(loss), start_date=START, policy=TABLE)
    assert (m.settlement_changed, m.duration_months) == (changed, months)
    assert m.interview is (not changed)


def test_ins4_category_ii_is_24_months_whatever_the_loss():
    m = rules.sanction_measures(category="II", fund_loss=D("0"), start_date=START, policy=TABLE)
    assert m.settlement_changed and m.scope_restricted and m.end_date == datetime.date(2028, 11, 24)


def test_ins4_category_v_is_a_judicial_referral_record():
    m = rules.sanction_measures(category="V", fund_loss=D("50000"), start_date=START, policy=TABLE)
    assert m.judicial_referral and not m.settlement_changed and m.end_date is None


def test_ins4_table_has_no_gaps():
    assert rules.policy_table_gaps(TABLE) == []


def test_add_months_keeps_month_ends():
    assert rules.add_months(datetime.date(2024, 8, 31), 6) == datetime.date(2025, 2, 28)


def test_ins3_duplicate_benefits():
    fact = rules.EnrollmentFact
    assert rules.duplicate_benefit_problems([fact("310", True, True), fact("390", True, True)])
    assert rules.duplicate_benefit_problems([fact("330", False, True)])  # supplement without a basic scheme
    assert rules.duplicate_benefit_problems([fact("310", True, True), fact("330", False, True)]) == []
    assert rules.duplicate_benefit_problems([fact("310", True, False), fact("390", True, True)]) == []
