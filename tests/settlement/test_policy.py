"""Issue 18 through the window and the simulated center, which settles from its own policy tables:
person types (390 child/adult, 340 离休, 310 在职/退休), fund layers (大额, 公务员补助, 医疗救助), counters by
care type, the per-hospitalisation deductible with a mid-stay settlement and a later admission, the
discharge date's year, the line date's catalog terms, and a planted policy difference. Expected amounts
are worked by hand in the comments; hospital and center must agree (mismatch == []) unless planted."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import requests
from django.utils import timezone

from admission import charges
from admission import services as admission_services
from core.roles import Role
from drug_catalog.models import CatalogItem, CatalogVersion, HospitalItem
from insured import services as insured_services
from insured.models import Enrollment, PersonType
from settlement import outpatient, selectors, services
from settlement.models import (
    Accumulator,
    FundLayer,
    FundLayerBand,
    MedicalAssistanceEligibility,
    PolicyParameter,
    Settlement,
)
from tests.admission.factories import admit, confirmed_read, make_catalog_items, make_hospital, order
from tests.insured.factories import make_person
from tests.matrix import Endpoint, check_access, matrix_cases
from tests.settlement.test_outpatient import setup  # noqa: F401 (the outpatient catalog, doctor, clerk)
from tests.settlement.test_settle import center_knows_catalog

D = Decimal
pytestmark = pytest.mark.django_db


def person_of(center, insutype, psn_type, *, birth=datetime.date(1980, 5, 17), extra=(), assistance=False):
    """A person of a scheme and person type (plus supplements: 320, 330), known to the center."""
    person = make_person(insutype=insutype, birth=birth)
    Enrollment.objects.filter(person=person).update(psn_type=PersonType.objects.get(code=psn_type))
    for code in extra:
        insured_services.enrollment_add(
            actor=None,
            person=person,
            insutype_code=code,
            psn_type_code=psn_type,
            start_date=datetime.date(2020, 1, 1),
        )
    center.enrol(person)
    if assistance:
        MedicalAssistanceEligibility.objects.create(
            person=person, category="最低生活保障对象", effective_from=datetime.date(2026, 1, 1)
        )
        from insured.management.commands.export_center_roster import center_roster_entry

        entry = center_roster_entry(person)
        entry["idetinfo"] = [{"psn_idet_type": "2301", "begntime": "2026-01-01"}]
        requests.post(f"{center.base}/_control/persons", json=[entry], timeout=5).raise_for_status()
    return person


def ct_stay(center, person, *, cts=10, days_ago=2, discharge=True):
    """A stay with `cts` CT scans (150 each, class B, 8 % first self-paid): per scan 150 − 12 = 138 in
    scope; 10 scans: total 1500, pre-self-pay 120, in scope 1380."""
    hospital = make_hospital()
    items = make_catalog_items()
    center_knows_catalog(center)
    start = timezone.now() - datetime.timedelta(days=days_ago)
    stay = admit(hospital, person, admitted_at=start)
    ct = order(hospital, stay, items["H-CT"])
    charges.charges_post(
        actor=hospital.clerk,
        stay=stay,
        lines=[
            charges.ChargeInput(order=ct, quantity=D(cts), charged_at=start + datetime.timedelta(hours=1))
        ],
    )
    if discharge:
        discharge_now(hospital, stay)
    return hospital, stay


def discharge_now(hospital, stay):
    admission_services.discharge_order(actor=hospital.clerk, stay=stay)
    admission_services.stay_discharge(
        actor=hospital.clerk,
        stay=stay,
        discharge_way="1",
        diagnoses=[admission_services.DiagnosisInput("J18.9")],
    )
    stay.refresh_from_db()


def funds_of(settlement):
    return {f.fund_pay_type: f.fund_payamt for f in settlement.funds.all()}


STAYS = [
    pytest.param(
        ("390", "41", datetime.date(2015, 3, 1), (), False),
        # 11 on the discharge day: a child (42) whatever the enrollment says; deductible 500, 70 %:
        # (1380 − 500) × 0.70 = 616.00; person 1500 − 616 = 884.00, all cash (no account in 390)
        {"deductible_paid": "500.00", "fund_pay": "616.00", "fund_pay_total": "616.00", "cash_pay": "884.00"},
        {"390100": "616.00"},
        id="SET-3-390-child-by-age-on-the-discharge-day",
    ),
    pytest.param(
        ("390", "41", datetime.date(1980, 5, 17), (), False),
        # adult: deductible 1000, 60 %: (1380 − 1000) × 0.60 = 228.00; person 1272.00
        {
            "deductible_paid": "1000.00",
            "fund_pay": "228.00",
            "fund_pay_total": "228.00",
            "cash_pay": "1272.00",
        },
        {"390100": "228.00"},
        id="SET-3-390-adult",
    ),
    pytest.param(
        ("390", "41", datetime.date(1980, 5, 17), (), True),
        # adult and 医疗救助 object: basic 228.00 as above; still the person's within scope
        # 1380 − 228 = 1152 × 0.70 = 806.40; all funds 1034.40; person 1500 − 1034.40 = 465.60
        {"fund_pay": "228.00", "fund_pay_total": "1034.40", "personal_burden": "465.60"},
        {"390100": "228.00", "610100": "806.40"},
        id="SET-8-390-adult-medical-assistance",
    ),
    pytest.param(
        ("340", "31", datetime.date(1938, 2, 1), (), False),
        # 离休: no deductible, the 离休 fund pays all within scope: 1380.00; person the class-B share 120.00
        {"deductible_paid": "0.00", "fund_pay_total": "1380.00", "personal_burden": "120.00"},
        {"340100": "1380.00"},
        id="SET-3-340-retired-veteran",
    ),
    pytest.param(
        ("310", "11", datetime.date(1980, 5, 17), ("320",), False),
        # employee with 公务员补助: (1380 − 500) × 0.70 = 616.00; the person's in-scope part
        # 1380 − 616 = 764 × 0.50 = 382.00; funds 998.00; person 502.00, from the account (balance 1000)
        {
            "fund_pay": "616.00",
            "fund_pay_total": "998.00",
            "personal_account_pay": "502.00",
            "cash_pay": "0.00",
        },
        {"310100": "616.00", "320100": "382.00", "310200": "502.00"},
        id="SET-8-310-civil-servant-subsidy",
    ),
]


@pytest.mark.parametrize(("who", "expected", "funds"), STAYS)
def test_stay_by_person_type_and_fund_layers_agrees_with_the_center(center, who, expected, funds):
    insutype, psn_type, birth, extra, assistance = who
    person = person_of(center, insutype, psn_type, birth=birth, extra=extra, assistance=assistance)
    hospital, stay = ct_stay(center, person)
    settlement = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key=f"p-{stay.pk}")
    assert settlement.mismatch == [], settlement.mismatch
    assert (settlement.total, settlement.in_scope) == (D("1500.00"), D("1380.00"))
    for name, amount in expected.items():
        assert getattr(settlement, name) == D(amount), name
    assert funds_of(settlement) == {code: D(amount) for code, amount in funds.items()}
    # names from the code table, never guessed from digits (390200 is 大病, not an account)
    names = {f.fund_pay_type: f.fund_pay_type_name for f in settlement.funds.all()}
    assert names.get("610100", "医疗救助基金") == "医疗救助基金"
    assert names.get("340100", "离休人员医疗保障基金") == "离休人员医疗保障基金"


def test_set8_large_expense_fund_above_the_basic_cap_for_a_retiree(center):
    """A 310 retiree with 大额 (330): the basic cap set to 100 on both sides (a tier-3 version here,
    the same figure at the center), so one stay reaches it."""
    retired = PolicyParameter.objects.get(
        insured_region="610100", insurance_type="310", person_type="21", care_type="inpatient"
    )
    low_cap = PolicyParameter.objects.create(
        name="测试：退休住院（三级，低封顶）",
        insured_region="610100",
        insurance_type="310",
        person_type="21",
        care_type="inpatient",
        hospital_tier=3,
        deductible=D("500"),
        deductible_period="hospitalisation",
        later_admission_deductible=D("250"),
        fund_ratio=D("0.76"),
        annual_cap=D("100"),
        effective_from=retired.effective_from,
    )
    layer = FundLayer.objects.create(
        policy=low_cap,
        kind="hifob",
        fund_pay_type="330100",
        base="above_basic_cap",
        eligibility="enrolled_330",
        annual_cap=D("400000"),
    )
    FundLayerBand.objects.create(layer=layer, lower=D("0"), upper=None, fund_ratio=D("0.90"))
    center.plant_policy("310/21:inpatient", annual_cap="100")
    person = person_of(center, "310", "21", birth=datetime.date(1958, 1, 1), extra=("330",))
    hospital, stay = ct_stay(center, person)
    settlement = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="big-1")
    # deductible 500; base 880 × 0.76 = 668.80 but the cap allows 100.00; base covered 100 ÷ 0.76 =
    # 131.578… → 131.58; above the cap 880 − 131.58 = 748.42 × 0.90 = 673.578 → 673.58 (大额);
    # funds 773.58; person 1500 − 773.58 = 726.42, from the account (balance 1000)
    assert settlement.mismatch == []
    assert (settlement.deductible_paid, settlement.fund_pay) == (D("500.00"), D("100.00"))
    assert settlement.fund_pay_total == D("773.58") and settlement.personal_burden == D("726.42")
    assert funds_of(settlement) == {"310100": D("100.00"), "330100": D("673.58"), "310200": D("726.42")}
    assert settlement.funds.get(fund_pay_type="330100").fund_pay_type_name == "大额医疗费用补助基金"
    counter = Accumulator.objects.get(person=person, care_type="inpatient")
    assert counter.fund_paid == D("100.00") and counter.layers["330100"]["paid"] == "673.58"
    # SET-9: the reversal takes back exactly what it added
    services.settlement_reverse(actor=hospital.clerk, settlement=settlement, reason="测试撤销")
    counter.refresh_from_db()
    assert counter.fund_paid == D("0.00") and counter.layers["330100"]["paid"] == "0.00"


def test_set3_per_hospitalisation_deductible_mid_stay_and_a_later_admission(center):
    """A 310 retiree (deductible 500 per hospitalisation, 250 for a later one in the year, 76 %)."""
    person = person_of(center, "310", "21", birth=datetime.date(1958, 1, 1))
    hospital, stay = ct_stay(center, person, cts=4, days_ago=3, discharge=False)
    mid = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="h-1", mid_settlement=True)
    # 4 scans: in scope 4 × 138 = 552; deductible 500; (552 − 500) × 0.76 = 39.52
    assert (mid.deductible_paid, mid.fund_pay, mid.mismatch) == (D("500.00"), D("39.52"), [])
    ct = stay.orders.get()
    charges.charges_post(
        actor=hospital.clerk,
        stay=stay,
        lines=[charges.ChargeInput(order=ct, quantity=D(4), charged_at=timezone.now())],
    )
    discharge_now(hospital, stay)
    final = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="h-2")
    # the same hospitalisation: no second deductible; 552 × 0.76 = 419.52
    assert (final.deductible_paid, final.fund_pay, final.mismatch) == (D("0.00"), D("419.52"), [])
    hospital, second = ct_stay(center, person, cts=4, days_ago=0)
    later = services.stay_settle(actor=hospital.clerk, stay=second, idempotency_key="h-3")
    # a later admission in the year: the reduced standard 250; (552 − 250) × 0.76 = 229.52
    assert (later.deductible_paid, later.fund_pay, later.mismatch) == (D("250.00"), D("229.52"), [])


@pytest.mark.parametrize(
    "order_of_care",
    [
        pytest.param(("outpatient", "inpatient"), id="SET-3-outpatient-then-inpatient-own-counters"),
        pytest.param(("inpatient", "outpatient"), id="SET-3-inpatient-then-outpatient-own-counters"),
    ],
)
def test_set3_outpatient_and_inpatient_keep_their_own_counters(center, setup, order_of_care):  # noqa: F811
    """310 在职: outpatient deductible 800 a year, inpatient 500 a year, separate counters. The visit:
    50 consultations × 10 (class A) = 500 in scope, all deductible (500 < 800). The stay: 381 in scope
    (discharged_stay), all deductible (381 < 500). One shared counter would have let the first eat the
    second's deductible (outpatient then inpatient: 500 paid ≥ 500, so the stay would pay 0 deductible
    and 381 × 0.70 = 266.70 fund)."""
    from tests.settlement.test_settle import discharged_stay

    person, clerk = setup["person"], setup["clerk"]
    make_catalog_items()
    # Two catalog versions of one region start on one day here: give each every item, so whichever
    # the look-up takes, the terms are the same.
    for source in CatalogVersion.objects.all():
        for other in CatalogVersion.objects.exclude(pk=source.pk):
            for item in CatalogItem.objects.filter(version=source):
                if not CatalogItem.objects.filter(version=other, code=item.code).exists():
                    item.pk, item.id, item.version = None, None, other
                    item.save()
    center_knows_catalog(center)
    done = {}
    for care in order_of_care:
        if care == "outpatient":
            visit, _ = outpatient.visit_register(
                actor=clerk,
                card_read=confirmed_read(person, clerk),
                department=setup["department"],
                doctor=setup["doctor"],
            )
            outpatient.visit_add_item(
                actor=clerk,
                visit=visit,
                hospital_item=HospitalItem.objects.get(medins_list_codg="H-ZC"),
                quantity=D(50),
            )
            done[care] = outpatient.visit_settle(actor=clerk, visit=visit, idempotency_key="c-op")
        else:
            hospital, stay = discharged_stay(center, person=person)
            done[care] = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="c-ip")
    assert (done["outpatient"].deductible_paid, done["outpatient"].fund_pay) == (D("500.00"), D("0.00"))
    assert (done["inpatient"].deductible_paid, done["inpatient"].fund_pay) == (D("381.00"), D("0.00"))
    assert done["outpatient"].mismatch == [] and done["inpatient"].mismatch == []
    counters = dict(Accumulator.objects.filter(person=person).values_list("care_type", "deductible_used"))
    assert counters == {"outpatient": D("500.00"), "inpatient": D("381.00")}


def test_390_adult_outpatient_visit_and_a_planted_center_difference(center, setup):  # noqa: F811
    """390 adult ordinary outpatient: deductible 100 a year, 50 %. 30 consultations × 10 = 300 in scope:
    deductible 100; (300 − 100) × 0.50 = 100.00. Then the center's ratio is planted at 60 %: the next
    visit (another day's) differs — 300 × 0.60 = 180.00 there, 150.00 here — and the office sees it."""
    clerk = setup["clerk"]
    person = person_of(center, "390", "41")
    visit, _ = outpatient.visit_register(
        actor=clerk,
        card_read=confirmed_read(person, clerk),
        department=setup["department"],
        doctor=setup["doctor"],
    )
    item = HospitalItem.objects.get(medins_list_codg="H-ZC")
    outpatient.visit_add_item(actor=clerk, visit=visit, hospital_item=item, quantity=D(30))
    first = outpatient.visit_settle(actor=clerk, visit=visit, idempotency_key="o-1")
    assert (first.deductible_paid, first.fund_pay, first.cash_pay) == (D("100.00"), D("100.00"), D("200.00"))
    assert first.mismatch == [] and not first.needs_review
    assert funds_of(first) == {"390100": D("100.00")}

    center.plant_policy("390/41:outpatient", fund_ratio="0.60")
    OutpatientVisitModel = type(visit)
    OutpatientVisitModel.objects.filter(pk=visit.pk).update(
        visit_date=timezone.localdate() - datetime.timedelta(1)
    )
    second, _ = outpatient.visit_register(
        actor=clerk,
        card_read=confirmed_read(person, clerk),
        department=setup["department"],
        doctor=setup["doctor"],
    )
    outpatient.visit_add_item(actor=clerk, visit=second, hospital_item=item, quantity=D(30))
    planted = outpatient.visit_settle(actor=clerk, visit=second, idempotency_key="o-2")
    # the year's deductible is paid: here 300 × 0.50 = 150.00; the center 300 × 0.60 = 180.00
    assert planted.fund_pay == D("180.00") and planted.needs_review
    differing = {m["field"]: (m["local"], m["center"]) for m in planted.mismatch}
    assert differing["fund_pay"][0] == "150.00" and D(differing["fund_pay"][1]) == D("180.00")
    assert Settlement.objects.filter(needs_review=True).count() == 1


def test_set3_a_stay_discharged_on_30_december_settled_on_4_january_belongs_to_2026(center):
    """The policy, year and counters of a stay are its discharge date's; a 2027 version with another
    deductible (100) must not apply. discharged_stay-like stay: 10 scans, in scope 1380; 310 在职 2026:
    deductible 500 a year, (1380 − 500) × 0.70 = 616.00 (2027's would give (1380 − 100) × 0.70 = 896.00)."""
    PolicyParameter.objects.create(
        name="测试：2027 职工住院",
        insured_region="610100",
        insurance_type="310",
        person_type="11",
        care_type="inpatient",
        deductible=D("100"),
        fund_ratio=D("0.70"),
        annual_cap=D("150000"),
        effective_from=datetime.date(2027, 1, 1),
    )
    person = person_of(center, "310", "11")
    _, stay = ct_stay(center, person)
    type(stay).objects.filter(pk=stay.pk).update(
        discharged_at=datetime.datetime(2026, 12, 30, 10, tzinfo=datetime.UTC)
    )
    stay.refresh_from_db()
    facts = selectors.stay_settlement_facts(stay, on_date=datetime.date(2027, 1, 4))
    assert facts.policy_day == datetime.date(2026, 12, 30) and facts.period_start == datetime.date(2026, 1, 1)
    assert (facts.result.deductible_paid, facts.result.fund_pay) == (D("500.00"), D("616.00"))


def test_fee1_catalog_terms_are_the_line_dates_not_the_settlement_dates(center):
    """The CT turns class A in a catalog version from yesterday; the scans were done two days ago as
    class B (8 %). The settlement reads each line's own date: 10 scans, 1380 in scope (not 1500);
    deductible 500; (1380 − 500) × 0.70 = 616.00 — and the center agrees."""
    person = person_of(center, "310", "11")
    hospital, stay = ct_stay(center, person, days_ago=2)
    newer = CatalogVersion.objects.create(
        region="610000",
        code="ADM-T2",
        name="住院测试目录（新）",
        effective_from=timezone.localdate() - datetime.timedelta(1),
    )
    CatalogItem.objects.create(
        version=newer, code="210300001", name="CT 平扫", item_type="service", insurance_class="A"
    )
    settlement = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="cat-1")
    assert (settlement.in_scope, settlement.pre_self_pay) == (D("1380.00"), D("120.00"))
    assert settlement.fund_pay == D("616.00") and settlement.mismatch == []


