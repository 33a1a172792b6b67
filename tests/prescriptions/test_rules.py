"""Prescription rules at their boundaries, with the regulations' numbers (seed 000 §4 二, seed 004)."""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal as D

import pytest

from prescriptions import rules
from prescriptions.rules import CatalogFacts, DaySupplyProfile, DiagnosisFact, ItemInput, PatientFacts

TODAY = datetime.date(2026, 11, 25)
DEFAULT = DaySupplyProfile()  # seed 000
COUNTY = DaySupplyProfile(code="004", name="道县", acute_days=3, general_days=7, chronic_days=15)

TABLET = CatalogFacts(
    code="T1", name="阿莫西林胶囊", item_type="western", insurance_class="A",
    pack_size=D(1), unit="粒", min_unit="粒", dosage_form="胶囊剂",
)  # fmt: skip
BOX24 = CatalogFacts(
    code="B24", name="头孢呋辛酯片", item_type="western", insurance_class="B",
    pack_size=D(24), unit="盒", min_unit="片", dosage_form="片剂",
)  # fmt: skip
ACUTE = DiagnosisFact("J06.9", "acute")
GENERAL = DiagnosisFact("K21.9", "general")
CHRONIC = DiagnosisFact("I10", "chronic")
SPECIFIED = {
    "肝炎": DiagnosisFact("B18.1", "specified", "肝炎"),
    "结核病": DiagnosisFact("A15.0", "specified", "结核病"),
    "精神病": DiagnosisFact("F20.0", "specified", "精神病"),
    "恶性肿瘤": DiagnosisFact("C34.9", "specified", "恶性肿瘤"),
    "糖尿病": DiagnosisFact("E11.900", "specified", "糖尿病"),
    "冠心病": DiagnosisFact("I25.1", "specified", "冠心病"),
}


def run(lines, *, catalog=None, diagnoses=(ACUTE,), visit="outpatient", profile=DEFAULT, patient=None, **kw):
    catalog = catalog or {TABLET.code: TABLET, BOX24.code: BOX24}
    return rules.check_prescription(
        visit_type=visit,
        on_date=kw.pop("on_date", TODAY),
        diagnoses=list(diagnoses),
        lines=lines,
        catalog=catalog,
        profile=profile,
        patient=patient or PatientFacts(sex="1", age=40),
        hospital_tier=kw.pop("tier", 3),
        **kw,
    )


def days_line(days: int, code: str = "T1") -> ItemInput:
    """`days` days of 1 unit once a day, packs of 1."""
    return ItemInput(code=code, quantity=D(days), dose=D(1), frequency="qd")


def rule_hits(result, rule, level=None):
    return [v for v in result.violations if v.rule == rule and (level is None or v.level == level)]


def test_days_supply_two_boxes_of_24_at_one_tid_is_16_days():
    """The issue's arithmetic: 2 × 24 ÷ (1 × 3) = 16."""
    assert rules.days_supply(D(2), D(24), D(1), "tid") == D(16)
    assert rules.days_supply(D(1), D(24), D(2), "bid") == D(6)
    assert rules.days_supply(D(1), D(4), D(1), "qw") == D(28)
    assert rules.days_supply(D(1), D(24), D(1), "prn") is None
    assert rules.days_supply(D(1), D(24), None, "tid") is None


def test_declared_days_cannot_hide_the_computed_supply():
    """The larger of computed and declared days is judged."""
    result = run([ItemInput(code="B24", quantity=D(2), dose=D(1), frequency="tid", days=7)])
    outcome = result.items[0]
    assert outcome.days_supply == D(16) and outcome.judged_days == D(16)
    [hit] = rule_hits(result, "RX-2", "block")
    assert "16 天量超过急性病 7 天" in hit.message
    assert hit.fix == "减至 7 天量：21 片（不足 1 盒，须拆零）"
    assert rules.judged_days(D(5), 9) == D(9)


