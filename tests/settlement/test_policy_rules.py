"""Issue 18, the pure engine: ratio bands across a mid-stay split, per-hospitalisation deductible,
SET-7 with the first hospital's standard, the fund layers (大额, 公务员补助, 大病, 医疗救助, hospital share).
Every expected amount is worked by hand from the rule in the comment beside it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from settlement.rules import (
    Accumulators,
    FeeLine,
    FundLayer,
    InsuranceClass,
    LayerBase,
    Policy,
    RatioBand,
    settle,
    transfer_deductible,
)

D = Decimal
A, B, C = InsuranceClass.A, InsuranceClass.B, InsuranceClass.C

# The demo employees' tier-1 policy of migration 0002: deductible 200, 88 % up to 10,000, 92 % above.
BANDED = Policy(
    deductible=D("200"),
    fund_ratio=D("0.88"),
    bands=(RatioBand(D("0"), D("10000"), D("0.88")), RatioBand(D("10000"), None, D("0.92"))),
)


def test_set3_banded_ratios_continue_across_a_mid_stay_split():
    """The issue's 15,000 stay: settled once it gives 13,216.00; split 7,500 + 7,500 it must too
    (restarting the bands at the mid-stay settlement gave 13,024.00)."""
    once = settle([FeeLine(A, amount=D("15000"))], BANDED)
    # base 15000 − 200 = 14800: 10000 × 0.88 = 8800.00 + 4800 × 0.92 = 4416.00 → 13216.00
    assert (once.deductible_paid, once.fund_pay) == (D("200.00"), D("13216.00"))

    mid = settle([FeeLine(A, amount=D("7500"))], BANDED)
    # base 7500 − 200 = 7300, all in the first band: 7300 × 0.88 = 6424.00
    assert (mid.deductible_paid, mid.fund_base, mid.fund_pay) == (D("200.00"), D("7300.00"), D("6424.00"))
    final = settle(
        [FeeLine(A, amount=D("7500"))],
        BANDED,
        Accumulators(deductible_used=mid.deductible_paid, base_before=mid.fund_base),
    )
    # base 7500 continues at 7300: 7300–10000 = 2700 × 0.88 = 2376.00; 10000–14800 = 4800 × 0.92 = 4416.00
    # → 6792.00; 6424.00 + 6792.00 = 13216.00 (= once); restarting would be 6424 + 6600 = 13024
    assert (final.deductible_paid, final.fund_pay) == (D("0.00"), D("6792.00"))
    assert mid.fund_pay + final.fund_pay == once.fund_pay == D("13216.00")


CASES = [
    # id, lines, policy, accumulators, referral-free transfer (paid, first standard) or None,
    # expected {field: amount}
    pytest.param(
        [FeeLine(A, amount=D("3000"))],
        Policy(deductible=D("500"), fund_ratio=D("0.70")),
        Accumulators(),
        None,
        # per hospitalisation, the mid-stay settlement: deductible 500; (3000 − 500) × 0.70 = 1750.00
        {"deductible_paid": D("500.00"), "fund_pay": D("1750.00"), "personal_burden": D("1250.00")},
        id="SET-3-per-hospitalisation-mid-stay-pays-the-deductible",
    ),
    pytest.param(
        [FeeLine(A, amount=D("2000"))],
        Policy(deductible=D("500"), fund_ratio=D("0.70")),
        Accumulators(deductible_used=D("500")),
        None,
        # the final settlement of the same stay: its 500 is paid; 2000 × 0.70 = 1400.00
        {"deductible_paid": D("0.00"), "fund_pay": D("1400.00"), "personal_burden": D("600.00")},
        id="SET-3-per-hospitalisation-final-pays-no-second-deductible",
    ),
    pytest.param(
        [FeeLine(A, amount=D("2000"))],
        Policy(deductible=D("500"), fund_ratio=D("0.70")),
        Accumulators(),
        (D("300"), D("800")),
        # first hospital's standard 800 (higher than 500 here), 300 paid there (its in-scope costs did not
        # reach it): 800 − 300 = 500 remains; (2000 − 500) × 0.70 = 1050.00
        {"deductible_paid": D("500.00"), "fund_pay": D("1050.00")},
        id="SET-7-first-hospitals-standard-not-reached",
    ),
    pytest.param(
        [FeeLine(A, amount=D("2000"))],
        Policy(deductible=D("500"), fund_ratio=D("0.70")),
        Accumulators(),
        (D("300"), D("300")),
        # first standard 300 fully paid; the higher standard is ours, 500: 200 remains;
        # (2000 − 200) × 0.70 = 1260.00
        {"deductible_paid": D("200.00"), "fund_pay": D("1260.00")},
        id="SET-7-higher-standard-here",
    ),
    pytest.param(
        [FeeLine(A, amount=D("10000"))],
        Policy(
            deductible=D("500"),
            fund_ratio=D("0.76"),
            annual_cap=D("150000"),
            fund_pay_type="310100",
            layers=(
                FundLayer(
                    "330100",
                    LayerBase.ABOVE_BASIC_CAP,
                    (RatioBand(D("0"), None, D("0.90")),),
                    annual_cap=D("400000"),
                    center_field="hifob_pay",
                ),
            ),
        ),
        Accumulators(deductible_used=D("500"), fund_paid_ytd=D("149000")),
        None,
        # basic: 10000 × 0.76 = 7600 but the cap leaves 150000 − 149000 = 1000.00; the base it covers is
        # 1000 ÷ 0.76 = 1315.789… → 1315.79; above the cap 10000 − 1315.79 = 8684.21 × 0.90 = 7815.789
        # → 7815.79 (大额); all funds 1000 + 7815.79 = 8815.79; person 10000 − 8815.79 = 1184.21
        {
            "fund_pay": D("1000.00"),
            "fund_pay_total": D("8815.79"),
            "personal_burden": D("1184.21"),
            "layer:330100": D("7815.79"),
            "field:hifob_pay": D("7815.79"),
        },
        id="SET-8-large-expense-fund-above-the-basic-cap",
    ),
    pytest.param(
        [FeeLine(A, amount=D("10000"))],
        Policy(
            deductible=D("0"),
            fund_ratio=D("0.76"),
            annual_cap=D("150000"),
            layers=(
                FundLayer(
                    "330100",
                    LayerBase.ABOVE_BASIC_CAP,
                    (RatioBand(D("0"), None, D("0.90")),),
                    annual_cap=D("400000"),
                ),
            ),
        ),
        Accumulators(fund_paid_ytd=D("150000"), layer_paid_ytd=(("330100", D("399000")),)),
        None,
        # basic cap used up: 0; everything above it 10000 × 0.90 = 9000 but 大额's own cap leaves
        # 400000 − 399000 = 1000.00
        {"fund_pay": D("0.00"), "layer:330100": D("1000.00"), "personal_burden": D("9000.00")},
        id="SET-8-large-expense-fund-its-own-cap",
    ),
    pytest.param(
        [FeeLine(A, amount=D("3000"))],
        Policy(
            deductible=D("500"),
            fund_ratio=D("0.70"),
            layers=(
                FundLayer(
                    "320100",
                    LayerBase.PERSONAL_IN_SCOPE,
                    (RatioBand(D("0"), None, D("0.50")),),
                    center_field="cvlserv_pay",
                ),
            ),
        ),
        Accumulators(),
        None,
        # basic (3000 − 500) × 0.70 = 1750.00; still the person's within scope 3000 − 1750 = 1250;
        # 公务员补助 1250 × 0.50 = 625.00; funds 2375.00; person 625.00
        {
            "fund_pay": D("1750.00"),
            "layer:320100": D("625.00"),
            "fund_pay_total": D("2375.00"),
            "personal_burden": D("625.00"),
        },
        id="SET-8-civil-servant-subsidy",
    ),
    pytest.param(
        [FeeLine(A, amount=D("5000")), FeeLine(C, amount=D("400"))],
        Policy(
            deductible=D("1000"),
            fund_ratio=D("0.60"),
            annual_cap=D("200000"),
            layers=(
                FundLayer("390200", LayerBase.ABOVE_BASIC_CAP, (RatioBand(D("0"), None, D("0.60")),)),
                FundLayer(
                    "610100",
                    LayerBase.PERSONAL_IN_SCOPE,
                    (RatioBand(D("0"), None, D("0.70")),),
                    annual_cap=D("30000"),
                    center_field="maf_pay",
                ),
            ),
        ),
        Accumulators(),
        None,
        # basic (5000 − 1000) × 0.60 = 2400.00; 大病 0 (cap not reached); the person's in-scope part
        # 5000 − 2400 = 2600 × 0.70 = 1820.00 医疗救助; funds 4220.00; person 5400 − 4220 = 1180.00
        # (the class C 400 is never helped)
        {
            "fund_pay": D("2400.00"),
            "layer:390200": D("0.00"),
            "layer:610100": D("1820.00"),
            "fund_pay_total": D("4220.00"),
            "personal_burden": D("1180.00"),
        },
        id="SET-8-medical-assistance-after-serious-illness",
    ),
    pytest.param(
        [FeeLine(A, amount=D("1000"))],
        Policy(
            deductible=D("0"),
            fund_ratio=D("0.90"),
            layers=(
                FundLayer(
                    "HOSP",
                    LayerBase.PERSONAL_IN_SCOPE,
                    (RatioBand(D("0"), None, D("0.50")),),
                    center_field="hosp_part_amt",
                    hospital=True,
                ),
            ),
        ),
        Accumulators(),
        None,
        # fund 1000 × 0.90 = 900.00; the hospital bears half of the remaining 100 = 50.00, not a fund;
        # person 1000 − 900 − 50 = 50.00
        {
            "fund_pay_total": D("900.00"),
            "hospital_share": D("50.00"),
            "personal_burden": D("50.00"),
        },
        id="SET-8-hospital-share-is-not-a-fund",
    ),
]


@pytest.mark.parametrize(("lines", "policy", "accumulators", "transfer", "expected"), CASES)
def test_policy_table(lines, policy, accumulators, transfer, expected):
    if transfer is not None:
        policy, accumulators = transfer_deductible(policy, accumulators, transfer[0], transfer[1])
    result = settle(lines, policy, accumulators)
    for name, amount in expected.items():
        if name.startswith("layer:"):
            assert result.fund_layers.get(name[6:], D("0.00")) == amount, name
        elif name.startswith("field:"):
            assert result.center_fields[name[6:]] == amount, name
        else:
            assert getattr(result, name) == amount, name
    assert result.personal_burden == result.total - result.fund_pay_total - result.hospital_share


# --- property: identities hold and every amount stays within its band, for any bill ------------------

money_st = st.decimals(min_value=0, max_value=50000, places=2, allow_nan=False, allow_infinity=False)
ratio_st = st.decimals(min_value=0, max_value=1, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def lines_st(draw):
    out = []
    for _ in range(draw(st.integers(1, 6))):
        klass = draw(st.sampled_from([A, B, C]))
        quantity = draw(st.decimals(min_value=1, max_value=20, places=0))
        price = draw(st.decimals(min_value=0, max_value=3000, places=2))
        cap = draw(st.one_of(st.none(), st.decimals(min_value=0, max_value=3000, places=2)))
        out.append(
            FeeLine(
                klass,
                quantity=quantity,
                unit_price=price,
                price_cap=cap,
                b_self_pay_ratio=draw(st.one_of(st.none(), ratio_st)),
            )
        )
    return out


@st.composite
def policy_st(draw):
    split = draw(st.decimals(min_value=1, max_value=20000, places=2))
    bands = draw(
        st.one_of(
            st.just(()),
            st.builds(
                lambda r1, r2: (RatioBand(D("0"), split, r1), RatioBand(split, None, r2)), ratio_st, ratio_st
            ),
        )
    )
    layers = []
    if draw(st.booleans()):
        layers.append(
            FundLayer(
                "330100",
                LayerBase.ABOVE_BASIC_CAP,
                (RatioBand(D("0"), None, draw(ratio_st)),),
                deductible=draw(money_st),
                annual_cap=draw(st.one_of(st.none(), money_st)),
            )
        )
    if draw(st.booleans()):
        layers.append(
            FundLayer(
                "610100",
                LayerBase.PERSONAL_IN_SCOPE,
                (RatioBand(D("0"), None, draw(ratio_st)),),
                annual_cap=draw(st.one_of(st.none(), money_st)),
                hospital=draw(st.booleans()),
            )
        )
    return Policy(
        deductible=draw(money_st),
        fund_ratio=draw(ratio_st),
        annual_cap=draw(st.one_of(st.none(), money_st)),
        bands=bands,
        layers=tuple(layers),
    )


@settings(max_examples=300, deadline=None)
@given(
    lines=lines_st(),
    policy=policy_st(),
    used=money_st,
    paid=money_st,
    before=money_st,
    layer_paid=money_st,
    balance=money_st,
)
def test_set8_identities_and_bands_hold_for_any_bill(lines, policy, used, paid, before, layer_paid, balance):
    acc = Accumulators(
        deductible_used=used,
        fund_paid_ytd=paid,
        base_before=before,
        layer_paid_ytd=(("330100", layer_paid), ("610100", layer_paid)),
    )
    r = settle(lines, policy, acc, personal_account_balance=balance)
    zero = D("0.00")
    # SET-2 / SET-8 identities, to the cent
    assert r.total == r.full_self_pay + r.over_limit_self_pay + r.pre_self_pay + r.in_scope
    assert r.fund_pay_total == sum(r.fund_layers.values(), zero)
    assert r.personal_burden == r.total - r.fund_pay_total - r.hospital_share
    assert r.cash_pay == r.personal_burden - r.personal_account_pay
    # SET-3: the deductible never exceeds what is left of it, nor the in-scope amount
    assert zero <= r.deductible_paid <= min(r.in_scope, max(policy.deductible - used, zero))
    # the basic fund within its bands: at most each band's ratio of its part, never beyond the cap's rest
    ratios = [b.fund_ratio for b in policy.bands] or [policy.fund_ratio]
    assert zero <= r.fund_pay <= r.fund_base * max(ratios) + D("0.01") * len(ratios)
    if policy.annual_cap is not None:
        assert r.fund_pay <= max(policy.annual_cap - paid, zero)
    # every layer within its own cap; all funds and the hospital never pay more than the in-scope part
    for layer in policy.layers:
        amount = r.hospital_share if layer.hospital else r.fund_layers.get(layer.code, zero)
        assert amount >= zero
        if layer.annual_cap is not None:
            assert amount <= max(layer.annual_cap - layer_paid, zero)
    assert r.fund_pay_total + r.hospital_share <= r.in_scope
    assert zero <= r.personal_account_pay <= min(balance, r.personal_burden)


# --- the simulated center's own engine (a separate implementation) gives the same hand-worked figures ---


def test_the_centers_engine_continues_bands_and_pays_the_large_expense_fund():
    from center.simulator import engine

    banded = engine.Benefit(
        deductible=D("200"),
        fund_ratio=D("0.88"),
        bands=[(D("0"), D("10000"), D("0.88")), (D("10000"), None, D("0.92"))],
    )
    part = [(D("7500.00"), D("0"), D("0"), D("0"), D("7500.00"))]
    mid = engine.calculate(part, banded, counters=engine.Counters(), account_balance=None, use_account=False)
    final = engine.calculate(
        part,
        banded,
        counters=engine.Counters(deductible_paid=D("200"), settled_base=mid.fund_base),
        account_balance=None,
        use_account=False,
    )
    # 7300 × 0.88 = 6424.00; then 2700 × 0.88 + 4800 × 0.92 = 2376 + 4416 = 6792.00; together 13216.00
    assert (mid.hifp_pay, final.hifp_pay) == (D("6424.00"), D("6792.00"))

    retiree = engine.Benefit(
        deductible=D("500"),
        fund_ratio=D("0.76"),
        annual_cap=D("150000"),
        layers=[engine.Layer("330100", "hifob_pay", "over_cap", D("0.90"), cap=D("400000"))],
    )
    out = engine.calculate(
        [(D("10000.00"), D("0"), D("0"), D("0"), D("10000.00"))],
        retiree,
        counters=engine.Counters(deductible_paid=D("500"), fund_paid=D("149000")),
        account_balance=None,
        use_account=False,
    )
    # as in SET-8-large-expense-fund-above-the-basic-cap: 1000.00 basic, 7815.79 大额, 8815.79 all funds
    assert (out.hifp_pay, out.layer_fields["hifob_pay"], out.fund_pay_sumamt) == (
        D("1000.00"),
        D("7815.79"),
        D("8815.79"),
    )


@pytest.mark.parametrize(
    ("infno", "payload", "expected"),
    [
        pytest.param(
            "2304", {"data": {"insutype": "340"}}, "LXXT", id="INS-340-settlement-to-veterans-system"
        ),
        pytest.param("2401", {"mdtrtinfo": {"insutype": "340"}}, "LXXT", id="INS-340-admission-registration"),
        pytest.param("2304", {"data": {"insutype": "310"}}, "YBXT", id="INS-310-ordinary-system"),
        pytest.param("1101", {"data": {"insutype": "340"}}, "YBXT", id="INS-340-card-read-is-not-person-trx"),
    ],
)
def test_a_340_patients_person_transactions_go_to_the_veterans_receiving_system(infno, payload, expected):
    from center.protocol import receiving_system

    assert receiving_system(infno, payload, "YBXT") == expected
