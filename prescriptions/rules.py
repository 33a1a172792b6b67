"""Prescription checks as pure functions over plain data (RX-1..RX-8, FEE-1, FEE-6, INS-4).

`check_prescription` judges one prescription as the doctor writes it. Every number it uses comes
in with its arguments — the hospital's day-supply profile (RX-2/RX-3), the catalog item's limits,
the approval validity — so the same function serves the doctor's page, the API and, later, the
audit engine over saved prescriptions.

Levels: "block" means the prescription cannot be saved as insured as written; "warn" means it can,
but the doctor and patient must know (an item becomes self-pay, a link is missing).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum


class RuleId(StrEnum):
    RX_1 = "RX-1"
    RX_2 = "RX-2"
    RX_3 = "RX-3"
    RX_4 = "RX-4"
    RX_5 = "RX-5"
    RX_6 = "RX-6"
    RX_7 = "RX-7"
    RX_8 = "RX-8"
    FEE_1 = "FEE-1"
    FEE_4 = "FEE-4"
    FEE_6 = "FEE-6"
    SET_2 = "SET-2"
    INS_4 = "INS-4"
    CATALOG = "CAT-LIMIT"  # the catalog's own payment limits (max quantity/days, sex, age, tier)


class Level(StrEnum):
    BLOCK = "block"
    WARN = "warn"


class VisitType(StrEnum):
    OUTPATIENT = "outpatient"
    EMERGENCY = "emergency"
    INPATIENT = "inpatient"
    DISCHARGE = "discharge"


VISIT_TYPE_LABELS = {
    VisitType.OUTPATIENT: "门诊",
    VisitType.EMERGENCY: "急诊",
    VisitType.INPATIENT: "住院",
    VisitType.DISCHARGE: "出院带药",
}

# Takes per period (takes, days) for each frequency code; prn has no schedule, declared days rule.
FREQUENCY_SCHEDULE: dict[str, tuple[int, int] | None] = {
    "qd": (1, 1),
    "bid": (2, 1),
    "tid": (3, 1),
    "qid": (4, 1),
    "qn": (1, 1),
    "q8h": (3, 1),
    "q12h": (2, 1),
    "qw": (1, 7),
    "prn": None,
}
FREQUENCY_LABELS = {
    "qd": "每日一次",
    "bid": "每日两次",
    "tid": "每日三次",
    "qid": "每日四次",
    "qn": "每晚一次",
    "q8h": "每8小时一次",
    "q12h": "每12小时一次",
    "qw": "每周一次",
    "prn": "必要时",
}

DRUG_TYPES = frozenset({"western", "patent"})
HERBAL = "herbal"
TREATMENT_TYPES = frozenset({"service", "consumable", "facility"})
CATEGORY_LABELS = {"acute": "急性病", "general": "一般疾病", "chronic": "慢性病", "specified": "特定病种"}
# Dosage forms taken by mouth (RX-4 concerns oral drugs only).
ORAL_FORM_MARKERS = ("片", "胶囊", "颗粒", "丸", "口服", "散", "糖浆", "合剂", "混悬", "滴丸", "冲剂", "胶丸")


@dataclass(frozen=True)
class DaySupplyProfile:
    """RX-1/RX-2/RX-3 limits of one hospital: seed 000's by default, stricter ones (004) by choice."""

    code: str = "000"
    name: str = "默认（000）"
    acute_days: int = 7
    general_days: int = 7
    chronic_days: int = 15
    specified_days: int = 30
    discharge_days: int = 15
    max_drugs: int = 5
    discharge_uses_outpatient_limits: bool = False  # RX-3, seed 004: "出院带药……参照上述执行"

    def limit_for(self, category: str) -> int:
        return {
            "acute": self.acute_days,
            "general": self.general_days,
            "chronic": self.chronic_days,
            "specified": self.specified_days,
        }[category]


