"""The simulated center's own benefit calculation: written apart from the hospital's engine
(settlement.rules) on purpose, from its own parameter file (policies.json), so a difference between the
two can show in tests (issue 18 item 10). It imports nothing of the hospital's.

It follows the regulation directly (SET-1..SET-3, SET-7, SET-8; seeds 000 and 003): each line splits
into 全自费 (class C / out of the catalog), 超限价 (above the payment standard), 先行自付 (class-B share)
and 符合范围; the deductible still open in its period comes off the in-scope sum; the basic fund pays its
ratio (by bands that continue over the settlements of one stay) up to its annual cap; then the further
funds: 大额/大病 on what the cap left unpaid, 公务员补助 and 医疗救助 on what is still the person's within
scope; the personal account pays what it can of the rest. Cents, half up: per line, per band, per fund.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
NOTHING = Decimal("0.00")


def cents(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Layer:
    """One further fund in the center's parameters: {code, field, base: over_cap | own_share, ratio,
    deductible, cap, needs: 330 | 320 | maf | null}."""

    code: str
    field: str
    base: str
    ratio: Decimal
    deductible: Decimal = NOTHING
    cap: Decimal | None = None
    needs: str | None = None


@dataclass
class Benefit:
    """The center's parameters for one scheme, person type and care type (its policies.json)."""

    deductible: Decimal
    fund_ratio: Decimal
    annual_cap: Decimal | None = None
    bands: list[tuple[Decimal, Decimal | None, Decimal]] = field(default_factory=list)
    fund_code: str = ""
    period: str = "year"  # year | settlement | hospitalisation | benefit_period
    later_deductible: Decimal | None = None
    benefit_days: int = 90
    counter: str = ""
    year_start: tuple[int, int] = (1, 1)
    layers: list[Layer] = field(default_factory=list)

    @classmethod
    def from_json(cls, params: dict, care_type: str) -> Benefit:
        def amount(key):
            return Decimal(str(params[key])) if params.get(key) not in (None, "") else None

        month, day = (int(x) for x in str(params.get("year_start", "01-01")).split("-"))
        return cls(
            deductible=Decimal(str(params["deductible"])),
            fund_ratio=Decimal(str(params["fund_ratio"])),
            annual_cap=amount("annual_cap"),
            bands=[
                (Decimal(str(lo)), Decimal(str(hi)) if hi is not None else None, Decimal(str(r)))
                for lo, hi, r in params.get("bands", [])
            ],
            fund_code=str(params.get("fund_code", "")),
            period=str(params.get("deductible_period", "year")),
            later_deductible=amount("later_deductible"),
            benefit_days=int(params.get("benefit_days", 90)),
            counter=str(params.get("counter") or care_type),
            year_start=(month, day),
            layers=[
                Layer(
                    code=str(x["code"]),
                    field=str(x["field"]),
                    base=str(x["base"]),
                    ratio=Decimal(str(x["ratio"])),
                    deductible=Decimal(str(x.get("deductible", "0"))),
                    cap=Decimal(str(x["cap"])) if x.get("cap") not in (None, "") else None,
                    needs=x.get("needs"),
                )
                for x in params.get("layers", [])
            ],
        )


@dataclass
class Counters:
    """What the center holds against this settlement."""

    deductible_paid: Decimal = NOTHING  # within the benefit's deductible period
    fund_paid: Decimal = NOTHING  # the basic fund, this year, this counter
    layer_paid: dict[str, Decimal] = field(default_factory=dict)
    layer_deductible: dict[str, Decimal] = field(default_factory=dict)
    settled_base: Decimal = NOTHING  # fund base of the stay's earlier settlements (bands continue)


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
    layer_pay: dict[str, Decimal] = field(default_factory=dict)  # fund code -> amount
    layer_fields: dict[str, Decimal] = field(default_factory=dict)  # hifob_pay … -> amount
    layer_dedc: dict[str, Decimal] = field(default_factory=dict)
    fund_base: Decimal = NOTHING


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


