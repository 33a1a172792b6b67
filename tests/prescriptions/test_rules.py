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
    # 7 days × 3 = 21 tablets < one box of 24: split to a two-decimal quantity, 18 = 0.75 × 24, 6 days
    assert hit.fix == "拆零改为 0.75 盒（18 片）、6 天"
    assert hit.fix_values == {"quantity": "0.75", "days": "6"}
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


BOX10 = replace(BOX24, code="B10", name="布洛芬片", pack_size=D(10))
DIABETES = SPECIFIED["糖尿病"]


@pytest.mark.parametrize(
    ("link", "days", "blocked", "warned"),
    [
        pytest.param(0, 7, False, False, id="RX-2 drug for the acute diagnosis: 7 days pass"),
        pytest.param(
            0, 8, True, False, id="RX-2 drug for the acute diagnosis: 8 days blocked despite diabetes"
        ),
        pytest.param(1, 30, False, False, id="RX-2 drug for diabetes: 30 days pass"),
        pytest.param(1, 31, True, False, id="RX-2 drug for diabetes: 31 days blocked"),
        pytest.param(None, 30, False, True, id="RX-2 unlinked: most generous (30) with a warning to link"),
    ],
)
def test_rx2_each_drug_is_judged_by_the_diagnosis_it_treats(link, days, blocked, warned):
    """RX-2 (000 §4 二.3): acute J06.9 and diabetes E11.900 on one prescription; the limit follows the
    diagnosis the line is linked to (index 0 acute → 7, index 1 diabetes → 30)."""
    line = replace(days_line(days), diagnosis_index=link)
    result = run([line], diagnoses=[ACUTE, DIABETES])
    assert bool(rule_hits(result, "RX-2", "block")) is blocked
    assert bool(rule_hits(result, "RX-2", "warn")) is warned
    if blocked:
        limit = 7 if link == 0 else 30
        assert rule_hits(result, "RX-2", "block")[0].short.endswith(
            f"超过{'急性病' if link == 0 else '特定病种（糖尿病）'} {limit} 天"
        )


def test_rx3_one_drug_is_added_up_over_its_lines():
    """RX-3 (000 §4 二.3): 8 + 8 = 16 days of one drug > 15; the second line is blocked and told to
    keep 15 − 8 = 7 days: 7 capsules (packs of 1, 1 a day), 7 days."""
    lines = [replace(days_line(8), diagnosis_index=0), replace(days_line(8), diagnosis_index=0)]
    result = run(lines, visit="discharge", diagnoses=[CHRONIC])
    [hit] = rule_hits(result, "RX-3", "block")
    assert hit.item == 1 and hit.short == "出院带药 合计 16 天量超过 15 天"
    assert (hit.fix, hit.fix_values) == ("改为 7 粒、7 天", {"quantity": "7", "days": "7"})
    assert run(
        [lines[0], replace(days_line(7), diagnosis_index=0)], visit="discharge", diagnoses=[CHRONIC]
    ).ok


COUNTY_DISCHARGE = replace(COUNTY, discharge_uses_outpatient_limits=True)


@pytest.mark.parametrize(
    ("profile", "diagnosis", "days", "ok"),
    [
        pytest.param(COUNTY_DISCHARGE, ACUTE, 3, True, id="RX-3 seed 004: acute discharge drug 3 days pass"),
        pytest.param(
            COUNTY_DISCHARGE, ACUTE, 4, False, id="RX-3 seed 004: acute discharge drug 4 days blocked"
        ),
        pytest.param(COUNTY_DISCHARGE, CHRONIC, 15, True, id="RX-3 seed 004: chronic 15 days pass"),
        pytest.param(DEFAULT, ACUTE, 15, True, id="RX-3 seed 000: 15 days whatever the diagnosis"),
        pytest.param(DEFAULT, ACUTE, 16, False, id="RX-3 seed 000: 16 days blocked"),
    ],
)
def test_rx3_discharge_limit_follows_the_profile(profile, diagnosis, days, ok):
    """RX-3: seed 004's hospitals apply the outpatient limits to discharge medication (参照上述执行)."""
    line = replace(days_line(days), diagnosis_index=0)
    result = run([line], visit="discharge", diagnoses=[diagnosis], profile=profile)
    assert result.ok is ok
    assert bool(rule_hits(result, "RX-3", "block")) is not ok


