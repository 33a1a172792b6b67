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
    person_type: str = "",
) -> PolicyParameter:
    """SET-3: the version valid on `on_date`; the narrowest region wins, then the person's own type over
    'every type' (issue 18), then an exact tier over 'any tier', then the latest start.

    Without a tier certificate (`hospital_tier` None) the version's `tier_when_unknown` applies (SET-4).
    """
    care_type = care_type_for_med_type(med_type)
    base = PolicyParameter.objects.filter(
        PolicyParameter.valid_on_filter(on_date), insurance_type=insurance_type, care_type=care_type
    ).prefetch_related("bands", "layers__bands")
    for region in region_candidates(insured_region):
        versions = list(base.filter(insured_region=region))
        if not versions:
            continue
        tier = hospital_tier
        if tier is None:
            tier = versions[0].tier_when_unknown
        ranked = []
        for version in versions:
            if person_type and version.person_type == person_type:
                by_type = 0
            elif version.person_type == "":
                by_type = 1
            else:
                continue
            if version.hospital_tier == tier:
                by_tier = 0
            elif version.hospital_tier is None:
                by_tier = 1
            else:
                continue
            ranked.append(((by_type, by_tier), version))
        if ranked:
            best = min(rank for rank, _ in ranked)
            return max((v for rank, v in ranked if rank == best), key=lambda v: v.effective_from)
    raise DomainError(
        f"未找到参保地 {insured_region}、险种 {insurance_type}、{CareType(care_type).label}"
        f"在 {on_date:%Y-%m-%d} 有效的结算政策参数。",
        code="policy_not_found",
        rule="SET-3",
    )


def policy_person_type(person, enrollment, day: datetime.date) -> str:
    """The person type the policy is chosen by, on the service date (issue 18): the enrollment's type,
    except that a 390 resident is a child (42) before the 18th birthday and an adult (41) from it."""
    code = enrollment.psn_type.code if enrollment is not None else ""
    if enrollment is not None and enrollment.insutype.code == "390" and code in ("41", "42"):
        return "42" if person.age_on(day) < 18 else "41"
    return code


def layer_eligibility(person, day: datetime.date) -> set[str]:
    """Which fund layers the person may draw on, on `day`: 大额 with a 330 enrollment, 公务员补助 with 320,
    医疗救助 within a recorded eligibility."""
    from settlement.models import FundLayer, MedicalAssistanceEligibility

    eligible = {FundLayer.Eligibility.EVERYONE.value}
    codes = set(
        person.enrollments.filter(status="active", start_date__lte=day).values_list(
            "insutype__code", flat=True
        )
    )
    if "330" in codes:
        eligible.add(FundLayer.Eligibility.ENROLLED_330.value)
    if "320" in codes:
        eligible.add(FundLayer.Eligibility.ENROLLED_320.value)
    if MedicalAssistanceEligibility.objects.filter(
        MedicalAssistanceEligibility.valid_on_filter(day), person=person
    ).exists():
        eligible.add(FundLayer.Eligibility.ASSISTANCE.value)
    return eligible


