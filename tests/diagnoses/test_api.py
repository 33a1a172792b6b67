"""Diagnoses API: search with RX-2 categories for every role, ranges (admins write), the import upload."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.roles import Role
from diagnoses.models import DiagnosisCode, DiseaseCategoryRange
from diagnoses.services import code_table_import
from tests.matrix import ALL_ROLES, Endpoint, check_access, matrix_cases

pytestmark = pytest.mark.django_db
CSV = "诊断代码,诊断名称\nE11,2型糖尿病\nE11.900,2型糖尿病不伴有并发症\nJ06.900,急性上呼吸道感染\n".encode()


@pytest.fixture
def codes():
    code_table_import(
        actor=None, content=CSV, filename="icd10.csv", kind="icd10", effective_from=datetime.date(2020, 1, 1)
    )


def _upload(content=CSV, name="icd10.csv", kind="icd10", start="2026-01-01"):
    return {"file": SimpleUploadedFile(name, content), "kind": kind, "effective_from": start}


def test_search_answers_codes_with_their_rx2_category(client_for, codes):
    body = client_for(Role.DOCTOR).get("/api/v1/diagnoses/?q=tnb&kind=icd10").json()
    assert [row["code"] for row in body] == ["E11", "E11.900"]
    assert body[0]["name"] == "2型糖尿病" and body[0]["kind"] == "icd10"
    assert body[0]["rx2_category"] == {
        "category": "specified",
        "category_label": "特定病种(30天)",
        "disease": "糖尿病",
        "range_label": "E10–E14",
    }
    acute = client_for(Role.CLERK).get("/api/v1/diagnoses/?q=J06").json()
    assert acute[0]["rx2_category"]["category"] == "acute"
    assert client_for(Role.NURSE).get("/api/v1/diagnoses/").json() == []


def test_search_refuses_an_unknown_table_in_chinese(client_for):
    response = client_for(Role.DOCTOR).get("/api/v1/diagnoses/?q=tnb&kind=icd11")
    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "validation_error" and "kind" in body["errors"]


def test_ranges_are_listed_for_every_role(client_for):
    body = client_for(Role.NURSE).get("/api/v1/diagnoses/category-ranges/").json()
    diabetes = next(row for row in body if row["code_from"] == "E10")
    assert diabetes["label"] == "E10–E14" and diabetes["specified_disease"] == "糖尿病"
    assert diabetes["in_use"] is True
    assert len(body) == DiseaseCategoryRange.objects.count()
    dated = client_for(Role.NURSE).get("/api/v1/diagnoses/category-ranges/?date=1999-12-31").json()
    assert dated == []


def test_admin_adds_a_range_and_an_overlap_is_refused_with_rule_rx2(client_for):
    admin = client_for(Role.ADMIN)
    created = admin.post(
        "/api/v1/diagnoses/category-ranges/",
        {"code_from": "k29", "code_to": "K29", "category": "chronic", "effective_from": "2099-01-01"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["label"] == "K29"
    overlap = admin.post(
        "/api/v1/diagnoses/category-ranges/",
        {"code_from": "E14", "code_to": "E15", "category": "chronic", "effective_from": "2026-01-01"},
        content_type="application/json",
    )
    body = overlap.json()
    assert overlap.status_code == 400
    assert (body["code"], body["rule"]) == ("category_range_invalid", "RX-2")
    assert body["message"].startswith("与已有范围 E10–E14") and "重叠" in body["message"]


def test_admin_closes_a_range_in_force_but_cannot_edit_it(client_for):
    diabetes = DiseaseCategoryRange.objects.get(code_from="E10")
    url = f"/api/v1/diagnoses/category-ranges/{diabetes.pk}/"
    admin = client_for(Role.ADMIN)
    edit = admin.patch(url, {"category": "chronic"}, content_type="application/json")
    assert edit.status_code == 400 and edit.json()["rule"] == "RX-2"
    close = admin.patch(url, {"effective_to": "2099-01-01"}, content_type="application/json")
    assert close.status_code == 200 and close.json()["effective_to"] == "2099-01-01"


def test_import_upload_is_all_or_nothing_and_idempotent(client_for):
    admin = client_for(Role.ADMIN)
    first = admin.post("/api/v1/diagnoses/import/", _upload())
    assert first.status_code == 201
    assert (first.json()["created_count"], first.json()["unchanged"]) == (3, False)
    again = admin.post("/api/v1/diagnoses/import/", _upload())
    assert again.status_code == 200 and again.json()["unchanged"] is True
    assert again.json()["id"] == first.json()["id"]

    bad = admin.post("/api/v1/diagnoses/import/", _upload(CSV + b"E12.000,\n", start="2026-06-01"))
    body = bad.json()
    assert bad.status_code == 400 and body["code"] == "code_table_import_rejected"
    assert body["errors"] == {"5": ["诊断名称：必填。"]}
    assert body["message"] == "文件有 1 处错误（第 5 行：诊断名称：必填。），未导入任何编码。"
    assert not DiagnosisCode.objects.filter(effective_from=datetime.date(2026, 6, 1)).exists()


def test_import_upload_needs_a_file(client_for):
    response = client_for(Role.ADMIN).post(
        "/api/v1/diagnoses/import/", {"kind": "icd10", "effective_from": "2026-01-01"}
    )
    assert response.status_code == 400 and "file" in response.json()["errors"]


def _range_url():
    return f"/api/v1/diagnoses/category-ranges/{DiseaseCategoryRange.objects.get(code_from='E10').pk}/"


ENDPOINTS = [
    Endpoint("GET", "/api/v1/diagnoses/?q=tnb&kind=icd10", allowed=ALL_ROLES),
    Endpoint("GET", "/api/v1/diagnoses/category-ranges/", allowed=ALL_ROLES),
    Endpoint("POST", "/api/v1/diagnoses/category-ranges/", allowed={Role.ADMIN}, data={}),
    Endpoint("GET", _range_url, allowed=ALL_ROLES),
    Endpoint("PATCH", _range_url, allowed={Role.ADMIN}, data={}),
    Endpoint("POST", "/api/v1/diagnoses/import/", allowed={Role.ADMIN}, data={}),
]


@pytest.mark.parametrize(("endpoint", "who"), matrix_cases(ENDPOINTS))
def test_permission_matrix(endpoint, who, client_for):
    check_access(client_for(who), endpoint, who)