@dataclass(frozen=True)
class CatalogFacts:
    """What the rules need of one catalog item (drug_catalog.CatalogItem as plain data)."""

    code: str
    name: str
    item_type: str
    insurance_class: str
    pack_size: Decimal = Decimal(1)
    unit: str = "盒"
    min_unit: str = ""
    dosage_form: str = ""
    restricted: bool = False
    restriction_text: str = ""
    approval_required: bool = False
    approval_valid_days: int | None = None
    outpatient_self_pay: bool = False
    herbal_daily_dose_limit: Decimal | None = None
    single_herb_self_pay: bool = False
    max_quantity: Decimal | None = None
    max_days: int | None = None
    sex_limit: str = ""
    age_min: int | None = None
    age_max: int | None = None
    min_hospital_tier: int | None = None
    non_payable: bool = False
    mapped: bool = True  # FEE-1: a hospital item without an approved mapping is never fund-paid

    @property
    def is_drug(self) -> bool:
        return self.item_type in DRUG_TYPES

    @property
    def is_oral(self) -> bool:
        return self.is_drug and any(marker in self.dosage_form for marker in ORAL_FORM_MARKERS)

    @property
    def dose_unit(self) -> str:
        return self.min_unit or self.unit


@dataclass(frozen=True)
class ItemInput:
    """One line as written. `quantity` is in packs; `dose` in minimum units (herbs: grams) per take."""

    code: str
    quantity: Decimal
    dose: Decimal | None = None
    frequency: str = "qd"
    days: int | None = None
    self_pay: bool = False  # the doctor marks the line self-pay …
    consent: bool = False  # … with the patient's signed consent (FEE-4)
    indication_met: bool = False  # RX-5: the doctor states the restricted indication is met
    hospital_approved: bool = False  # RX-5: the hospital's approval of a restricted drug
    approved_on: datetime.date | None = None  # RX-6: the insurance office's approval date
    diagnosis_index: int | None = None  # RX-3: the diagnosis this drug treats


@dataclass(frozen=True)
class DiagnosisFact:
    code: str
    category: str  # acute | general | chronic | specified (diagnoses.rules.Rx2Category)
    disease: str = ""
    name: str = ""


@dataclass(frozen=True)
class PreviousSupply:
    """RX-4: an earlier inpatient supply of an oral drug and the day it is used up."""

    code: str
    name: str
    prescribed_on: datetime.date
    lasts_until: datetime.date  # exclusive: the day the next supply may start


@dataclass(frozen=True)
class PatientFacts:
    sex: str = ""  # "1" male, "2" female (GB/T 2261.1)
    age: int | None = None
    scope_restriction: str = ""  # INS-4: a non-empty message when this hospital is outside the scope


@dataclass(frozen=True)
class Violation:
    """`message` names the item and the rule (API, saved checks); `short` is the same finding for
    the item's own row; `fix_values` are the field values that apply `fix` in one click."""

    rule: str
    level: str
    item: int | None
    message: str
    fix: str = ""
    short: str = ""
    fix_values: dict[str, str] = field(default_factory=dict)


@dataclass
class ItemOutcome:
    index: int
    code: str
    name: str = ""
    days_supply: Decimal | None = None  # computed from quantity, pack, dose and frequency
    judged_days: Decimal | None = None  # the larger of computed and declared
    self_pay: bool = False
    self_pay_reasons: list[str] = field(default_factory=list)


@dataclass
class CheckResult:
    violations: list[Violation]
    items: list[ItemOutcome]

    @property
    def ok(self) -> bool:
        return not any(v.level == Level.BLOCK for v in self.violations)


def days_supply(
    quantity: Decimal, pack_size: Decimal, dose: Decimal | None, frequency: str
) -> Decimal | None:
    """Days a supply lasts: quantity × pack size ÷ (dose × takes per day); None when unknowable
    (no dose, prn). E.g. 2 boxes × 24 tablets at 1 tablet tid = 48 ÷ 3 = 16 days."""
    schedule = FREQUENCY_SCHEDULE.get(frequency)
    if not dose or dose <= 0 or schedule is None:
        return None
    takes, per_days = schedule
    return quantity * pack_size * per_days / (dose * takes)


def units_for_days(days: int, dose: Decimal, frequency: str) -> Decimal | None:
    """Minimum units that `days` days of `dose` at `frequency` use (rounded down to whole units)."""
    schedule = FREQUENCY_SCHEDULE.get(frequency)
    if schedule is None:
        return None
    takes, per_days = schedule
    return (Decimal(days) * dose * takes / per_days).quantize(Decimal(1), rounding=ROUND_FLOOR)