def as_rule_policy(version: PolicyParameter, eligible: set[str] | None = None) -> rules.Policy:
    from settlement.models import FundLayer

    eligible = eligible if eligible is not None else {FundLayer.Eligibility.EVERYONE.value}
    layers = tuple(
        rules.FundLayer(
            code=layer.fund_pay_type,
            base=rules.LayerBase(layer.base),
            bands=tuple(rules.RatioBand(b.lower, b.upper, b.fund_ratio) for b in layer.bands.all()),
            deductible=layer.deductible,
            annual_cap=layer.annual_cap,
            center_field=FundLayer.CENTER_FIELDS[layer.kind],
            name=layer.get_kind_display(),
            hospital=layer.kind == FundLayer.Kind.HOSPITAL,
        )
        for layer in version.layers.all()
        if layer.eligibility in eligible
    )
    return rules.Policy(
        deductible=version.deductible,
        fund_ratio=version.fund_ratio,
        annual_cap=version.annual_cap,
        default_b_self_pay_ratio=version.default_b_self_pay_ratio,
        bands=tuple(rules.RatioBand(b.lower, b.upper, b.fund_ratio) for b in version.bands.all()),
        referred_extra_share=version.referred_extra_share,
        unreferred_tier23_extra_share=version.unreferred_tier23_extra_share,
        referral_first_self_pay_ratio=version.referral_first_self_pay_ratio,
        fund_pay_type=version.basic_fund_pay_type,
        layers=layers,
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
            person_type=lookup.get("person_type") or "",
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
    counter: str = ""
    policy_day: datetime.date | None = None

    @property
    def counts_year_deductible(self) -> bool:
        """Only a per-year deductible goes into the year counter (the others are counted from the
        stay's or the period's own settlements)."""
        from settlement.models import DeductiblePeriod

        return self.version.deductible_period == DeductiblePeriod.PER_YEAR


def stay_fee_lines(
    stay, *, covers_to: datetime.date, insutype: str = "", psn_type: str = ""
) -> list[rules.FeeLine]:
    """The stay's unsettled lines as engine lines, with the terms stored on each line at entry
    (flow.engine_lines: the catalog as of the line's date, never the settlement day's); lines kept out
    of the upload (unmapped, FEE-1) are the patient's outside the center's settlement and are left out
    here as they are of the declared total."""
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


def _active_settlements():
    from settlement.models import Settlement

    return Settlement.objects.filter(
        status=Settlement.Status.SETTLED, mode=Settlement.Mode.CENTER, reversal_of__isnull=True
    )


def _stay_dates(stay) -> tuple[datetime.date, datetime.date | None]:
    admitted = timezone.localtime(stay.admitted_at).date()
    discharged = timezone.localtime(stay.discharged_at).date() if stay.discharged_at else None
    return admitted, discharged


def same_hospitalisation(stay) -> set[int]:
    """The stays settled as one hospitalisation with this one: a split admission the office confirmed
    (ADM-8, StayReview.related_stay) joins the earlier stay, as far back as the chain goes."""
    from admission.models import StayReview

    ids = {stay.pk}
    frontier = {stay.pk}
    while frontier:
        linked = set(
            StayReview.objects.filter(
                kind=StayReview.Kind.SPLIT_ADMISSION,
                status=StayReview.Status.CONFIRMED,
                stay_id__in=frontier,
                related_stay__isnull=False,
            ).values_list("related_stay_id", flat=True)
        )
        frontier = linked - ids
        ids |= linked
    return ids


def benefit_period_start(person, insutype: str, admitted: datetime.date, days: int, exclude_stay_id=None):
    """The benefit period (待遇享受期) holding an admission on `admitted`: periods of `days` days, each
    opened by the first settled admission after the previous one ended."""
    stays = (
        _active_settlements()
        .filter(person=person, insutype=insutype, stay__isnull=False)
        .exclude(stay_id=exclude_stay_id)
        .values_list("stay__admitted_at", flat=True)
        .distinct()
    )
    opener = None
    for moment in sorted(timezone.localtime(m).date() for m in stays):
        if moment > admitted:
            break
        if opener is None or moment >= opener + datetime.timedelta(days=days):
            opener = moment
    if opener is not None and admitted < opener + datetime.timedelta(days=days):
        return opener
    return admitted


def person_accumulators(
    person,
    insutype: str,
    version: PolicyParameter,
    day: datetime.date,
    *,
    stay=None,
) -> tuple[datetime.date, rules.Accumulators, Decimal]:
    """(settlement-year start, what counts against this settlement, the deductible standard).

    The counter is the person's for the insurance type, the policy's counter care type and the year
    holding `day`; the deductible already paid depends on the policy's period (issue 18): the year's
    counter, nothing (per settlement), the stay's own earlier settlements (per hospitalisation; a
    later admission in the year pays the reduced standard where the policy has one) or the benefit
    period's settlements. Ratio bands continue over the stay's earlier mid-stay settlements."""
    from django.db.models import F, Sum

    from settlement.models import Accumulator, DeductiblePeriod

    period_start = settlement_year_start(version, day)
    row = Accumulator.objects.filter(
        person=person, insutype=insutype, care_type=version.counter, period_start=period_start
    ).first()
    layers = row.layers if row else {}
    standard = version.deductible
    period = version.deductible_period
    deductible_used = rules.ZERO
    base_before = rules.ZERO
    if stay is not None:
        one_stay = same_hospitalisation(stay)
        earlier = _active_settlements().filter(stay_id__in=one_stay)
        sums = earlier.aggregate(d=Sum("deductible_paid"), b=Sum(F("in_scope") - F("deductible_paid")))
        base_before = rules.money(sums["b"] or 0)
    if period == DeductiblePeriod.PER_YEAR:
        deductible_used = row.deductible_used if row else rules.ZERO
    elif period == DeductiblePeriod.PER_HOSPITALISATION and stay is not None:
        deductible_used = rules.money(sums["d"] or 0)
        if version.later_admission_deductible is not None:
            earlier_stays = (
                _active_settlements()
                .filter(person=person, insutype=insutype, stay__isnull=False, is_final=True)
                .exclude(stay_id__in=one_stay)
                .filter(
                    stay__discharged_at__date__gte=period_start,
                    stay__discharged_at__date__lte=_stay_dates(stay)[0],
                )
            )
            if earlier_stays.exists():
                standard = version.later_admission_deductible
    elif period == DeductiblePeriod.PER_BENEFIT_PERIOD and stay is not None:
        admitted, _ = _stay_dates(stay)
        opener = benefit_period_start(person, insutype, admitted, version.benefit_period_days, stay.pk)
        in_period = _active_settlements().filter(
            person=person,
            insutype=insutype,
            stay__isnull=False,
            stay__admitted_at__date__gte=opener,
            stay__admitted_at__date__lte=admitted,
        )
        deductible_used = rules.money(in_period.aggregate(d=Sum("deductible_paid"))["d"] or 0)
    accumulators = rules.Accumulators(
        deductible_used=deductible_used,
        fund_paid_ytd=row.fund_paid if row else rules.ZERO,
        layer_paid_ytd=tuple((code, Decimal(v.get("paid", "0"))) for code, v in sorted(layers.items())),
        layer_deductible_used=tuple(
            (code, Decimal(v.get("deductible", "0"))) for code, v in sorted(layers.items())
        ),
        base_before=base_before,
    )
    return period_start, accumulators, standard


def stay_settlement_facts(
    stay, *, use_personal_account: bool = True, on_date: datetime.date | None = None
) -> StayFacts:
    """The hospital's calculation of the stay's next settlement, covering its lines up to `on_date`.
    Policy, person type, year and counters are those of the discharge date (issue 18 item 5); a
    mid-stay settlement of a stay still open uses its cut-off day."""
    from admission.selectors import active_registration, fund_recognition
    from insured.selectors import basic_enrollment
    from settlement.models import TransferDeductible

    registration = active_registration(stay)
    enrollment = (registration.enrollment if registration else None) or basic_enrollment(stay.person)
    insutype = registration.insutype if registration else enrollment.insutype.code
    _, discharged = _stay_dates(stay)
    covers_to = on_date or discharged or timezone.localdate()
    day = discharged or covers_to
    person_type = policy_person_type(stay.person, enrollment, day)
    version = policy_version_as_of(
        insured_region=stay.person.insuplc_admdvs,
        insurance_type=insutype,
        med_type=stay.med_type,
        hospital_tier=settings.HOSPITAL["TIER"],
        on_date=day,
        person_type=person_type,
    )
    policy = as_rule_policy(version, layer_eligibility(stay.person, day))
    period_start, accumulators, standard = person_accumulators(stay.person, insutype, version, day, stay=stay)
    policy = replace(policy, deductible=standard)
    transfer = TransferDeductible.objects.filter(stay=stay).first()
    if transfer is not None:
        policy, accumulators = rules.transfer_deductible(
            policy, accumulators, transfer.first_paid, transfer.first_standard
        )
    elif stay.kind == "transfer_in" and stay.transfer_in_deductible_paid is not None:
        policy, accumulators = rules.transfer_deductible(
            policy, accumulators, stay.transfer_in_deductible_paid
        )
    lines = stay_fee_lines(stay, covers_to=covers_to, insutype=insutype, psn_type=enrollment.psn_type.code)
    if not fund_recognition(stay, covers_to).recognised:
        lines = [
            rules.FeeLine(
                line.insurance_class, quantity=line.quantity, unit_price=line.unit_price, not_payable=True
            )
            for line in lines
        ]
    balance = enrollment.balance if enrollment.insutype.has_personal_account else None
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
        psn_type=person_type,
        period_start=period_start,
        accumulators=accumulators,
        lines=lines,
        counter=version.counter,
        policy_day=day,
    )


