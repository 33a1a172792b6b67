"""Who may touch what, per object (issue 19, item 9): a doctor acts on his department's stays (and
those he attends or consults on), a nurse on her ward's, in pages and API alike; nobody approves his
own leave request (ADM-6); only doctors issue discharge orders (ADM-10).

The cases are generated: every (role, endpoint) pair runs against a stay of the user's own
department/ward (must succeed) and against a foreign one (must be refused with 403 or 404). A nurse's
foreign stays include one in her own department but on another ward.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.messages import constants, get_messages
from django.test import Client
from django.utils import timezone

from admission import services
from admission.models import LeaveRequest, Order, Stay
from core.roles import Role
from fees.models import FeeLine
from hospital.models import Practitioner
from tests.admission.factories import (
    Hospital,
    admit,
    charge,
    make_catalog_items,
    make_codes,
    make_hospital,
    order,
)
from tests.factories import BedFactory, PractitionerFactory, UserFactory, WardFactory

pytestmark = pytest.mark.django_db


@dataclass
class World:
    doctor: Any  # user: doctor of department A
    nurse: Any  # user: nurse of ward A1
    clerk: Any
    stays: dict[str, Stay]  # "a1": dept A ward A1, "a2": dept A ward A2, "b": dept B


def _in_an_hour() -> str:
    return (timezone.now() + datetime.timedelta(minutes=5)).isoformat()


@pytest.fixture
def world() -> World:
    make_codes()
    items = make_catalog_items()
    a = make_hospital()
    ward_a2 = WardFactory(department=a.department, name="呼吸内科二病区")
    a2 = Hospital(a.department, ward_a2, [BedFactory(ward=ward_a2, number="01")], a.doctor, a.clerk)
    b = make_hospital()
    # Emergency self-pay stays (no card read): no registration at the center, which is not tested here.
    emergency = {"read": False, "kind": Stay.Kind.EMERGENCY}
    stays = {"a1": admit(a, **emergency), "a2": admit(a2, **emergency), "b": admit(b, **emergency)}
    for key, hospital in (("a1", a), ("a2", a2), ("b", b)):
        the_order = order(hospital, stays[key], items["H-CT"])
        charge(hospital, stays[key], the_order)
        services.leave_request(
            actor=hospital.clerk,
            stay=stays[key],
            starts_at=timezone.now() + datetime.timedelta(hours=1),
            ends_at=timezone.now() + datetime.timedelta(hours=4),
            reason="回家取物",
        )
    doctor = UserFactory(roles=[Role.DOCTOR])
    PractitionerFactory(user=doctor, department=a.department, name="科室同事")  # not the attending doctor
    nurse = UserFactory(roles=[Role.NURSE])
    PractitionerFactory(user=nurse, department=a.department, ward=a.ward, kind=Practitioner.Kind.NURSE)
    return World(doctor=doctor, nurse=nurse, clerk=UserFactory(roles=[Role.CLERK]), stays=stays)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _leave(stay: Stay) -> LeaveRequest:
    return stay.leaves.get()


def _order(stay: Stay) -> Order:
    return stay.orders.get()


def _line(stay: Stay) -> FeeLine:
    return stay.charges.get()


@dataclass(frozen=True)
class Action:
    name: str
    method: str
    url: Any  # (stay) -> url
    data: Any = None  # (stay) -> body
    api: bool = True
    ok: tuple[int, ...] = (200,)


def _api(suffix: str) -> Any:
    return lambda stay: f"/api/v1/admissions/{stay.pk}/{suffix}"


def _page(suffix: str) -> Any:
    return lambda stay: f"/admission/{stay.pk}/{suffix}"


LEAVE_BODY = {
    "starts_at": (datetime.datetime(2030, 1, 1, 9, 0)).isoformat() + "+08:00",
    "ends_at": (datetime.datetime(2030, 1, 1, 15, 0)).isoformat() + "+08:00",
    "reason": "回家取物",
}
_SOON = datetime.date.today() + datetime.timedelta(days=2)  # forms accept leave within the year
PAGE_LEAVE = {"starts_at": f"{_SOON}T09:00", "ends_at": f"{_SOON}T15:00", "reason": "回家取物"}

DOCTOR_ACTIONS = [
    Action("api-detail", "GET", _api("")),
    Action("api-orders-list", "GET", _api("orders/")),
    Action("api-order", "POST", _api("orders/"), lambda s: {"item_code": "H-CT"}, ok=(201,)),
    Action("api-discharge-order", "POST", _api("discharge-order/"), lambda s: {}),
    Action("api-leave", "POST", _api("leaves/"), lambda s: LEAVE_BODY, ok=(201,)),
    Action(
        "api-leave-decide",
        "POST",
        lambda s: f"/api/v1/admissions/leaves/{_leave(s).pk}/decide/",
        lambda s: {"approve": True},
    ),
    Action("api-checklist", "GET", _api("checklist/")),
    Action("api-daily-list", "GET", _api("daily-list/")),
    Action("api-charges-list", "GET", _api("charges/")),
    Action("page-stay", "GET", _page(""), api=False),
    Action("page-orders", "GET", _page("orders/"), api=False),
    Action(
        "page-order",
        "POST",
        _page("orders/"),
        lambda s: {"hospital_item": _order(s).hospital_item_id, "quantity": "1", "kind": "temp"},
        api=False,
        ok=(302,),
    ),
    Action("page-discharge-order", "POST", _page("discharge-order/"), lambda s: {}, api=False, ok=(302,)),
    Action("page-leave", "POST", _page("leaves/"), lambda s: PAGE_LEAVE, api=False, ok=(302,)),
    Action(
        "page-leave-decide",
        "POST",
        lambda s: f"/admission/leaves/{_leave(s).pk}/decide/",
        lambda s: {"approve": "1"},
        api=False,
        ok=(302,),
    ),
]

NURSE_ACTIONS = [
    Action("api-detail", "GET", _api("")),
    Action(
        "api-charges",
        "POST",
        _api("charges/"),
        lambda s: {"lines": [{"drord_no": _order(s).drord_no, "quantity": "1", "charged_at": _in_an_hour()}]},
        ok=(201,),
    ),
    Action("api-charges-list", "GET", _api("charges/")),
    Action(
        "api-refund",
        "POST",
        lambda s: f"/api/v1/admissions/charges/{_line(s).pk}/refund/",
        lambda s: {"reason": "未做检查"},
        ok=(201,),
    ),
    Action(
        "api-consent",
        "POST",
        _api("consents/"),
        lambda s: {"item_code": "H-CHK", "reason": "体检自费", "signer": "患者"},
        ok=(201,),
    ),
    Action("api-leave", "POST", _api("leaves/"), lambda s: LEAVE_BODY, ok=(201,)),
    Action("api-daily-list", "GET", _api("daily-list/")),
    Action("page-stay", "GET", _page(""), api=False),
    Action(
        "page-charge",
        "POST",
        _page("charges/"),
        lambda s: {"order": _order(s).pk, "quantity": "1"},
        api=False,
        ok=(302,),
    ),
    Action(
        "page-refund",
        "POST",
        lambda s: f"/admission/{s.pk}/charges/{_line(s).pk}/refund/",
        lambda s: {"reason": "未做检查"},
        api=False,
        ok=(302,),
    ),
    Action("page-leave", "POST", _page("leaves/"), lambda s: PAGE_LEAVE, api=False, ok=(302,)),
    Action(
        "page-daily-list",
        "GET",
        lambda s: f"/admission/{s.pk}/daily/{timezone.localdate().isoformat()}/",
        api=False,
    ),
    Action("page-consent-form", "GET", _page("consent-form/"), api=False),
]

# (role, own stay, foreign stays): a nurse's foreign stays include her department's other ward.
SCOPES = {Role.DOCTOR: ("a1", ("b",)), Role.NURSE: ("a1", ("a2", "b"))}


def _cases() -> list[Any]:
    return [
        pytest.param(role, action, id=f"{role.value}-{action.name}")
        for role, actions in ((Role.DOCTOR, DOCTOR_ACTIONS), (Role.NURSE, NURSE_ACTIONS))
        for action in actions
    ]


def _call(client: Client, action: Action, stay: Stay):
    url = action.url(stay)
    if action.method == "GET":
        return client.get(url)
    body = action.data(stay) if action.data else {}
    if action.api:
        return client.post(url, body, content_type="application/json")
    return client.post(url, body)


def _assert_refused(response, action: Action) -> None:
    assert response.status_code in (403, 404), (response.status_code, response.content[:400])
    if action.api:
        body = response.json()
        assert set(body) == {"code", "message", "rule", "errors"}
        assert body["code"] in {"permission_denied", "not_found"}
    else:
        assert "无权" in response.content.decode()


def _assert_done(response, action: Action) -> None:
    assert response.status_code in action.ok, (response.status_code, response.content[:400])
    if action.ok == (302,):  # a page action: it succeeded, no error message was queued
        errors = [m.message for m in get_messages(response.wsgi_request) if m.level == constants.ERROR]
        assert "/login/" not in response["Location"] and errors == []


@pytest.mark.parametrize(("role", "action"), _cases())
def test_object_level_permissions(world, role, action):
    """Each action: refused on every foreign stay (first, so nothing it wrote can help), done on the
    user's own stay."""
    client = _client(world.doctor if role == Role.DOCTOR else world.nurse)
    own, foreign = SCOPES[role]
    for key in foreign:
        _assert_refused(_call(client, action, world.stays[key]), action)
    _assert_done(_call(client, action, world.stays[own]), action)


