"""DRG-1: a diagnosis must fit the patient — newborn codes (P00–P96) only within 28 days of birth,
pregnancy codes (O00–O99) only for women; search ranks the codes that fit first (fy → J18 before P23)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from core.roles import Role
from diagnoses import rules, selectors
from diagnoses.services import code_table_import
from tests.factories import UserFactory

RESTRICTIONS = [
    rules.CodeRestriction(
        "P00", "P96", max_age_days=28, reason="新生儿疾病编码（P00–P96）仅用于出生 28 天内的新生儿"
    ),
    rules.CodeRestriction("O00", "O99", gender="2", reason="妊娠、分娩和产褥期编码（O00–O99）仅用于女性"),
    rules.CodeRestriction("N40", "N51", gender="1", reason="男性生殖器官疾病编码（N40–N51）仅用于男性"),
]
MALE, FEMALE = "1", "2"
ADULT_46 = 46 * 365 + 11


@pytest.mark.parametrize(
    ("case", "code", "gender", "age_days", "refused"),
    [
        ("DRG-1 P23 newborn of 28 days fits", "P23.9", MALE, 28, False),
        ("DRG-1 P23 at 29 days refused", "P23.9", MALE, 29, True),
        ("DRG-1 P23 for a 46-year-old refused", "P23", FEMALE, ADULT_46, True),
        ("DRG-1 P96.x01 national extension still a P code", "P96.x01", MALE, ADULT_46, True),
        ("DRG-1 O80 for a woman fits", "O80", FEMALE, 30 * 365, False),
        ("DRG-1 O80 for a man refused", "O80.000", MALE, 30 * 365, True),
        ("DRG-1 N40 for a man fits", "N40", MALE, 70 * 365, False),
        ("DRG-1 N40 for a woman refused", "N40", FEMALE, 70 * 365, True),
        ("DRG-1 J18 fits anyone", "J18.9", MALE, ADULT_46, False),
        ("DRG-1 TCM code not judged", "A01.01.01", MALE, ADULT_46, False),
        ("DRG-1 unknown sex not refused on sex", "O80", "0", 30 * 365, False),
    ],
)
def test_implausible(case, code, gender, age_days, refused):
    hit = rules.implausible(code, gender=gender, age_days=age_days, restrictions=RESTRICTIONS)
    assert (hit is not None) == refused, case
    if refused:
        assert hit.rule == "DRG-1" and "DRG-1" in hit.message and code in hit.message


def test_reason_names_the_rule_and_the_patient():
    hit = rules.implausible("P23", gender=MALE, age_days=ADULT_46, restrictions=RESTRICTIONS)
    assert hit.message == "P23：新生儿疾病编码（P00–P96）仅用于出生 28 天内的新生儿，患者 46 岁（DRG-1）。"
    man = rules.implausible("O80", gender=MALE, age_days=ADULT_46, restrictions=RESTRICTIONS)
    assert man.message == "O80：妊娠、分娩和产褥期编码（O00–O99）仅用于女性，患者为男性（DRG-1）。"


ROWS = [
    ("J18", "肺炎，病原体未特指"),
    ("J18.9", "未特指的肺炎"),
    ("J69", "固体和液体引起的肺炎"),
    ("P23", "先天性肺炎"),
    ("P23.9", "未特指的先天性肺炎"),
    ("O99.5", "妊娠合并呼吸系统疾病"),
]


@pytest.fixture
def pneumonia_codes(db):
    content = "\n".join(["诊断代码,诊断名称", *(f"{c},{n}" for c, n in ROWS), ""]).encode()
    report = code_table_import(
        actor=None,
        content=content,
        filename="icd10.csv",
        kind="icd10",
        effective_from=datetime.date(2020, 1, 1),
    )
    assert not report.errors


def _codes(query, **kwargs):
    return [c.code for c in selectors.search(query, **kwargs)]


def test_seeded_restrictions_are_in_force(db):
    rows = {(r.code_from, r.code_to): r for r in selectors.restrictions_as_of(datetime.date(2026, 6, 1))}
    assert rows[("P00", "P96")].max_age_days == 28 and rows[("O00", "O99")].gender == "2"


def test_fy_ranks_adult_pneumonia_before_congenital_pneumonia(pneumonia_codes):
    """Before: P23 先天性肺炎 (initials xtxfy, the letters at the end) came first for an adult."""
    found = _codes("fy")
    assert found.index("J18") < found.index("P23") and found.index("J18.9") < found.index("P23")
    assert found[-2:] == ["P23", "P23.9"]  # newborn codes last when the patient is unknown (an adult)
    assert _codes("肺炎")[-2:] == ["P23", "P23.9"]


def test_newborn_sees_congenital_pneumonia_first_and_a_man_no_pregnancy_code_on_top(pneumonia_codes):
    assert _codes("fy", gender=MALE, age_days=3)[0] == "P23"  # a 3-day-old: the exact initials first
    assert _codes("rs", gender=MALE, age_days=ADULT_46) == ["O99.5"]  # still found, only ranked
    man = _codes("hx", gender=MALE, age_days=ADULT_46)
    assert man == ["O99.5"]


def test_api_marks_codes_that_do_not_fit_the_patient(pneumonia_codes):
    client = Client()
    client.force_login(UserFactory(roles=[Role.CLERK]))
    rows = client.get("/api/v1/diagnoses/", {"q": "fy", "gender": MALE, "age_days": ADULT_46}).json()
    marks = {row["code"]: row["implausible"] for row in rows}
    assert marks["J18"] == "" and "DRG-1" in marks["P23"] and "46 岁" in marks["P23"]
    assert [row["code"] for row in rows][-2:] == ["P23", "P23.9"]
    bad = client.get("/api/v1/diagnoses/", {"q": "fy", "age_days": "-1"})
    assert bad.status_code == 400 and bad.json()["errors"]["age_days"]