def test_set7_a_recorded_transfer_uses_the_first_hospitals_standard(center):
    """SET-7 recorded at the window: the first hospital's standard 800, 300 paid there; ours is 500 a
    year: one deductible, the higher standard 800, so 500 remains here; 10 scans, 1380 in scope:
    (1380 − 500) × 0.70 = 616.00 (taking 'the larger of ours and what was paid' would leave 200)."""
    person = person_of(center, "310", "11")
    hospital, stay = ct_stay(center, person)
    record = services.transfer_deductible_record(
        actor=hospital.clerk,
        stay=stay,
        first_hospital_name="西安市第一医院",
        first_standard="800",
        first_paid="300",
    )
    assert record.first_standard == D("800.00")
    facts = selectors.stay_settlement_facts(stay)
    assert (facts.result.deductible_paid, facts.result.fund_pay) == (D("500.00"), D("616.00"))
    with pytest.raises(Exception) as wrong:
        services.transfer_deductible_record(
            actor=hospital.clerk, stay=stay, first_hospital_name="甲", first_standard="100", first_paid="300"
        )
    assert getattr(wrong.value, "rule", "") == "SET-7"


POLICY_PAGE = "/settlement/policy/"
PAGE_ENDPOINTS = [Endpoint("GET", POLICY_PAGE, allowed={Role.OFFICE, Role.ADMIN}, kind="page")]