def judged_days(computed: Decimal | None, declared: int | None) -> Decimal | None:
    """The larger of computed and declared days is judged: a declared 7 does not hide 16."""
    values = [d for d in (computed, Decimal(declared) if declared else None) if d is not None]
    return max(values) if values else None


def show_days(days: Decimal) -> str:
    """16 → "16", 6.6667 → "6.7"."""
    if days == days.to_integral_value():
        return str(int(days))
    return f"{days.quantize(Decimal('0.1'))}"


def _plain(value: Decimal) -> str:
    """2.00 → "2", 0.75 → "0.75"."""
    return f"{value.normalize():f}"


def supply_fix(facts: CatalogFacts, line: ItemInput, limit_days: int) -> tuple[str, dict[str, str]]:
    """RX-2/RX-3/catalog: the quantity *and* the days that bring a line within `limit_days`, named
    together so they agree — 1 tablet tid from boxes of 10 within 7 days: 21 tablets allowed, 2 boxes
    (20 tablets, 20 ÷ 3 = 6.7 → 7 days) → "改为 2 盒（20 片）、7 天". When one pack already lasts longer,
    the pack is split (拆零) to a quantity with two decimals: boxes of 24 → 18 tablets = 0.75 盒, 6 days."""
    if limit_days <= 0:
        return "删除该行（已达天数上限）", {}
    if not line.dose or FREQUENCY_SCHEDULE.get(line.frequency) is None:
        return f"天数改为 {limit_days} 天", {"days": str(limit_days)}  # judged by the declared days
    units = units_for_days(limit_days, line.dose, line.frequency)
    pack = facts.pack_size
    packs = (units / pack).to_integral_value(rounding=ROUND_FLOOR)
    split = packs < 1
    if split:  # the largest whole number of units that is a quantity with two decimals
        units = next((Decimal(u) for u in range(int(units), 0, -1) if (Decimal(u) * 100) % pack == 0), units)
        quantity = (units / pack).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)
    else:
        quantity = packs
        units = packs * pack
    if quantity <= 0:
        return f"单次剂量超过 {limit_days} 天量，请核对剂量", {}
    days = math.ceil(days_supply(quantity, pack, line.dose, line.frequency))
    if days > limit_days:
        days = limit_days
    contents = f"（{_plain(units)} {facts.dose_unit}）" if pack != 1 else ""
    text = f"{'拆零' if split else ''}改为 {_plain(quantity)} {facts.unit}{contents}、{days} 天"
    return text, {"quantity": _plain(quantity), "days": str(days)}


def reduce_fix(facts: CatalogFacts, line: ItemInput, limit_days: int) -> str:
    return supply_fix(facts, line, limit_days)[0]


def category_limit(diagnoses: Sequence[DiagnosisFact], profile: DaySupplyProfile) -> tuple[int, str]:
    """RX-2: the most generous category among `diagnoses` — a specified disease's 30 days only when
    that disease is on the prescription (000 §4 二.3)."""
    best = max(diagnoses, key=lambda d: profile.limit_for(d.category))
    label = CATEGORY_LABELS[best.category]
    if best.category == "specified" and best.disease:
        label = f"{label}（{best.disease}）"
    return profile.limit_for(best.category), label


def drug_limit(
    line: ItemInput, diagnoses: Sequence[DiagnosisFact], profile: DaySupplyProfile
) -> tuple[int, str, bool]:
    """RX-2: a drug is judged by the diagnosis it treats — a drug linked to an acute diagnosis keeps
    the acute limit although diabetes is also written. An unlinked drug gets the most generous
    diagnosis; the third value says the link is missing where it would matter."""
    if line.diagnosis_index is not None and 0 <= line.diagnosis_index < len(diagnoses):
        return (*category_limit([diagnoses[line.diagnosis_index]], profile), False)
    limit, label = category_limit(diagnoses, profile)
    ambiguous = len({profile.limit_for(d.category) for d in diagnoses}) > 1
    return limit, label, ambiguous


def approval_valid(approved_on: datetime.date | None, on_date: datetime.date, valid_days: int) -> bool:
    """RX-6: an approval is valid for `valid_days` days after the day it was given (5: 000 §4 二.5)."""
    if approved_on is None:
        return False
    age = (on_date - approved_on).days
    return 0 <= age <= valid_days