def test_foreign_page_actions_leave_nothing_behind(world):
    """A refused action writes nothing: no order, no charge, no decision on the foreign stay."""
    foreign = world.stays["b"]
    doctor, nurse = _client(world.doctor), _client(world.nurse)
    doctor.post(f"/admission/{foreign.pk}/orders/", {"hospital_item": _order(foreign).hospital_item_id})
    doctor.post(f"/admission/{foreign.pk}/discharge-order/")
    doctor.post(f"/admission/leaves/{_leave(foreign).pk}/decide/", {"approve": "1"})
    nurse.post(f"/admission/{foreign.pk}/charges/", {"order": _order(foreign).pk, "quantity": "1"})
    foreign.refresh_from_db()
    assert foreign.orders.count() == 1 and foreign.charges.count() == 1
    assert foreign.status == Stay.Status.ADMITTED
    assert _leave(foreign).status == LeaveRequest.Status.REQUESTED


def test_doctor_lists_his_departments_inpatients_not_others(world):
    """Doctors see the department's in-patients (a colleague's too), never another department's."""
    page = _client(world.doctor).get("/admission/my-patients/").content.decode()
    assert world.stays["a1"].ipt_no in page and world.stays["a2"].ipt_no in page
    assert world.stays["b"].ipt_no not in page
    listed = _client(world.doctor).get("/api/v1/admissions/").json()
    assert sorted(row["ipt_no"] for row in listed) == sorted(
        [world.stays["a1"].ipt_no, world.stays["a2"].ipt_no]
    )