def visit_settlement_facts(visit, *, use_personal_account: bool = True) -> StayFacts:
    """The hospital's own calculation of the visit (policy by insured region, scheme, person type on the
    visit date and care type; the counter the policy names)."""
    from insured.selectors import basic_enrollment

    enrollment = basic_enrollment(visit.person, required=False)
    person_type = policy_person_type(visit.person, enrollment, visit.visit_date)
    version = policy_version_as_of(
        insured_region=visit.person.insuplc_admdvs,
        insurance_type=visit.insutype,
        med_type=visit.med_type,
        hospital_tier=settings.HOSPITAL["TIER"],
        on_date=visit.visit_date,
        person_type=person_type,
    )
    policy = as_rule_policy(version, layer_eligibility(visit.person, visit.visit_date))
    period_start, accumulators, standard = person_accumulators(
        visit.person, visit.insutype, version, visit.visit_date
    )
    policy = replace(policy, deductible=standard)
    from fees.models import FeeLine
    from settlement import flow

    lines = flow.engine_lines(
        visit.charges.exclude(upload_status=FeeLine.UploadStatus.NOT_SENT).order_by("id")
    )
    has_account = enrollment is not None and enrollment.insutype.has_personal_account
    balance = enrollment.balance if has_account else None
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
        psn_type=person_type,
        period_start=period_start,
        accumulators=accumulators,
        lines=lines,
        counter=version.counter,
        policy_day=visit.visit_date,
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
        "fund_layers": {code: str(amount) for code, amount in result.fund_layers.items()},
        "layer_fields": {name: str(amount) for name, amount in result.center_fields.items()},
        "policy": policy.source,
        "trace": [
            {"rule": step.rule, "field": step.field, "amount": str(step.amount), "note": step.note}
            for step in result.trace
        ],
    }


