"""Reads for settlement: the policy version in force for a person and a date (SET-3, REM-7)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

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
    from center.models import CenterExchange

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


# --- settlement of a stay (issue 12) --------------------------------------------------------------


@dataclass
class StayFacts:
    """The plain inputs of one stay's settlement and the hospital's own result."""

    result: rules.SettlementResult
    policy: rules.Policy
    version: PolicyParameter
    registration: Any
    insutype: str
    psn_type: str
    period_start: datetime.date
    accumulators: rules.Accumulators
    lines: list[rules.FeeLine]


def stay_fee_lines(
    stay, *, covers_to: datetime.date, insutype: str = "", psn_type: str = ""
) -> list[rules.FeeLine]:
    """The stay's unsettled lines as engine lines, with the terms stored on each line at entry
    (flow.engine_lines); lines kept out of the upload (unmapped, FEE-1) are the patient's outside the
    center's settlement and are left out here as they are of the declared total."""
    from fees.models import FeeLine
    from settlement import flow
    from settlement.models import Settlement

    settled_to = (
        Settlement.objects.filter(stay=stay, is_final=False, status=Settlement.Status.SETTLED)
        .order_by("-covers_to")
        .values_list("covers_to", flat=True)
        .first()
    )
    rows = FeeLine.objects.filter(stay=stay, charged_on__lte=covers_to).exclude(
        upload_status=FeeLine.UploadStatus.NOT_SENT
    )
    if settled_to:
        rows = rows.filter(charged_on__gt=settled_to)
    return flow.engine_lines(rows.order_by("id"))


def stay_charges_total(stay) -> Decimal:
    """Everything charged to the stay (refund lines are negative), to the cent."""
    from django.db.models import Sum

    from fees.models import FeeLine

    return rules.money(FeeLine.objects.filter(stay=stay).aggregate(total=Sum("amount"))["total"] or 0)


def person_accumulators(
    person, insutype: str, version: PolicyParameter, day: datetime.date
) -> tuple[datetime.date, rules.Accumulators]:
    """The settlement year holding `day` and the person's figures in it (the hospital's copy); a
    deductible paid per settlement starts from zero each time (SET-3)."""
    from settlement.models import Accumulator, DeductiblePeriod

    period_start = settlement_year_start(version, day)
    row = Accumulator.objects.filter(person=person, insutype=insutype, period_start=period_start).first()
    deductible_used = row.deductible_used if row else rules.ZERO
    if version.deductible_period == DeductiblePeriod.PER_SETTLEMENT:
        deductible_used = rules.ZERO
    return period_start, rules.Accumulators(deductible_used, row.fund_paid if row else rules.ZERO)


def stay_settlement_facts(
    stay, *, use_personal_account: bool = True, on_date: datetime.date | None = None
) -> StayFacts:
    from admission.selectors import active_registration, fund_recognition
    from insured.selectors import basic_enrollment

    registration = active_registration(stay)
    enrollment = (registration.enrollment if registration else None) or basic_enrollment(stay.person)
    insutype = registration.insutype if registration else enrollment.insutype.code
    day = on_date or (
        timezone.localtime(stay.discharged_at).date() if stay.discharged_at else timezone.localdate()
    )
    version = policy_version_as_of(
        insured_region=stay.person.insuplc_admdvs,
        insurance_type=insutype,
        med_type=stay.med_type,
        hospital_tier=settings.HOSPITAL["TIER"],
        on_date=day,
    )
    policy = as_rule_policy(version)
    period_start, accumulators = person_accumulators(stay.person, insutype, version, day)
    if stay.kind == "transfer_in" and stay.transfer_in_deductible_paid is not None:
        policy, accumulators = rules.transfer_deductible(
            policy, accumulators, stay.transfer_in_deductible_paid
        )
    lines = stay_fee_lines(stay, covers_to=day, insutype=insutype, psn_type=enrollment.psn_type.code)
    if not fund_recognition(stay, day).recognised:
        lines = [
            rules.FeeLine(
                line.insurance_class, quantity=line.quantity, unit_price=line.unit_price, not_payable=True
            )
            for line in lines
        ]
    balance = enrollment.balance if insutype != "390" else None
    result = rules.settle(
        lines,
        policy,
        accumulators,
        personal_account_balance=balance,
        use_personal_account=use_personal_account,
    )
    return StayFacts(
        result=result,
        policy=policy,
        version=version,
        registration=registration,
        insutype=insutype,
        psn_type=enrollment.psn_type.code,
        period_start=period_start,
        accumulators=accumulators,
        lines=lines,
    )


def visit_settlement_facts(visit, *, use_personal_account: bool = True) -> StayFacts:
    """The hospital's own calculation of the visit (policy by insured region, scheme and care type)."""
    from insured.selectors import basic_enrollment

    version = policy_version_as_of(
        insured_region=visit.person.insuplc_admdvs,
        insurance_type=visit.insutype,
        med_type=visit.med_type,
        hospital_tier=settings.HOSPITAL["TIER"],
        on_date=visit.visit_date,
    )
    policy = as_rule_policy(version)
    period_start, accumulators = person_accumulators(visit.person, visit.insutype, version, visit.visit_date)
    from fees.models import FeeLine
    from settlement import flow

    lines = flow.engine_lines(
        visit.charges.exclude(upload_status=FeeLine.UploadStatus.NOT_SENT).order_by("id")
    )
    enrollment = basic_enrollment(visit.person, required=False)
    balance = enrollment.balance if enrollment and visit.insutype != "390" else None
    result = rules.settle(
        lines,
        policy,
        accumulators,
        personal_account_balance=balance,
        use_personal_account=use_personal_account,
    )
    return StayFacts(
        result=result,
        policy=policy,
        version=version,
        registration=None,
        insutype=visit.insutype,
        psn_type=enrollment.psn_type.code if enrollment else "",
        period_start=period_start,
        accumulators=accumulators,
        lines=lines,
    )


def fund_type_name(code: str) -> str:
    """The payer's name from the fund-type code table; a regional sub-code (310201) takes its parent's
    name (310200) and says so; an unknown code is shown as a code."""
    from settlement.models import FundPayType

    names = dict(FundPayType.objects.filter(code__in=[code, code[:5] + "0"]).values_list("code", "name"))
    if code in names:
        return names[code]
    if code[:5] + "0" in names:
        return f"{names[code[:5] + '0']}（{code}）"
    return f"基金支付类型 {code}"


def result_as_json(result: rules.SettlementResult, policy: rules.Policy) -> dict[str, Any]:
    return {
        **{field: str(getattr(result, field)) for field in rules.SettlementResult.MONEY_FIELDS},
        "fund_ratio": str(result.fund_ratio),
        "policy": policy.source,
        "trace": [
            {"rule": step.rule, "field": step.field, "amount": str(step.amount), "note": step.note}
            for step in result.trace
        ],
    }