@pytest.mark.parametrize(
    ("diagnosis", "profile", "allowed", "refused"),
    [
        (ACUTE, DEFAULT, 7, 8),
        (GENERAL, DEFAULT, 7, 8),
        (CHRONIC, DEFAULT, 15, 16),
        (ACUTE, COUNTY, 3, 4),
        (GENERAL, COUNTY, 7, 8),
        (CHRONIC, COUNTY, 15, 16),
        *[(d, DEFAULT, 30, 31) for d in SPECIFIED.values()],
    ],
    ids=lambda v: getattr(v, "code", getattr(v, "disease", None)) or str(v),
)
def test_rx2_day_supply_limits_at_the_boundary(diagnosis, profile, allowed, refused):
    """RX-2 (000 §4 二.3; 004 道县 acute 3): the limit passes, one day more is blocked."""
    assert run([days_line(allowed)], diagnoses=[diagnosis], profile=profile).ok
    over = run([days_line(refused)], diagnoses=[diagnosis], profile=profile)
    assert not over.ok
    assert rule_hits(over, "RX-2", "block")


def test_rx2_specified_disease_must_be_on_the_prescription():
    """30 days only with the disease written: the same 30-day supply under hypertension alone is blocked."""
    assert run([days_line(30)], diagnoses=[CHRONIC, SPECIFIED["糖尿病"]]).ok
    assert not run([days_line(30)], diagnoses=[CHRONIC]).ok


def test_rx2_no_diagnosis_blocks():
    result = run([days_line(3)], diagnoses=[])
    assert [v.rule for v in result.violations if v.level == "block"] == ["RX-2"]


@pytest.mark.parametrize(("count", "ok"), [(5, True), (6, False)])
def test_rx1_five_drugs_per_prescription(count, ok):
    """RX-1: at most 5 drugs; herbal pieces are not counted."""
    catalog = {
        f"D{n}": replace(TABLET, code=f"D{n}", name=f"药{n}", item_type="western" if n % 2 else "patent")
        for n in range(count)
    }
    herb = CatalogFacts(
        code="H1", name="黄芪", item_type="herbal", insurance_class="A", unit="g", min_unit="g"
    )
    catalog["H1"] = herb
    lines = [days_line(3, f"D{n}") for n in range(count)] + [ItemInput(code="H1", quantity=D(90), dose=D(30))]
    result = run(lines, catalog=catalog)
    assert result.ok is ok
    assert bool(rule_hits(result, "RX-1", "block")) is not ok


@pytest.mark.parametrize(("days", "ok"), [(15, True), (16, False)])
def test_rx3_discharge_medication_15_days(days, ok):
    line = replace(days_line(days), diagnosis_index=0)
    result = run([line], visit="discharge", diagnoses=[CHRONIC])
    assert result.ok is ok


def test_rx3_treatment_items_are_never_discharge_medication():
    service = CatalogFacts(code="S1", name="静脉输液", item_type="service", insurance_class="A", unit="次")
    result = run([ItemInput(code="S1", quantity=D(1))], catalog={"S1": service}, visit="discharge")
    assert rule_hits(result, "RX-3", "block")


def test_rx3_discharge_drug_without_related_diagnosis_is_warned():
    result = run([days_line(5)], visit="discharge")
    [hit] = rule_hits(result, "RX-3")
    assert hit.level == "warn" and "与病情相关" in hit.message


def test_rx4_inpatient_oral_drug_before_previous_supply_is_used_up():
    """RX-4 (004 第四条): the next supply only after the previous one is used up."""
    previous = rules.PreviousSupply(
        "T1", "阿莫西林胶囊", TODAY - datetime.timedelta(days=3), TODAY + datetime.timedelta(days=2)
    )
    blocked = run([days_line(3)], visit="inpatient", previous_supplies=[previous])
    [hit] = rule_hits(blocked, "RX-4", "block")
    assert "尚余 2 天" in hit.message
    used_up = replace(previous, lasts_until=TODAY)
    assert run([days_line(3)], visit="inpatient", previous_supplies=[used_up]).ok
    # Not oral: an injection is not re-supply-limited.
    injection = replace(TABLET, dosage_form="注射剂")
    assert run([days_line(3)], catalog={"T1": injection}, visit="inpatient", previous_supplies=[previous]).ok


def test_rx4_supply_end_rounds_partial_days_up():
    assert rules.supply_end(TODAY, D("16")) == TODAY + datetime.timedelta(days=16)
    assert rules.supply_end(TODAY, D("16.5")) == TODAY + datetime.timedelta(days=17)