def policy_in_force(
    *, insured_region: str, insurance_type: str, person_type: str, on_date: datetime.date
) -> list[dict[str, Any]]:
    """The policy in force for a region, insurance type, person type and date, per care type, as the
    settlement would choose it (this hospital's tier): the basic fund and every further layer."""
    from settlement.models import DeductiblePeriod, FundLayer, FundPayType

    names = dict(FundPayType.objects.values_list("code", "name"))
    rows = []
    for care_type in CareType:
        try:
            version = policy_version_as_of(
                insured_region=insured_region,
                insurance_type=insurance_type,
                med_type=care_type.value,
                hospital_tier=settings.HOSPITAL["TIER"],
                on_date=on_date,
                person_type=person_type,
            )
        except DomainError as error:
            rows.append({"care_type": care_type.label, "missing": error.message})
            continue
        bands = [
            {"range": f"{b.lower}–{b.upper if b.upper is not None else '以上'}", "ratio": b.fund_ratio}
            for b in version.bands.all()
        ]
        layers = [
            {
                "kind": layer.get_kind_display(),
                "code": layer.fund_pay_type,
                "name": names.get(layer.fund_pay_type, f"基金支付类型 {layer.fund_pay_type}"),
                "base": layer.get_base_display(),
                "eligibility": layer.get_eligibility_display(),
                "deductible": layer.deductible,
                "bands": [
                    f"{b.lower}–{b.upper if b.upper is not None else '以上'}：{b.fund_ratio:.0%}"
                    for b in layer.bands.all()
                ],
                "cap": layer.annual_cap,
                "hospital": layer.kind == FundLayer.Kind.HOSPITAL,
            }
            for layer in version.layers.all()
        ]
        code = version.basic_fund_pay_type
        rows.append(
            {
                "care_type": care_type.label,
                "version": version,
                "who": version.get_person_type_display() if version.person_type else "各类人员通用",
                "tier": f"{version.hospital_tier} 级" if version.hospital_tier else "各等级通用",
                "deductible": version.deductible,
                "period": version.get_deductible_period_display(),
                "later": version.later_admission_deductible,
                "benefit_days": version.benefit_period_days
                if version.deductible_period == DeductiblePeriod.PER_BENEFIT_PERIOD
                else None,
                "year_start": f"{version.year_start_month} 月 {version.year_start_day} 日",
                "counter": CareType(version.counter).label,
                "ratio": version.fund_ratio,
                "bands": bands,
                "cap": version.annual_cap,
                "fund": f"{code} {names.get(code, '')}".strip(),
                "layers": layers,
            }
        )
    return rows