@pytest.mark.parametrize(("endpoint", "who"), matrix_cases(PAGE_ENDPOINTS))
def test_policy_page_permission_matrix(endpoint, who, client_for):
    check_access(client_for(who), endpoint, who)


def test_the_policy_in_force_page_reads_as_a_chinese_table(client_for):
    """310 退休 on 2026-12-30: inpatient 500 per hospitalisation (250 later), 76 %, cap 150000, with
    大额 (330100) above the cap and 公务员补助 (320100); chronic shares the inpatient counter."""
    from importlib import import_module

    from django.apps import apps

    # The seeds this page shows (idempotent): the fund-type names and the person-type rows with layers.
    for module in ("0009_seed_fund_pay_types", "0011_seed_person_type_policies_and_fund_layers"):
        import_module(f"settlement.migrations.{module}").seed(apps, None)
    client = client_for(Role.OFFICE)
    page = client.get(
        POLICY_PAGE,
        {"insured_region": "610100", "insurance_type": "310", "person_type": "21", "on_date": "2026-12-30"},
    ).content.decode()
    assert "演示：职工住院（退休，每次住院起付）" in page
    assert "每次住院" in page and "年度内第二次及以后住院 250.00 元" in page and "76%" in page
    assert "330100 大额医疗费用补助基金" in page and "320100 公务员医疗补助基金" in page
    assert "150000.00 元" in page and "与“住院”共用起付线和封顶线累计" in page
    child = client.get(
        POLICY_PAGE,
        {"insured_region": "610100", "insurance_type": "390", "person_type": "42", "on_date": "2026-10-01"},
    ).content.decode()
    assert "SET-4 城乡居民少儿普通门诊" in child and "9 月 1 日" in child
    assert "390200 城乡居民大病医疗保险基金" in child and "610100 医疗救助基金" in child
    unknown = client.get(
        POLICY_PAGE,
        {"insured_region": "120100", "insurance_type": "310", "person_type": "", "on_date": "2026-10-01"},
    )
    assert unknown.status_code == 200 and "未找到参保地 120100" in unknown.content.decode()
    bad = client.get(
        POLICY_PAGE, {"insured_region": "61x", "insurance_type": "999", "on_date": "3026-01-01"}
    ).content.decode()
    assert "参保地区划为 6 位数字" in bad and "就医日期须在 2000 年至 2100 年之间" in bad
    assert "选择一个有效的选项" in bad or "有效" in bad