RESTRICTED = replace(TABLET, code="R1", name="甘精胰岛素注射液", dosage_form="注射剂", restricted=True,
                     restriction_text="限胰岛素难以控制的糖尿病")  # fmt: skip


@pytest.mark.parametrize(
    ("indication", "approved", "self_pay", "consent", "ok", "fund"),
    [
        (True, True, False, False, True, True),  # within indication, approved → fund pays
        (False, True, False, False, False, False),  # outside indication → blocked until self-pay
        (True, False, False, False, False, False),  # no hospital approval
        (False, False, True, True, True, False),  # self-pay with consent → saved, warned
        (False, False, True, False, False, False),  # self-pay without consent (FEE-4)
    ],
)
def test_rx5_restricted_drug(indication, approved, self_pay, consent, ok, fund):
    line = ItemInput(code="R1", quantity=D(1), dose=D(1), frequency="qd", indication_met=indication,
                     hospital_approved=approved, self_pay=self_pay, consent=consent)  # fmt: skip
    result = run([line], catalog={"R1": RESTRICTED}, diagnoses=[SPECIFIED["糖尿病"]])
    assert result.ok is ok
    assert result.items[0].self_pay is (not fund)


ALBUMIN = replace(TABLET, code="P1", name="人血白蛋白", dosage_form="注射剂", approval_required=True)


@pytest.mark.parametrize(("age_days", "ok"), [(0, True), (5, True), (6, False)])
def test_rx6_protein_approval_valid_5_days(age_days, ok):
    """RX-6 (000 §4 二.5): approval valid ≤ 5 days."""
    line = ItemInput(
        code="P1", quantity=D(1), dose=D(1), approved_on=TODAY - datetime.timedelta(days=age_days)
    )
    result = run([line], catalog={"P1": ALBUMIN}, visit="inpatient")
    assert result.ok is ok
    if not ok:
        assert "已超过 5 天" in rule_hits(result, "RX-6")[0].message


def test_rx6_without_approval_blocks():
    result = run([ItemInput(code="P1", quantity=D(1), dose=D(1))], catalog={"P1": ALBUMIN}, visit="inpatient")
    assert "无医保办审批" in rule_hits(result, "RX-6", "block")[0].message


NUTRITION = replace(
    TABLET, code="N1", name="复方氨基酸注射液", dosage_form="注射剂", outpatient_self_pay=True
)


@pytest.mark.parametrize(
    ("visit", "self_pay"), [("outpatient", True), ("emergency", True), ("inpatient", False)]
)
def test_rx7_nutritional_drugs_self_paid_in_outpatient_care(visit, self_pay):
    result = run([ItemInput(code="N1", quantity=D(1), dose=D(1))], catalog={"N1": NUTRITION}, visit=visit)
    assert result.items[0].self_pay is self_pay
    assert bool(rule_hits(result, "RX-7")) is self_pay


HERB = CatalogFacts(code="H1", name="黄芪", item_type="herbal", insurance_class="A", unit="g", min_unit="g",
                    herbal_daily_dose_limit=D(30))  # fmt: skip
SINGLE = replace(HERB, code="H2", name="西洋参", herbal_daily_dose_limit=None, single_herb_self_pay=True)
SINGLE2 = replace(SINGLE, code="H3", name="红参")


@pytest.mark.parametrize(("dose", "ok"), [(D(30), True), (D("30.5"), False)])
def test_rx8_herbal_daily_dose_limit(dose, ok):
    result = run([ItemInput(code="H1", quantity=D(210), dose=dose)], catalog={"H1": HERB})
    assert result.ok is ok


