"""Admission pages: server-side checks of every page and the clerk's journey in a real browser."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from admission import charges, services
from admission.models import DailyListAcknowledgement, Stay, StayReview
from core.roles import Role
from fees.models import FeeLine
from insured.rules import reader_mac
from tests.admission.factories import admit, make_catalog_items, make_codes, make_hospital, order
from tests.browser import login
from tests.factories import TEST_PASSWORD, PractitionerFactory, UserFactory
from tests.insured.factories import make_person, make_reader
from tests.matrix import Endpoint, check_access, matrix_cases


def logged_in(role, **kwargs):
    user = UserFactory(roles=[role], **kwargs)
    client = Client()
    client.force_login(user)
    return client, user


@pytest.mark.django_db
def test_every_page_renders_for_its_roles():
    hospital = make_hospital()
    items = make_catalog_items()
    stay = admit(hospital)
    the_order = order(hospital, stay, items["H-CT"])
    charges.charges_post(
        actor=hospital.clerk,
        stay=stay,
        lines=[
            charges.ChargeInput(
                order=the_order, quantity=1, charged_at=stay.admitted_at + datetime.timedelta(hours=1)
            )
        ],
    )
    clerk, _ = logged_in(Role.CLERK)
    office, _ = logged_in(Role.OFFICE)
    doctor, doctor_user = logged_in(Role.DOCTOR)
    PractitionerFactory(user=doctor_user, department=hospital.department)
    day = timezone.localtime(stay.admitted_at).date().isoformat()
    pages = [
        (clerk, "/admission/", stay.person.name),
        (clerk, "/admission/new/", "办理入院"),
        (clerk, f"/admission/{stay.pk}/", "CT 平扫"),
        (clerk, f"/admission/{stay.pk}/daily/{day}/", "当日合计"),
        (clerk, f"/admission/{stay.pk}/discharge/", "须先开出院医嘱"),
        (clerk, f"/admission/{stay.pk}/consent-form/?hospital_item={items['H-CHK'].pk}", "健康体检"),
        (office, "/admission/rounds/", stay.person.name),
        (office, "/admission/reviews/", "待审核事项"),
        (office, "/admission/referral-rate/", "转诊率"),
        (doctor, "/admission/my-patients/", stay.person.name),
        (doctor, f"/admission/{stay.pk}/orders/", the_order.drord_no),
        (clerk, "/home/clerk/", "急诊待补手续"),
        (office, "/home/office/", "疑似挂床"),
    ]
    for client, url, text in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url


@pytest.mark.django_db
def test_office_round_taps_make_a_ghost_bed_visible():
    """ADM-5: the second unexcused absence turns the stay into a ghost bed on the office's pages."""
    hospital = make_hospital()
    stay = admit(hospital)
    office, _ = logged_in(Role.OFFICE)
    first = office.post(f"/admission/rounds/{stay.pk}/", {"finding": "absent"}, HTTP_HX_REQUEST="true")
    assert "第 1 次无假不在床" in first.content.decode()
    second = office.post(
        f"/admission/rounds/{stay.pk}/", {"finding": "absent"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "无假不在床 2 次" in second and "待医保办审核" in second
    assert "挂床住院（ADM-5）" in office.get("/admission/reviews/").content.decode()
    review = StayReview.objects.get(stay=stay, kind=StayReview.Kind.GHOST_BED)
    office.post("/admission/reviews/", {"review": review.pk, "confirm": "1", "reason": "夜间两次不在床"})
    stay.refresh_from_db()
    assert stay.fund_status == Stay.FundStatus.NOT_PAYABLE


ENDPOINTS = [
    Endpoint("GET", "/admission/", allowed={Role.CLERK, Role.OFFICE, Role.DOCTOR, Role.NURSE}, kind="page"),
    Endpoint("GET", "/admission/new/", allowed={Role.CLERK}, kind="page"),
    Endpoint("GET", "/admission/rounds/", allowed={Role.OFFICE}, kind="page"),
    Endpoint("GET", "/admission/reviews/", allowed={Role.OFFICE}, kind="page"),
    Endpoint("GET", "/admission/referral-rate/", allowed={Role.OFFICE}, kind="page"),
    Endpoint("GET", "/admission/my-patients/", allowed={Role.DOCTOR}, kind="page"),
    Endpoint(
        "GET",
        "/admission/items/?q=ct",
        allowed={Role.CLERK, Role.OFFICE, Role.DOCTOR, Role.NURSE},
        kind="page",
    ),
]


def _home_stay_url(suffix: str):
    """A page of a stay in the matrix users' own department and ward (tests/admission/conftest.py)."""

    def url():
        from tests.admission.factories import home_hospital

        stay = Stay.objects.filter(department__code="MX01").first()
        if stay is None:
            make_codes()
            stay = admit(home_hospital())
        return f"/admission/{stay.pk}/{suffix}"

    url.__name__ = f"stay/{suffix}"
    return url


ENDPOINTS += [
    Endpoint("POST", _home_stay_url("discharge-order/"), allowed={Role.DOCTOR}, kind="page"),
    Endpoint("POST", _home_stay_url("consultations/"), allowed={Role.DOCTOR}, kind="page"),
    Endpoint("POST", _home_stay_url("charges/"), allowed={Role.CLERK, Role.NURSE}, kind="page"),
    Endpoint("POST", _home_stay_url("leaves/"), allowed={Role.NURSE, Role.DOCTOR}, kind="page"),
    Endpoint("GET", _home_stay_url("orders/"), allowed={Role.DOCTOR}, kind="page"),
]


@pytest.mark.parametrize(("endpoint", "who"), matrix_cases(ENDPOINTS))
@pytest.mark.django_db
def test_page_permission_matrix(endpoint, who, client_for):
    check_access(client_for(who), endpoint, who)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_clerk_reads_card_admits_charges_prints_daily_list_and_discharges(page, live_server, artifacts_dir):
    """Issue 11 journey: card read → admit → charges by pinyin → daily list → discharge checklist."""
    hospital = make_hospital()
    make_codes()
    items = make_catalog_items()
    reader = make_reader("W01-CARD")
    person = make_person(name="赵丽")
    UserFactory(username="clerk9", roles=[Role.CLERK])
    login(page, live_server, "clerk9", TEST_PASSWORD)

    page.goto(f"{live_server.url}/insured/card-read/")
    page.select_option("#reader_id", "W01-CARD")
    card = person.credentials.get(mdtrt_cert_type="03")
    page.type(
        "#credential_value",
        f"{card.number}|{card.card_sn}|{reader_mac(reader.secret, card.number, card.card_sn)}",
        delay=2,
    )  # the reader's burst
    page.press("#credential_value", "Enter")
    page.locator(".person-name").wait_for()
    page.locator("#confirm-match").click()
    page.locator("#go-admit").wait_for()
    page.keyboard.press("F4")
    page.wait_for_url("**/admission/new/**")
    page.fill("#ward-q", "hx")  # the ward's type-ahead: 呼吸内科一病区 by its initials
    page.press("#ward-q", "Enter")
    page.wait_for_selector(f"#bed option[value='{hospital.beds[0].pk}']", state="attached")
    page.fill("#dx-search", "J18")
    page.wait_for_selector(".picker-list li:has-text('J18.9')")
    page.keyboard.press("ArrowDown") if page.locator(
        ".picker-list li.active:has-text('J18.9')"
    ).count() == 0 else None
    page.press("#dx-search", "Enter")
    page.wait_for_selector("#dx-chips .chip:has-text('J18')")
    page.screenshot(path=str(artifacts_dir / "admission-admit.png"), full_page=True)
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**/admission/*/")
    assert "已办理入院" in page.locator(".messages").inner_text()
    stay = Stay.objects.get(person=person)

    # The doctor's orders come first (FEE-2); the clerk then charges against them by pinyin.
    order(hospital, stay, items["H-CT"])
    order(hospital, stay, items["H-AMX"], kind="long")
    page.reload()
    page.fill("#order-filter", "amxl")
    page.press("#order-filter", "Enter")
    page.fill("#charge-quantity", "2")
    page.press("#charge-quantity", "Enter")
    page.wait_for_selector(".messages:has-text('已计费')")
    page.fill("#order-filter", "ct")
    page.press("#order-filter", "Enter")
    page.press("#charge-quantity", "Enter")
    page.wait_for_selector("#charges table td:has-text('CT 平扫')")
    assert FeeLine.objects.filter(stay=stay).count() == 2
    page.screenshot(path=str(artifacts_dir / "admission-stay-charges.png"), full_page=True)

    day = timezone.localdate().isoformat()
    page.goto(f"{live_server.url}/admission/{stay.pk}/daily/{day}/")
    assert "155.76" in page.locator(".totals").inner_text()
    page.emulate_media(media="print")
    page.screenshot(path=str(artifacts_dir / "admission-daily-list-print.png"), full_page=True)
    page.emulate_media(media="screen")
    page.click("text=记录患者已签字")
    assert DailyListAcknowledgement.objects.filter(stay=stay).exists()

    page.goto(f"{live_server.url}/admission/{stay.pk}/")
    # ADM-10: the discharge order is the doctor's; the clerk sees its state and no button for it.
    assert "未开出院医嘱" in page.locator("#discharge-order-state").inner_text()
    assert page.locator("text=出院医嘱（开始出院核对）").count() == 0
    services.discharge_order(actor=hospital.clerk, stay=stay)  # the ward doctor orders discharge
    page.reload()
    page.click("text=出院核对与办理")
    page.wait_for_url("**/discharge/")
    page.click("#discharge-submit")
    page.wait_for_url(f"**/admission/{stay.pk}/")
    stay.refresh_from_db()
    assert stay.status == Stay.Status.DISCHARGED
    page.screenshot(path=str(artifacts_dir / "admission-discharged.png"), full_page=True)


@pytest.mark.django_db
def test_discharge_page_records_way_diagnosis_and_operation():
    hospital = make_hospital()
    stay = admit(hospital)
    clerk, _ = logged_in(Role.CLERK)
    doctor, doctor_user = logged_in(Role.DOCTOR)
    PractitionerFactory(user=doctor_user, department=hospital.department)
    assert doctor.post(f"/admission/{stay.pk}/discharge-order/").status_code == 302
    response = clerk.post(
        f"/admission/{stay.pk}/discharge/",
        {
            "discharge_way": "1",
            "diagnosis": ["J18.9"],
            "oprn_code": "33.2200",
            "oprn_name": "纤维支气管镜检查",
            "oprn_date": timezone.localdate().isoformat(),
            "oprn_operator": hospital.doctor.pk,
            "anaesthesia": "局部麻醉",
        },
    )
    assert response.status_code == 302
    stay.refresh_from_db()
    assert stay.status == Stay.Status.DISCHARGED and stay.discharge_way == "1"
    [operation] = stay.procedures.all()
    assert operation.code == "33.2200" and operation.is_main and operation.operator == hospital.doctor
    assert stay.diagnoses.filter(stage="discharge", is_main=True, code="J18.9").exists()


@pytest.mark.django_db
def test_nurse_requests_leave_and_the_doctor_approves_it():
    """ADM-6: the nurse records the leave on the stay page; the doctor approves it on 我的患者."""
    hospital = make_hospital()
    stay = admit(hospital)
    nurse, nurse_user = logged_in(Role.NURSE)
    PractitionerFactory(user=nurse_user, department=hospital.department, ward=hospital.ward, kind="nurse")
    page = nurse.get(f"/admission/{stay.pk}/").content.decode()
    assert "提交请假" in page
    start = timezone.localtime() + datetime.timedelta(hours=1)
    nurse.post(
        f"/admission/{stay.pk}/leaves/",
        {
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + datetime.timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "回家取物",
        },
    )
    leave = stay.leaves.get()
    doctor, doctor_user = logged_in(Role.DOCTOR)
    PractitionerFactory(user=doctor_user, department=hospital.department)
    assert "回家取物" in doctor.get("/admission/my-patients/").content.decode()
    doctor.post(f"/admission/leaves/{leave.pk}/decide/", {"approve": "1"})
    leave.refresh_from_db()
    assert leave.status == "approved"
