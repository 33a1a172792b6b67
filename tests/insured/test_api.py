"""Insured API: card read (INS-1/2/5), confirmation, office search/detail (logged), sanctions (INS-4)."""

import pytest

from core.roles import Role
from insured.models import PersonAccessLog, Sanction
from tests.factories import UserFactory
from tests.insured.factories import make_person, make_reader, signed
from tests.matrix import Endpoint, check_access, matrix_cases

pytestmark = pytest.mark.django_db
ERROR_KEYS = {"code", "message", "rule", "errors"}


def _clerk_client(client):
    client.force_login(UserFactory(roles=[Role.CLERK]), backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_card_read_api_answers_at_a_glance(client):
    person = make_person(balance="88.80")
    reader = make_reader()
    card = person.credentials.get(mdtrt_cert_type="03")
    response = _clerk_client(client).post(
        "/api/v1/insured/card-read/",
        {"credential_type": "03", "reader_id": "T-CARD", **signed(reader, card.number, card.card_sn)},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["person"]["psn_no"] == person.psn_no
    assert body["enrollments"][0]["balance"] == "88.80"
    assert body["direct_settlement"] is True
    confirm = client.post(f"/api/v1/insured/card-read/{body['card_read_id']}/confirm/")
    assert confirm.status_code == 200 and confirm.json()["confirmed_at"]


def test_manual_entry_is_refused_with_ins1(client):
    person = make_person()
    make_reader()
    response = _clerk_client(client).post(
        "/api/v1/insured/card-read/",
        {"credential_type": "psn_no", "credential_value": person.psn_no, "reader_id": "T-CARD"},
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == ERROR_KEYS and body["rule"] == "INS-1" and body["code"] == "manual_entry_forbidden"


def test_delegated_purchase_without_agent_is_refused_with_ins2(client):
    person = make_person()
    reader = make_reader()
    response = _clerk_client(client).post(
        "/api/v1/insured/card-read/",
        {
            "credential_type": "02",
            **signed(reader, person.certno),
            "reader_id": "T-CARD",
            "purpose": "delegated_purchase",
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["rule"] == "INS-2"


def test_office_adds_and_lifts_a_sanction_by_api(client_for):
    person = make_person()
    office = client_for(Role.OFFICE)
    created = office.post(
        f"/api/v1/insured/persons/{person.psn_no}/sanctions/",
        {
            "category": "I",
            "fund_loss": "2000.00",
            "description": "冒用他人医保卡",
            "start_date": "2026-11-24",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["measures"] == ["改变医保结算方式", "限制医保就医范围"]
    assert body["last_day"] == "2027-11-23"  # 12 months, end exclusive
    lifted = office.post(
        f"/api/v1/insured/sanctions/{body['id']}/lift/",
        {"reason": "复核撤销"},
        content_type="application/json",
    )
    assert lifted.status_code == 200 and lifted.json()["lifted_on"]
    assert Sanction.objects.get(pk=body["id"]).lift_reason == "复核撤销"


def test_office_search_and_detail_are_logged_and_unmasked(client_for):
    person = make_person(name="王小明")
    office = client_for(Role.OFFICE)
    rows = office.get("/api/v1/insured/persons/?q=wxm").json()
    assert [r["psn_no"] for r in rows] == [person.psn_no]
    assert rows[0]["certno"] == person.certno
    detail = office.get(f"/api/v1/insured/persons/{person.psn_no}/").json()
    assert detail["person"]["name"] == "王小明"
    actions = list(PersonAccessLog.objects.filter(person=person).values_list("action", flat=True))
    assert sorted(actions) == ["search", "view"]


def _psn():
    return make_person().psn_no


ENDPOINTS = [
    Endpoint("POST", "/api/v1/insured/card-read/", allowed={Role.CLERK}, data={}),
    Endpoint("POST", "/api/v1/insured/card-read/999999/confirm/", allowed={Role.CLERK}),
    Endpoint("GET", "/api/v1/insured/persons/?q=zs", allowed={Role.OFFICE, Role.ADMIN}),
    Endpoint("GET", lambda: f"/api/v1/insured/persons/{_psn()}/", allowed={Role.OFFICE, Role.ADMIN}),
    Endpoint("POST", lambda: f"/api/v1/insured/persons/{_psn()}/sanctions/", allowed={Role.OFFICE}, data={}),
    Endpoint("POST", "/api/v1/insured/sanctions/999999/lift/", allowed={Role.OFFICE}, data={}),
    Endpoint("POST", "/api/v1/insured/roster-imports/", allowed={Role.OFFICE, Role.ADMIN}, data={}),
    Endpoint("GET", "/insured/card-read/", allowed={Role.CLERK}, kind="page"),
    Endpoint("GET", "/insured/import/", allowed={Role.OFFICE, Role.ADMIN}, kind="page"),
    Endpoint("GET", "/insured/persons/?q=zs", allowed={Role.OFFICE, Role.ADMIN}, kind="page"),
    Endpoint("GET", lambda: f"/insured/persons/{_psn()}/", allowed={Role.OFFICE, Role.ADMIN}, kind="page"),
]


@pytest.mark.parametrize(("endpoint", "who"), matrix_cases(ENDPOINTS))
def test_permission_matrix(endpoint, who, client_for):
    check_access(client_for(who), endpoint, who)


def test_roster_import_api_reports_rows(client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("r.csv", "人员编号,姓名\n1,张三\n".encode(), content_type="text/csv")
    response = client_for(Role.ADMIN).post("/api/v1/insured/roster-imports/", {"file": upload})
    assert response.status_code == 400
    body = response.json()
    # The one error shape; every missing column as a row-1 error (issue 19: imports included).
    assert set(body) == {"code", "message", "rule", "errors"} and body["code"] == "import_rejected"
    assert body["errors"]["rows.1.certno"] == ["缺少必需的列：certno/证件号码"]


def test_ins1_card_read_api_refuses_an_unsigned_read_and_shows_the_centers_figures(client, center):
    """INS-1 through the API: entry_mode "reader" from the caller proves nothing; the reader's signature
    does. A signed read is checked with the center (1101): its balance stands beside the roster's."""
    person = make_person(balance="88.80")
    center.enrol(person)
    reader = make_reader()
    card = person.credentials.get(mdtrt_cert_type="03")
    api = _clerk_client(client)
    unsigned = api.post(
        "/api/v1/insured/card-read/",
        {
            "credential_type": "03",
            "credential_value": card.number,
            "card_sn": card.card_sn,
            "reader_id": "T-CARD",
            "entry_mode": "reader",
        },
        content_type="application/json",
    )
    assert unsigned.status_code == 400
    assert set(unsigned.json()) == ERROR_KEYS and unsigned.json()["code"] == "reader_unverified"
    no_serial = api.post(
        "/api/v1/insured/card-read/",
        {"credential_type": "03", "reader_id": "T-CARD", **signed(reader, card.number)},
        content_type="application/json",
    )
    assert no_serial.status_code == 400 and no_serial.json()["code"] == "card_sn_required"
    read = api.post(
        "/api/v1/insured/card-read/",
        {"credential_type": "03", "reader_id": "T-CARD", **signed(reader, card.number, card.card_sn)},
        content_type="application/json",
    )
    assert read.status_code == 201, read.json()
    center_rows = read.json()["center"]["insuinfo"]
    assert [(r["insutype"], r["balc"]) for r in center_rows] == [("310", "88.80")]
    assert read.json()["center"]["message"] == ""