def test_nurse_lists_only_her_wards_stays_and_sees_no_admit_button(world):
    page = _client(world.nurse).get("/admission/").content.decode()
    assert world.stays["a1"].ipt_no in page
    assert world.stays["a2"].ipt_no not in page and world.stays["b"].ipt_no not in page
    assert "办理入院" not in page
    assert "办理入院" in _client(world.clerk).get("/admission/").content.decode()


def test_attending_doctor_of_another_department_may_act():
    """The attending doctor is in scope even when the stay sits in another department."""
    make_codes()
    items = make_catalog_items()
    a, b = make_hospital(), make_hospital()
    stay = admit(b)
    attending = UserFactory(roles=[Role.DOCTOR])
    b.doctor.department = a.department
    b.doctor.user = attending
    b.doctor.save()
    response = _client(attending).post(
        f"/api/v1/admissions/{stay.pk}/orders/",
        {"item_code": items["H-CT"].medins_list_codg},
        "application/json",
    )
    assert response.status_code == 201, response.content


def test_consulting_doctor_may_act_after_the_invitation(world):
    consultant_user = UserFactory(roles=[Role.DOCTOR])
    other = make_hospital()
    consultant = PractitionerFactory(user=consultant_user, department=other.department)
    stay = world.stays["a1"]
    client = _client(consultant_user)
    assert client.get(f"/admission/{stay.pk}/orders/").status_code == 403
    invited = _client(world.doctor).post(
        f"/admission/{stay.pk}/consultations/", {"doctor": consultant.pk, "reason": "心功能评估"}
    )
    assert invited.status_code == 302 and stay.consultations.get().doctor == consultant
    assert client.get(f"/admission/{stay.pk}/orders/").status_code == 200
    assert stay.ipt_no in client.get("/admission/my-patients/").content.decode()