def self_pay_reasons(
    facts: CatalogFacts,
    line: ItemInput,
    *,
    visit_type: str,
    on_date: datetime.date,
    patient: PatientFacts,
    hospital_tier: int,
    default_approval_days: int,
) -> list[tuple[str, str]]:
    """Why the fund will not pay this line: (rule, Chinese reason) pairs. Empty → fund-payable."""
    reasons: list[tuple[str, str]] = []
    if not facts.mapped:
        reasons.append((RuleId.FEE_1, "院内项目未对照或对照未通过，只能全额自费"))
    if facts.non_payable:
        reasons.append((RuleId.FEE_6, "属基金不予支付范围"))
    if facts.insurance_class == "C":
        reasons.append((RuleId.SET_2, "丙类项目，全额自费"))
    if facts.restricted and not (line.indication_met and line.hospital_approved):
        missing = "未确认符合限定支付范围" if not line.indication_met else "未经医院审批"
        text = f"限定支付药品{missing}（{facts.restriction_text}）" if facts.restriction_text else missing
        reasons.append((RuleId.RX_5, text))
    if facts.approval_required:
        valid_days = facts.approval_valid_days or default_approval_days
        if not approval_valid(line.approved_on, on_date, valid_days):
            when = (
                f"审批日期 {line.approved_on:%Y-%m-%d} 已超过 {valid_days} 天"
                if line.approved_on
                else "无医保办审批"
            )
            reasons.append((RuleId.RX_6, f"须医保办审批且审批有效期不超过 {valid_days} 天：{when}"))
    if facts.outpatient_self_pay and visit_type in (VisitType.OUTPATIENT, VisitType.EMERGENCY):
        reasons.append((RuleId.RX_7, "营养类药品门诊一律自费"))
    if facts.sex_limit and patient.sex and facts.sex_limit != patient.sex:
        reasons.append((RuleId.CATALOG, "限" + ("男性" if facts.sex_limit == "1" else "女性") + "使用"))
    if patient.age is not None:
        if facts.age_min is not None and patient.age < facts.age_min:
            reasons.append((RuleId.CATALOG, f"限 {facts.age_min} 岁及以上使用（患者 {patient.age} 岁）"))
        if facts.age_max is not None and patient.age > facts.age_max:
            reasons.append((RuleId.CATALOG, f"限 {facts.age_max} 岁及以下使用（患者 {patient.age} 岁）"))
    if facts.min_hospital_tier is not None and hospital_tier < facts.min_hospital_tier:
        reasons.append((RuleId.CATALOG, f"限 {facts.min_hospital_tier} 级及以上医院使用"))
    return reasons


# Findings about insurance payment that a self-pay line with the patient's consent turns into a
# recorded warning (D9, FEE-4): the fund pays nothing for the line, so its limits do not apply.
SELF_PAY_EXCUSES = frozenset({RuleId.RX_2, RuleId.RX_3, RuleId.RX_4, RuleId.RX_8, RuleId.CATALOG})