def test_adm8_a_confirmed_split_admission_is_one_hospitalisation(center):
    """ADM-8: the office confirms that a retiree's second stay splits the first; the two are one
    hospitalisation: no second deductible (not even the later-admission 250) and the bands continue.
    First stay: 10 scans, deductible 500, (1380 − 500) × 0.76 = 668.80. Second: 10 scans, no deductible,
    1380 × 0.76 = 1048.80 (as a later admission it would have been (1380 − 250) × 0.76 = 858.80)."""
    from admission.models import StayReview

    person = person_of(center, "310", "21", birth=datetime.date(1958, 1, 1))
    hospital, first = ct_stay(center, person, days_ago=5)
    settled = services.stay_settle(actor=hospital.clerk, stay=first, idempotency_key="split-1")
    assert (settled.deductible_paid, settled.fund_pay) == (D("500.00"), D("668.80"))
    _, second = ct_stay(center, person, days_ago=0)
    facts = selectors.stay_settlement_facts(second)
    assert (facts.result.deductible_paid, facts.result.fund_pay) == (D("250.00"), D("858.80"))
    # The admission flagged it already (same diagnosis within the split window); the office confirms.
    review = StayReview.objects.get(stay=second, kind=StayReview.Kind.SPLIT_ADMISSION)
    assert review.related_stay_id == first.pk
    admission_services.review_decide(actor=hospital.clerk, review=review, confirm=True, reason="确认分解住院")
    facts = selectors.stay_settlement_facts(second)
    assert (facts.result.deductible_paid, facts.result.fund_pay) == (D("0.00"), D("1048.80"))
    assert facts.accumulators.base_before == D("880.00")