def test_nobody_approves_his_own_leave_request(world):
    """ADM-6: the doctor who asked for the leave cannot approve it — page and API alike."""
    stay = world.stays["a1"]
    doctor = _client(world.doctor)
    response = doctor.post(f"/api/v1/admissions/{stay.pk}/leaves/", LEAVE_BODY, "application/json")
    assert response.status_code == 201
    own = LeaveRequest.objects.get(pk=response.json()["id"])
    refused = doctor.post(
        f"/api/v1/admissions/leaves/{own.pk}/decide/", {"approve": True}, "application/json"
    )
    assert refused.status_code == 403 and refused.json()["code"] == "own_request"
    assert refused.json()["rule"] == "ADM-6"
    page = doctor.get("/admission/my-patients/").content.decode()
    assert "本人提交，须由其他医师审批" in page
    doctor.post(f"/admission/leaves/{own.pk}/decide/", {"approve": "1"}, follow=True)
    own.refresh_from_db()
    assert own.status == LeaveRequest.Status.REQUESTED
    colleague = UserFactory(roles=[Role.DOCTOR])
    PractitionerFactory(user=colleague, department=stay.department)
    approved = _client(colleague).post(
        f"/api/v1/admissions/leaves/{own.pk}/decide/", {"approve": True}, "application/json"
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"


def test_only_doctors_issue_discharge_orders_the_clerk_sees_the_state(world):
    """ADM-10: the clerk's page shows the order's state and no button; the clerk's call is refused."""
    stay = world.stays["a1"]
    clerk = _client(world.clerk)
    page = clerk.get(f"/admission/{stay.pk}/").content.decode()
    assert "未开出院医嘱" in page and "出院医嘱（开始出院核对）" not in page
    assert clerk.post(f"/admission/{stay.pk}/discharge-order/").status_code == 403
    api = clerk.post(f"/api/v1/admissions/{stay.pk}/discharge-order/", {}, "application/json")
    assert api.status_code == 403 and api.json()["code"] == "permission_denied"
    assert "出院医嘱（开始出院核对）" in _client(world.doctor).get(f"/admission/{stay.pk}/").content.decode()
    _client(world.doctor).post(f"/admission/{stay.pk}/discharge-order/")
    stay.refresh_from_db()
    assert stay.status == Stay.Status.DISCHARGE_ORDERED
    assert "出院核对与办理" in clerk.get(f"/admission/{stay.pk}/").content.decode()


def test_nurse_sees_no_order_or_discharge_button_the_doctor_no_charge_entry(world):
    stay = world.stays["a1"]
    nurse_page = _client(world.nurse).get(f"/admission/{stay.pk}/").content.decode()
    assert "出院医嘱（开始出院核对）" not in nurse_page and f"/admission/{stay.pk}/orders/" not in nurse_page
    assert f"/admission/{stay.pk}/charges/" in nurse_page
    doctor_page = _client(world.doctor).get(f"/admission/{stay.pk}/").content.decode()
    assert f"/admission/{stay.pk}/charges/" not in doctor_page and "登记交卡" not in doctor_page
    # ADM-9 daily lists are the clerk's and nurse's: the doctor sees the days, not links that answer 403.
    assert f"/admission/{stay.pk}/daily/" in nurse_page and f"/admission/{stay.pk}/daily/" not in doctor_page