def check_prescription(
    *,
    visit_type: str,
    on_date: datetime.date,
    diagnoses: Sequence[DiagnosisFact],
    lines: Sequence[ItemInput],
    catalog: dict[str, CatalogFacts],
    profile: DaySupplyProfile,
    patient: PatientFacts,
    hospital_tier: int,
    previous_supplies: Sequence[PreviousSupply] = (),
    default_approval_days: int = 5,
) -> CheckResult:
    """RX-1..RX-8, FEE-1, FEE-6, INS-4 and the catalog's limits over one prescription."""
    violations: list[Violation] = []
    outcomes: list[ItemOutcome] = []

    def add(
        rule: str,
        level: str,
        item: int | None,
        text: str,
        fix: str = "",
        fix_values: dict[str, str] | None = None,
        name: str = "",
    ) -> None:
        line = lines[item] if item is not None else None
        if level == Level.BLOCK and line and line.self_pay and line.consent and rule in SELF_PAY_EXCUSES:
            level, text, fix, fix_values = Level.WARN, f"{text}，按自费开具（已取得患者同意）", "", None
        message = f"{name}：{text}（{rule}）" if name else f"{text}（{rule}）"
        violations.append(Violation(str(rule), str(level), item, message, fix, text, fix_values or {}))

    if patient.scope_restriction and not all(line.self_pay and line.consent for line in lines):
        add(RuleId.INS_4, Level.BLOCK, None, patient.scope_restriction, "全部标记自费并取得患者同意")

    if not diagnoses:
        add(RuleId.RX_2, Level.BLOCK, None, "处方须注明诊断（规定病种须写明疾病名称）", "添加诊断")

    drug_codes = {line.code for line in lines if (f := catalog.get(line.code)) and f.is_drug}
    if len(drug_codes) > profile.max_drugs:
        add(
            RuleId.RX_1,
            Level.BLOCK,
            None,
            f"每张处方不得超过 {profile.max_drugs} 种药品，当前 {len(drug_codes)} 种",
            "西药、中成药可分别开具处方，或减少药品种数",
        )

    herbal_lines = [line for line in lines if (f := catalog.get(line.code)) and f.item_type == HERBAL]
    herbs_all_single_pay = bool(herbal_lines) and all(
        catalog[line.code].single_herb_self_pay for line in herbal_lines
    )
    outpatient = visit_type in (VisitType.OUTPATIENT, VisitType.EMERGENCY)
    discharged_days: dict[str, Decimal] = {}  # RX-3: days of each drug on the lines above

    seen: set[tuple[str, str]] = set()
    for index, line in enumerate(lines):
        facts = catalog.get(line.code)
        outcome = ItemOutcome(index=index, code=line.code)
        outcomes.append(outcome)
        if facts is None:
            add(RuleId.FEE_1, Level.BLOCK, index, f"目录中无编码 {line.code}，不能开具", "从目录检索选择项目")
            continue
        name = facts.name
        outcome.name = name
        if line.quantity is None or line.quantity <= 0:
            add(RuleId.FEE_1, Level.BLOCK, index, "数量须大于 0", "填写数量", name=name)
            continue
        if (line.code, line.frequency) in seen:
            add(RuleId.RX_1, Level.WARN, index, "本处方中重复开具", "合并为一行", name=name)
        seen.add((line.code, line.frequency))

        # Days supply (RX-2/RX-3/RX-4) for drugs; herbs are judged per day's dose (RX-8).
        if facts.is_drug:
            outcome.days_supply = days_supply(line.quantity, facts.pack_size, line.dose, line.frequency)
            outcome.judged_days = judged_days(outcome.days_supply, line.days)
            if outcome.judged_days is None:  # prn or no dose: only the declared days can be judged
                why = "按需使用" if line.frequency == "prn" else "未填单次剂量"
                add(
                    RuleId.RX_3 if visit_type == VisitType.DISCHARGE else RuleId.RX_2,
                    Level.BLOCK,
                    index,
                    f"{why}，须填写天数",
                    "填写天数",
                    name=name,
                )
        judged = outcome.judged_days

        if facts.is_drug and judged is not None:
            limit, label, unlinked = drug_limit(line, diagnoses, profile) if diagnoses else (None, "", False)
            if outpatient and limit is not None and judged > limit:
                add(
                    RuleId.RX_2,
                    Level.BLOCK,
                    index,
                    f"{show_days(judged)} 天量超过{label} {limit} 天",
                    *supply_fix(facts, line, limit),
                    name=name,
                )
            if outpatient and unlinked:
                add(
                    RuleId.RX_2,
                    Level.WARN,
                    index,
                    f"未关联诊断，按{label} {limit} 天判断",
                    "选择该药治疗的诊断",
                    name=name,
                )
            if visit_type == VisitType.DISCHARGE:
                if not (profile.discharge_uses_outpatient_limits and limit is not None):
                    limit, label = profile.discharge_days, ""
                before = discharged_days.get(facts.code, Decimal(0))
                total = before + judged
                discharged_days[facts.code] = total
                if total > limit:
                    shown = f"合计 {show_days(total)}" if before else show_days(judged)
                    left = int(limit - before) if before < limit else 0
                    add(
                        RuleId.RX_3,
                        Level.BLOCK,
                        index,
                        f"出院带药 {shown} 天量超过{label} {limit} 天",
                        *supply_fix(facts, line, left),
                        name=name,
                    )
        if facts.is_drug and judged is not None and facts.max_days is not None and judged > facts.max_days:
            add(
                RuleId.CATALOG,
                Level.BLOCK,
                index,
                f"{show_days(judged)} 天量超过目录限定 {facts.max_days} 天",
                *supply_fix(facts, line, facts.max_days),
                name=name,
            )
        if facts.max_quantity is not None and line.quantity > facts.max_quantity:
            add(
                RuleId.CATALOG,
                Level.BLOCK,
                index,
                f"数量 {_plain(line.quantity)} 超过目录限定 {_plain(facts.max_quantity)} {facts.unit}",
                f"改为 {_plain(facts.max_quantity)} {facts.unit}",
                {"quantity": _plain(facts.max_quantity)},
                name=name,
            )

        if visit_type == VisitType.DISCHARGE:
            if facts.item_type in TREATMENT_TYPES:
                add(RuleId.RX_3, Level.BLOCK, index, "治疗项目不属于出院带药范围", "删除该项目", name=name)
            elif line.diagnosis_index is None or not 0 <= line.diagnosis_index < len(diagnoses):
                add(
                    RuleId.RX_3,
                    Level.WARN,
                    index,
                    "出院带药须与病情相关，未关联诊断",
                    "选择该药治疗的诊断",
                    name=name,
                )

        if visit_type == VisitType.INPATIENT and facts.is_oral:
            for supply in previous_supplies:
                if supply.code == line.code and supply.lasts_until > on_date:
                    left = (supply.lasts_until - on_date).days
                    add(
                        RuleId.RX_4,
                        Level.BLOCK,
                        index,
                        f"{supply.prescribed_on:%m-%d} 所开药量可用至 {supply.lasts_until:%m-%d}，"
                        f"尚余 {left} 天，未用完不得再开（超量按超量处理）",
                        f"{supply.lasts_until:%Y-%m-%d} 起再开",
                        name=name,
                    )
                    break

        if facts.item_type == HERBAL:
            takes, per_days = FREQUENCY_SCHEDULE.get(line.frequency) or (1, 1)
            if facts.herbal_daily_dose_limit is not None and line.dose is not None:
                daily = line.dose * takes / per_days
                if daily > facts.herbal_daily_dose_limit:
                    most = facts.herbal_daily_dose_limit * per_days / takes
                    add(
                        RuleId.RX_8,
                        Level.BLOCK,
                        index,
                        f"日剂量 {_plain(daily)} 克超过目录限量 {_plain(facts.herbal_daily_dose_limit)} 克",
                        f"单次剂量改为 {_plain(most)} 克",
                        {"dose": _plain(most)},
                        name=name,
                    )

        reasons = self_pay_reasons(
            facts,
            line,
            visit_type=visit_type,
            on_date=on_date,
            patient=patient,
            hospital_tier=hospital_tier,
            default_approval_days=default_approval_days,
        )
        if facts.single_herb_self_pay and herbs_all_single_pay:
            kind = "单味使用" if len(herbal_lines) == 1 else "全部由单味不予支付饮片组成的复方（变相复方）"
            reasons.append((RuleId.RX_8, f"{kind}，基金不予支付"))
        outcome.self_pay_reasons = [f"{text}（{rule}）" for rule, text in reasons]
        outcome.self_pay = bool(reasons) or line.self_pay
        for rule, text in reasons:
            if line.self_pay and line.consent:
                add(rule, Level.WARN, index, f"{text}，按自费开具（已取得患者同意）", name=name)
            elif rule == RuleId.RX_5:
                add(rule, Level.BLOCK, index, text, "确认适应症并经医院审批，或标记自费", name=name)
            else:
                add(
                    rule,
                    Level.BLOCK,
                    index,
                    text,
                    "标记自费并取得患者签字同意",
                    {"self_pay": "on", "consent": "on"},
                    name=name,
                )
        if line.self_pay and not line.consent:
            add(
                RuleId.FEE_4,
                Level.BLOCK,
                index,
                "自费项目须患者签署自费协议书",
                "记录患者同意",
                {"consent": "on"},
                name=name,
            )
    return CheckResult(violations=violations, items=outcomes)


def supply_end(prescribed_on: datetime.date, days: Decimal | None) -> datetime.date | None:
    """RX-4: the day after a supply is used up (a 16.5-day supply lasts into day 17)."""
    if days is None:
        return None
    return prescribed_on + datetime.timedelta(days=math.ceil(days))