def test_rx8_single_herb_self_paid_alone_or_as_disguised_compound():
    catalog = {"H1": HERB, "H2": SINGLE, "H3": SINGLE2}
    alone = run([ItemInput(code="H2", quantity=D(30), dose=D(10))], catalog=catalog)
    assert alone.items[0].self_pay and "单味使用" in alone.items[0].self_pay_reasons[0]
    disguised = run(
        [ItemInput(code="H2", quantity=D(30), dose=D(10)), ItemInput(code="H3", quantity=D(30), dose=D(10))],
        catalog=catalog,
    )
    assert all(o.self_pay for o in disguised.items)
    assert "变相复方" in disguised.items[0].self_pay_reasons[0]
    in_compound = run(
        [ItemInput(code="H1", quantity=D(30), dose=D(10)), ItemInput(code="H2", quantity=D(30), dose=D(10))],
        catalog=catalog,
    )
    assert not any(o.self_pay for o in in_compound.items) and in_compound.ok


@pytest.mark.parametrize(
    ("limits", "patient", "ok"),
    [
        ({"sex_limit": "2"}, PatientFacts(sex="2", age=30), True),
        ({"sex_limit": "2"}, PatientFacts(sex="1", age=30), False),
        ({"age_min": 18}, PatientFacts(sex="1", age=18), True),
        ({"age_min": 18}, PatientFacts(sex="1", age=17), False),
        ({"age_max": 14}, PatientFacts(sex="1", age=14), True),
        ({"age_max": 14}, PatientFacts(sex="1", age=15), False),
    ],
)
def test_catalog_sex_and_age_limits(limits, patient, ok):
    catalog = {"T1": replace(TABLET, **limits)}
    assert run([days_line(3)], catalog=catalog, patient=patient).ok is ok


@pytest.mark.parametrize(("tier", "ok"), [(3, True), (2, False)])
def test_catalog_hospital_tier_limit(tier, ok):
    catalog = {"T1": replace(TABLET, min_hospital_tier=3)}
    assert run([days_line(3)], catalog=catalog, tier=tier).ok is ok


@pytest.mark.parametrize(("quantity", "ok"), [(D(2), True), (D(3), False)])
def test_catalog_max_quantity(quantity, ok):
    catalog = {"B24": replace(BOX24, max_quantity=D(2))}
    line = ItemInput(code="B24", quantity=quantity, dose=D(1), frequency="tid")
    result = run([line], catalog=catalog, diagnoses=[SPECIFIED["冠心病"]])
    assert result.ok is ok


@pytest.mark.parametrize(("days", "ok"), [(10, True), (11, False)])
def test_catalog_max_days(days, ok):
    catalog = {"T1": replace(TABLET, max_days=10)}
    assert run([days_line(days)], catalog=catalog, diagnoses=[CHRONIC]).ok is ok


def test_fee6_non_payable_and_class_c_need_self_pay_with_consent():
    checkup = CatalogFacts(
        code="S9", name="健康体检", item_type="service", insurance_class="C", non_payable=True
    )
    blocked = run([ItemInput(code="S9", quantity=D(1))], catalog={"S9": checkup})
    assert {v.rule for v in blocked.violations if v.level == "block"} == {"FEE-6", "SET-2"}
    consented = run(
        [ItemInput(code="S9", quantity=D(1), self_pay=True, consent=True)], catalog={"S9": checkup}
    )
    assert consented.ok and consented.items[0].self_pay


def test_fee1_unmapped_hospital_item_is_self_pay_only():
    unmapped = replace(TABLET, mapped=False)
    result = run([days_line(3)], catalog={"T1": unmapped})
    assert not result.ok and rule_hits(result, "FEE-1", "block")
    ok = run([replace(days_line(3), self_pay=True, consent=True)], catalog={"T1": unmapped})
    assert ok.ok and ok.items[0].self_pay


def test_unknown_code_blocks():
    result = run([ItemInput(code="NOPE", quantity=D(1))])
    assert "目录中无编码 NOPE" in rule_hits(result, "FEE-1")[0].message


def test_ins4_scope_restriction_blocks_insured_prescription():
    patient = PatientFacts(sex="1", age=50, scope_restriction="参保人已被限制医保就医范围")
    assert rule_hits(run([days_line(3)], patient=patient), "INS-4", "block")
    all_self_pay = replace(days_line(3), self_pay=True, consent=True)
    assert run([all_self_pay], patient=patient).ok


def test_messages_are_chinese_with_rule_id():
    result = run([days_line(8)])
    [hit] = result.violations
    assert hit.message.endswith("（RX-2）") and "天量超过急性病" in hit.message