def test_set3_benefit_period_deductible_is_paid_once_per_period(center):
    """SET-3 / SET-7 (000 §25: 一个医保待遇期内…一个起付标准): a policy whose deductible (600) is per
    benefit period of 90 days from the admission that opens it. The first stay (2 scans, 276 in
    scope) pays 276 of it; a second stay admitted within the period pays the rest 600 − 276 = 324:
    (1380 − 324) × 0.70 = 739.20. Once the first admission lies 100 days back, the second opens a new
    period: (1380 − 600) × 0.70 = 546.00."""
    PolicyParameter.objects.create(
        name="测试：待遇享受期起付",
        insured_region="610200",
        insurance_type="310",
        care_type="inpatient",
        deductible=D("600"),
        deductible_period="benefit_period",
        benefit_period_days=90,
        fund_ratio=D("0.70"),
        effective_from=datetime.date(2026, 1, 1),
    )
    person = make_person(insured_region="610200")
    center.enrol(person)
    hospital, first = ct_stay(center, person, cts=2, days_ago=6)
    settled = services.stay_settle(actor=hospital.clerk, stay=first, idempotency_key="bp-1")
    assert settled.deductible_paid == D("276.00")
    _, second = ct_stay(center, person, days_ago=0)
    facts = selectors.stay_settlement_facts(second)
    assert (facts.result.deductible_paid, facts.result.fund_pay) == (D("324.00"), D("739.20"))
    type(first).objects.filter(pk=first.pk).update(
        admitted_at=first.admitted_at - datetime.timedelta(days=100)
    )
    facts = selectors.stay_settlement_facts(second)
    assert (facts.result.deductible_paid, facts.result.fund_pay) == (D("600.00"), D("546.00"))