def _slices(start: Decimal, length: Decimal, bands) -> list[tuple[Decimal, Decimal]]:
    """(amount, ratio) of the stretch [start, start + length) in each band."""
    out = []
    end = start + length
    for lower, upper, ratio in sorted(bands, key=lambda b: b[0]):
        top = end if upper is None else min(upper, end)
        bottom = max(lower, start)
        if top > bottom:
            out.append((top - bottom, ratio))
    return out


def calculate(
    parts: list[tuple[Decimal, ...]],
    benefit: Benefit,
    *,
    counters: Counters | None = None,
    deductible_paid_this_year: Decimal | None = None,
    fund_paid_this_year: Decimal | None = None,
    account_balance: Decimal | None,
    use_account: bool,
) -> Outcome:
    held = counters or Counters()
    if deductible_paid_this_year is not None:
        held.deductible_paid = deductible_paid_this_year
    if fund_paid_this_year is not None:
        held.fund_paid = fund_paid_this_year
    out = Outcome(pool_prop_selfpay=benefit.fund_ratio)
    for amount, own, over, share, scope in parts:
        out.medfee_sumamt += amount
        out.fulamt_ownpay_amt += own
        out.overlmt_selfpay += over
        out.preselfpay_amt += share
        out.inscp_scp_amt += scope
    still_to_pay = benefit.deductible - held.deductible_paid
    out.act_pay_dedc = min(out.inscp_scp_amt, still_to_pay if still_to_pay > 0 else NOTHING)
    base = out.inscp_scp_amt - out.act_pay_dedc
    out.fund_base = base
    bands = benefit.bands or [(NOTHING, None, benefit.fund_ratio)]
    pieces = [
        (piece, ratio, cents(piece * ratio)) for piece, ratio in _slices(held.settled_base, base, bands)
    ]
    fund = sum((paid for _, _, paid in pieces), NOTHING)
    unpaid_base = NOTHING
    if benefit.annual_cap is not None:
        room = max(benefit.annual_cap - held.fund_paid, NOTHING)
        if fund > room:
            # The cap falls inside one band: the base beyond it is what the basic fund leaves unpaid.
            left = room
            covered = NOTHING
            for piece, ratio, paid in pieces:
                if paid <= left:
                    covered += piece
                    left -= paid
                else:
                    covered += min(piece, cents(left / ratio)) if ratio else NOTHING
                    break
            unpaid_base = base - covered
            fund = room
    out.hifp_pay = fund
    own_share = out.inscp_scp_amt - fund
    for layer in benefit.layers:
        pool = unpaid_base if layer.base == "over_cap" else max(own_share, NOTHING)
        dedc_left = max(layer.deductible - held.layer_deductible.get(layer.code, NOTHING), NOTHING)
        dedc = min(pool, dedc_left)
        pay = cents((pool - dedc) * layer.ratio)
        if layer.cap is not None:
            pay = min(pay, max(layer.cap - held.layer_paid.get(layer.code, NOTHING), NOTHING))
        if layer.base == "over_cap":
            unpaid_base -= min(unpaid_base, dedc + pay)
        own_share -= pay
        out.layer_dedc[layer.code] = dedc
        out.layer_fields[layer.field] = out.layer_fields.get(layer.field, NOTHING) + pay
        if layer.field == "hosp_part_amt":
            out.hosp_part_amt += pay
        else:
            out.layer_pay[layer.code] = out.layer_pay.get(layer.code, NOTHING) + pay
    out.fund_pay_sumamt = out.hifp_pay + sum(out.layer_pay.values(), NOTHING)
    out.psn_part_amt = out.medfee_sumamt - out.fund_pay_sumamt - out.hosp_part_amt
    if use_account and account_balance is not None and account_balance > 0:
        out.acct_pay = min(cents(account_balance), out.psn_part_amt)
    out.psn_cash_pay = out.psn_part_amt - out.acct_pay
    return out
