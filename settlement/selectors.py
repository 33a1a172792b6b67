"""Reads for settlement: the policy version in force for a person and a date (SET-3, REM-7)."""

from __future__ import annotations

import datetime
from dataclasses import replace
from typing import Any

from core.errors import DomainError
from settlement import rules
from settlement.models import CareType, PolicyParameter


def care_type_for_med_type(med_type: str) -> str:
    try:
        return rules.care_type_for_med_type(med_type)
    except KeyError as exc:
        raise DomainError(f"未知的医疗类别：{med_type}", code="unknown_med_type", rule="SET-3") from exc


def region_candidates(region: str) -> list[str]:
    """The region itself, then its city (xxxx00), then its province (xx0000)."""
    candidates = [region, region[:4] + "00", region[:2] + "0000"]
    return list(dict.fromkeys(candidates))


def policy_version_as_of(
    *,
    insured_region: str,
    insurance_type: str,
    med_type: str,
    hospital_tier: int | None,
    on_date: datetime.date,
) -> PolicyParameter:
    """SET-3: the version valid on `on_date`; the narrowest region wins, then an exact tier over 'any tier'.

    Without a tier certificate (`hospital_tier` None) the version's `tier_when_unknown` applies (SET-4).
    """
    care_type = care_type_for_med_type(med_type)
    base = PolicyParameter.objects.filter(
        PolicyParameter.valid_on_filter(on_date), insurance_type=insurance_type, care_type=care_type
    ).prefetch_related("bands")
    for region in region_candidates(insured_region):
        versions = list(base.filter(insured_region=region))
        if not versions:
            continue
        tier = hospital_tier
        if tier is None:
            tier = versions[0].tier_when_unknown
        exact = [v for v in versions if v.hospital_tier == tier]
        generic = [v for v in versions if v.hospital_tier is None]
        chosen = exact or generic
        if chosen:
            return max(chosen, key=lambda v: v.effective_from)
    raise DomainError(
        f"未找到参保地 {insured_region}、险种 {insurance_type}、{CareType(care_type).label}"
        f"在 {on_date:%Y-%m-%d} 有效的结算政策参数。",
        code="policy_not_found",
        rule="SET-3",
    )


def as_rule_policy(version: PolicyParameter) -> rules.Policy:
    return rules.Policy(
        deductible=version.deductible,
        fund_ratio=version.fund_ratio,
        annual_cap=version.annual_cap,
        default_b_self_pay_ratio=version.default_b_self_pay_ratio,
        bands=tuple(rules.RatioBand(b.lower, b.upper, b.fund_ratio) for b in version.bands.all()),
        referred_extra_share=version.referred_extra_share,
        unreferred_tier23_extra_share=version.unreferred_tier23_extra_share,
        referral_first_self_pay_ratio=version.referral_first_self_pay_ratio,
        source=f"policy:{version.pk} {version.name} 自 {version.effective_from}",
    )


def settlement_year_start(version: PolicyParameter, on_date: datetime.date) -> datetime.date:
    """SET-4: the settlement year may start on another day than 1 Jan (Hangzhou children: 1 Sep)."""
    start = datetime.date(on_date.year, version.year_start_month, version.year_start_day)
    return start if start <= on_date else start.replace(year=on_date.year - 1)


def center_health() -> dict:
    """The last exchange with the insurance center (the sync issue adds the last sync here)."""
    from settlement.models import CenterExchange

    last = CenterExchange.objects.order_by("-started_at").first()
    if last is None:
        return {"ok": True, "last_exchange": None}
    return {
        "ok": last.status == CenterExchange.Status.OK or last.status == CenterExchange.Status.REJECTED,
        "last_exchange": {"infno": last.infno, "status": last.status, "at": last.started_at.isoformat()},
    }


def calculate(data: dict[str, Any]) -> tuple[rules.SettlementResult, rules.Policy]:
    """The calculator (saves nothing): validated calculator input -> every part of the settlement.

    `data` has the shape of CalculatorRequestSerializer's validated data (API and page alike).
    """
    if "policy" in data:
        given = data["policy"]
        policy = rules.Policy(
            deductible=given["deductible"],
            fund_ratio=given["fund_ratio"],
            annual_cap=given.get("annual_cap"),
            source="手工输入的参数",
        )
        if given.get("default_b_self_pay_ratio") is not None:
            policy = replace(policy, default_b_self_pay_ratio=given["default_b_self_pay_ratio"])
        accumulators = rules.Accumulators(given.get("deductible_used") or 0, given.get("fund_paid_ytd") or 0)
    else:
        lookup = data["policy_lookup"]
        version = policy_version_as_of(
            insured_region=lookup["insured_region"],
            insurance_type=lookup["insurance_type"],
            med_type=lookup["med_type"],
            hospital_tier=lookup.get("hospital_tier"),
            on_date=lookup["date"],
        )
        policy = as_rule_policy(version)
        accumulators = rules.Accumulators(
            lookup.get("deductible_used") or 0, lookup.get("fund_paid_ytd") or 0
        )
    lines = [
        rules.FeeLine(
            insurance_class=rules.InsuranceClass(line["insurance_class"]),
            amount=line.get("amount"),
            quantity=line.get("quantity"),
            unit_price=line.get("unit_price"),
            b_self_pay_ratio=line.get("b_self_pay_ratio"),
            price_cap=line.get("price_cap"),
        )
        for line in data["lines"]
    ]
    result = rules.settle(
        lines,
        policy,
        accumulators,
        referral=rules.Referral(data["referral"]) if data.get("referral") else None,
        personal_account_balance=data.get("personal_account_balance"),
        use_personal_account=data.get("acct_used_flag", True),
    )
    return result, policy
