"""Fewer keystrokes at admission (issue 19): type-ahead pickers with search keys, doctors and wards by
department, the clerk's last choices remembered, case-insensitive item search, diagnoses that must fit
the patient (DRG-1) and admission diagnoses corrected until discharge with their history (ADM-1)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from admission import services
from admission.diagnoses import stay_diagnoses_correct
from admission.models import DiagnosisCorrection, Stay
from core.errors import DomainError
from core.roles import Role
from diagnoses.models import DiagnosisCode
from tests.admission.factories import (
    admit,
    confirmed_read,
    home_hospital,
    make_catalog_items,
    make_codes,
    make_hospital,
)
from tests.factories import DepartmentFactory, PractitionerFactory, UserFactory, WardFactory
from tests.insured.factories import make_person
from tests.matrix import Endpoint, check_access, matrix_cases

pytestmark = pytest.mark.django_db


def _extra_codes():
    make_codes()
    for code, name in (("P23", "先天性肺炎"), ("O80", "单胎顺产"), ("J44.9", "慢性阻塞性肺病")):
        DiagnosisCode.objects.get_or_create(
            kind="icd10",
            code=code,
            effective_from=datetime.date(2000, 1, 1),
            defaults={"name": name, "source": "gnuhealth"},
        )


def clerk_client(hospital):
    client = Client()
    client.force_login(hospital.clerk)
    hospital.clerk.groups.add(*UserFactory(roles=[Role.CLERK]).groups.all())
    return client


def _admit_form(hospital, read, **extra):
    return {
        "card_read": read.pk,
        "kind": "normal",
        "med_type": "21",
        "department": hospital.department.pk,
        "ward": hospital.ward.pk,
        "bed": hospital.beds[0].pk,
        "attending_doctor": hospital.doctor.pk,
        "diagnosis": ["J18.9"],
        **extra,
    }


def test_admit_page_offers_type_ahead_keys_and_department_links():
    hospital = make_hospital()
    other = DepartmentFactory(name="心血管内科")
    WardFactory(department=other, name="心内一病区")
    PractitionerFactory(department=other, name="李心")
    person = make_person()
    client = clerk_client(hospital)
    read = confirmed_read(person, hospital.clerk)
    html = client.get(f"/admission/new/?card_read={read.pk}").content.decode()
    assert 'data-combo data-filter-by="department"' in html  # wards and doctors follow the department
    assert "hxnk" in html and "huxineike" in html  # 呼吸内科 by initials and full pinyin
    assert f'data-department="{other.pk}"' in html
    assert f'data-picker="/api/v1/diagnoses/?gender={person.gender}&age_days=' in html


def test_the_clerks_last_choices_are_remembered_for_the_next_admission():
    hospital = make_hospital()
    _extra_codes()
    client = clerk_client(hospital)
    first = make_person(name="甲")
    response = client.post("/admission/new/", _admit_form(hospital, confirmed_read(first, hospital.clerk)))
    assert response.status_code == 302, response.content.decode()[:500]
    read = confirmed_read(make_person(name="乙"), hospital.clerk)
    html = client.get(f"/admission/new/?card_read={read.pk}").content.decode()
    assert f'<option value="{hospital.department.pk}" data-keys="' in html
    for field, pk in (
        ("department", hospital.department.pk),
        ("ward", hospital.ward.pk),
        ("doctor", hospital.doctor.pk),
    ):
        marker = f'value="{pk}" data-keys='
        start = html.index(marker, html.index(f'id="{"attending_doctor" if field == "doctor" else field}"'))
        assert "selected" in html[start : html.index(">", start)], field


@pytest.mark.parametrize(
    ("case", "code", "gender_birth", "fragment"),
    [
        (
            "DRG-1 newborn code for an adult",
            "P23",
            ("1", datetime.date(1980, 5, 17)),
            "仅用于出生 28 天内的新生儿",
        ),
        ("DRG-1 pregnancy code for a man", "O80", ("1", datetime.date(1990, 1, 1)), "仅用于女性，患者为男性"),
    ],
)
def test_admission_refuses_a_diagnosis_that_does_not_fit_the_patient(case, code, gender_birth, fragment):
    hospital = make_hospital()
    _extra_codes()
    gender, birth = gender_birth
    person = make_person(gender=gender, birth=birth)
    client = clerk_client(hospital)
    response = client.post(
        "/admission/new/",
        _admit_form(hospital, confirmed_read(person, hospital.clerk), diagnosis=[code]),
        follow=True,
    )
    text = response.content.decode()
    assert fragment in text and "DRG-1" in text, case
    assert f'name="diagnosis" value="{code}"' in text  # the input is kept
    assert not Stay.objects.filter(person=person).exists()


def test_admission_diagnoses_are_corrected_until_discharge_with_history():
    hospital = make_hospital()
    _extra_codes()
    stay = admit(hospital, diagnoses=("J18.9",))
    correction = stay_diagnoses_correct(
        actor=hospital.clerk,
        stay=stay,
        diagnoses=[services.DiagnosisInput("J44.9"), services.DiagnosisInput("J18.9")],
        reason="入院后肺功能检查确诊",
    )
    assert correction.before == [{"code": "J18.9", "name": "肺炎", "is_main": True}]
    assert correction.after == [
        {"code": "J44.9", "name": "慢性阻塞性肺病", "is_main": True},
        {"code": "J18.9", "name": "肺炎", "is_main": False},
    ]
    assert [(d.code, d.is_main) for d in stay.diagnoses.filter(stage="admission").order_by("order")] == [
        ("J44.9", True),
        ("J18.9", False),
    ]
    with pytest.raises(DomainError) as unfit:
        stay_diagnoses_correct(
            actor=hospital.clerk, stay=stay, diagnoses=[services.DiagnosisInput("P23")], reason="误"
        )
    assert unfit.value.rule == "DRG-1"
    Stay.objects.filter(pk=stay.pk).update(status=Stay.Status.DISCHARGED, discharged_at=stay.admitted_at)
    stay.refresh_from_db()
    with pytest.raises(DomainError) as closed:
        stay_diagnoses_correct(
            actor=hospital.clerk, stay=stay, diagnoses=[services.DiagnosisInput("I10")], reason="补录"
        )
    assert closed.value.code == "diagnoses_closed"
    assert DiagnosisCorrection.objects.filter(stay=stay).count() == 1


def test_diagnosis_page_keeps_input_and_says_why_beside_the_field():
    hospital = make_hospital()
    _extra_codes()
    stay = admit(hospital)
    client = clerk_client(hospital)
    page = client.get(f"/admission/{stay.pk}/diagnoses/")
    assert page.status_code == 200 and "更正入院诊断" in page.content.decode()
    missing_reason = client.post(f"/admission/{stay.pk}/diagnoses/", {"diagnosis": ["I10"], "reason": ""})
    html = missing_reason.content.decode()
    assert missing_reason.status_code == 400 and "请填写更正原因。" in html
    assert 'name="diagnosis" value="I10"' in html  # what the clerk picked is kept
    done = client.post(f"/admission/{stay.pk}/diagnoses/", {"diagnosis": ["I10"], "reason": "补充高血压"})
    assert done.status_code == 302
    history = client.get(f"/admission/{stay.pk}/diagnoses/").content.decode()
    assert "补充高血压" in history and "J18.9 肺炎" in history


def test_item_picker_is_case_insensitive_and_matches_inside_names():
    hospital = make_hospital()
    make_catalog_items()
    client = clerk_client(hospital)
    for query in ("ct", "CT", "平扫", "h-ct"):
        names = [row["name"] for row in client.get("/admission/items/", {"q": query}).json()]
        assert "CT 平扫" in names, query


PAGES = [
    Endpoint("GET", "/admission/999999/diagnoses/", allowed={Role.CLERK, Role.DOCTOR}, kind="page"),
    Endpoint("GET", "/settlement/outpatient/", allowed={Role.CLERK}, kind="page"),
]


@pytest.mark.parametrize(("endpoint", "who"), matrix_cases(PAGES))
def test_page_permission_matrix(endpoint, who, client_for):
    check_access(client_for(who), endpoint, who)


def test_api_corrects_admission_diagnoses_and_lists_the_history():
    hospital = make_hospital()
    _extra_codes()
    stay = admit(hospital)
    client = clerk_client(hospital)
    url = f"/api/v1/admissions/{stay.pk}/diagnoses/"
    refused = client.post(url, {"diagnoses": ["P23"], "reason": "更正"}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["rule"] == "DRG-1"
    assert "仅用于出生 28 天内的新生儿" in refused.json()["message"]
    empty = client.post(url, {"diagnoses": [], "reason": ""}, content_type="application/json")
    assert empty.status_code == 400 and set(empty.json()["errors"]) == {"diagnoses", "reason"}
    done = client.post(
        url, {"diagnoses": ["i10", "J18.9"], "reason": "补充"}, content_type="application/json"
    )
    assert done.status_code == 201, done.content
    assert [d["code"] for d in done.json()["after"]] == ["I10", "J18.9"]
    history = client.get(url).json()
    assert len(history) == 1 and history[0]["before"][0]["code"] == "J18.9"


def test_only_clerks_and_doctors_see_the_diagnosis_correction_button(client_for):
    hospital = home_hospital()  # the matrix users' own department and ward (tests/admission/conftest.py)
    stay = admit(hospital)
    for role, shown in ((Role.CLERK, True), (Role.DOCTOR, True), (Role.NURSE, False), (Role.OFFICE, False)):
        html = client_for(role).get(f"/admission/{stay.pk}/").content.decode()
        assert ('id="edit-diagnoses"' in html) == shown, role