@pytest.mark.parametrize(
    ("line", "visit", "rule", "text"),
    [
        pytest.param(
            ItemInput("T1", D(10), D(1), "prn"),
            "outpatient",
            "RX-2",
            "按需使用，须填写天数",
            id="RX-2 prn without days",
        ),
        pytest.param(
            ItemInput("T1", D(10), None, "tid"),
            "outpatient",
            "RX-2",
            "未填单次剂量，须填写天数",
            id="RX-2 no dose without days",
        ),
        pytest.param(
            ItemInput("T1", D(10), D(1), "prn", diagnosis_index=0),
            "discharge",
            "RX-3",
            "按需使用，须填写天数",
            id="RX-3 prn discharge without days",
        ),
    ],
)
def test_prn_and_doseless_lines_need_days(line, visit, rule, text):
    """RX-2/RX-3: a line whose days cannot be computed is judged by its declared days, so it needs them."""
    [hit] = rule_hits(run([line], visit=visit), rule, "block")
    assert hit.short == text and hit.fix == "填写天数"
    result = run([replace(line, days=5)], visit=visit)
    assert result.ok and result.items[0].judged_days == D(5)


@pytest.mark.parametrize(
    ("facts", "line", "diagnosis", "fix", "values"),
    [
        # 3 boxes × 10 ÷ 3 a day = 10 days > 7: 21 tablets allowed → 2 boxes = 20, 20 ÷ 3 = 6.7 → 7 days
        pytest.param(BOX10, ItemInput("B10", D(3), D(1), "tid"), ACUTE, "改为 2 盒（20 片）、7 天",
                     {"quantity": "2", "days": "7"}, id="RX-2 whole boxes: 2 boxes, 7 days"),
        # 2 × 24 ÷ 2 a day = 24 days > 15: 30 tablets allowed → 1 box = 24 tablets, 24 ÷ 2 = 12 days
        pytest.param(BOX24, ItemInput("B24", D(2), D(1), "bid"), CHRONIC, "改为 1 盒（24 片）、12 天",
                     {"quantity": "1", "days": "12"}, id="RX-2 chronic: 1 box, 12 days"),
        # one box of 24 at 3 a day lasts 8 days > 7: 21 allowed, 18 = 0.75 box is the largest 2-decimal split
        pytest.param(BOX24, ItemInput("B24", D(1), D(1), "tid"), ACUTE, "拆零改为 0.75 盒（18 片）、6 天",
                     {"quantity": "0.75", "days": "6"}, id="RX-2 split pack: 0.75 box, 6 days"),
        # prn judged by its declared 10 days: only the days can change
        pytest.param(TABLET, ItemInput("T1", D(10), D(1), "prn", days=10), ACUTE, "天数改为 7 天",
                     {"days": "7"}, id="RX-2 prn: days 7"),
    ],
)  # fmt: skip
def test_rx2_fix_names_quantity_and_days_consistently_and_applying_it_passes(
    facts, line, diagnosis, fix, values
):
    """Issue 19 item 6: the advice names both fields, agrees with itself, and applying it clears RX-2."""
    catalog = {facts.code: facts}
    [hit] = rule_hits(run([line], catalog=catalog, diagnoses=[diagnosis]), "RX-2", "block")
    assert (hit.fix, hit.fix_values) == (fix, values)
    fixed = replace(
        line,
        quantity=D(values.get("quantity", line.quantity)),
        days=int(values["days"]) if "days" in values else line.days,
    )
    assert run([fixed], catalog=catalog, diagnoses=[diagnosis]).ok


def test_self_pay_with_consent_turns_the_day_limit_into_a_warning():
    """D9/FEE-4: 8 days for an acute illness marked self-pay with consent saves (a recorded warning);
    self-pay without consent still blocks (FEE-4), as the page says."""
    consented = run([replace(days_line(8), self_pay=True, consent=True)])
    assert consented.ok
    [warning] = rule_hits(consented, "RX-2", "warn")
    assert "按自费开具" in warning.message
    unconsented = run([replace(days_line(8), self_pay=True)])
    assert {v.rule for v in unconsented.violations if v.level == "block"} == {"RX-2", "FEE-4"}
