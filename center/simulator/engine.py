"""The simulated center's own benefit calculation: written apart from the hospital's engine
(settlement.rules) on purpose, so a difference between the two can show in tests (issue 18 item 10).

It follows the regulation directly (SET-1..SET-3, SET-8; seeds 000 and 003): each line splits into
全自费 (class C / out of the catalog), 超限价 (above the payment standard), 先行自付 (class-B share) and
符合范围; the year's deductible comes off the in-scope sum; the fund pays its ratio up to the cap; the
personal account pays what it can of the rest. Amounts are rounded to cents, half up, per line.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
NOTHING = Decimal("0.00")


def cents(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Benefit:
    """The center's parameters for one scheme and care type (its policies.json)."""

    deductible: Decimal
    fund_ratio: Decimal
    annual_cap: Decimal | None = None


@dataclass
class Outcome:
    medfee_sumamt: Decimal = NOTHING
    fulamt_ownpay_amt: Decimal = NOTHING
    overlmt_selfpay: Decimal = NOTHING
    preselfpay_amt: Decimal = NOTHING
    inscp_scp_amt: Decimal = NOTHING
    act_pay_dedc: Decimal = NOTHING
    hifp_pay: Decimal = NOTHING
    fund_pay_sumamt: Decimal = NOTHING
    hosp_part_amt: Decimal = NOTHING
    psn_part_amt: Decimal = NOTHING
    acct_pay: Decimal = NOTHING
    psn_cash_pay: Decimal = NOTHING
    pool_prop_selfpay: Decimal = NOTHING


def line_parts(*, cnt: Decimal, pric: Decimal, item: dict | None) -> tuple[Decimal, ...]:
    """(amount, full self-pay, over the standard, class-B share, in scope) of one line as the center
    sees it: `item` is its catalog entry (class A/B/C, selfpay_prop, pric_uplmt_amt) or None."""
    amount = cents(cnt * pric)
    if item is None or item["class"] == "C":
        return amount, amount, NOTHING, NOTHING, NOTHING
    standard = Decimal(item["pric_uplmt_amt"]) if item.get("pric_uplmt_amt") else None
    over = cents((pric - standard) * cnt) if standard is not None and pric > standard else NOTHING
    payable = amount - over
    share = cents(payable * Decimal(item["selfpay_prop"])) if item["class"] == "B" else NOTHING
    return amount, NOTHING, over, share, payable - share


def calculate(
    parts: list[tuple[Decimal, ...]],
    benefit: Benefit,
    *,
    deductible_paid_this_year: Decimal,
    fund_paid_this_year: Decimal,
    account_balance: Decimal | None,
    use_account: bool,
) -> Outcome:
    out = Outcome(pool_prop_selfpay=benefit.fund_ratio)
    for amount, own, over, share, scope in parts:
        out.medfee_sumamt += amount
        out.fulamt_ownpay_amt += own
        out.overlmt_selfpay += over
        out.preselfpay_amt += share
        out.inscp_scp_amt += scope
    still_to_pay = benefit.deductible - deductible_paid_this_year
    out.act_pay_dedc = min(out.inscp_scp_amt, still_to_pay if still_to_pay > 0 else NOTHING)
    fund = cents((out.inscp_scp_amt - out.act_pay_dedc) * benefit.fund_ratio)
    if benefit.annual_cap is not None:
        room = benefit.annual_cap - fund_paid_this_year
        fund = min(fund, room if room > 0 else NOTHING)
    out.hifp_pay = fund
    out.fund_pay_sumamt = fund
    out.psn_part_amt = out.medfee_sumamt - out.fund_pay_sumamt - out.hosp_part_amt
    if use_account and account_balance is not None and account_balance > 0:
        out.acct_pay = min(cents(account_balance), out.psn_part_amt)
    out.psn_cash_pay = out.psn_part_amt - out.acct_pay
    return out
