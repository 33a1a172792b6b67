"""Issue 19 journeys at the window in chromium at 1366×768 and on a 390×844 phone (tests.browser.SCREENS),
with screenshots in test-artifacts/ (the phone's named …-390.png):
admission with type-ahead pickers, settling with a confirmation (cash received and change), printing
the 结算单 and the 医疗保障基金结算清单 (header, dates and fund rows on the page) and the reversal slip."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from admission.models import Stay
from core.roles import Role
from core.text import name_keys
from diagnoses.models import DiagnosisCode
from settlement.models import Settlement
from tests.admission.factories import confirmed_read, make_codes, make_hospital
from tests.browser import login
from tests.factories import TEST_PASSWORD, DepartmentFactory, PractitionerFactory, UserFactory, WardFactory
from tests.insured.factories import make_person
from tests.settlement.test_settle import discharged_stay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_admission_with_type_ahead_pickers(screen, live_server):
    page = screen.page
    hospital = make_hospital()  # 呼吸内科, its ward and 张建国
    cardio = DepartmentFactory(name="心血管内科")
    WardFactory(department=cardio, name="心内一病区")
    PractitionerFactory(department=cardio, name="李心")
    second_doctor = PractitionerFactory(department=hospital.department, name="王肺")
    make_codes()
    for code, name in (("P23", "先天性肺炎"), ("J18", "肺炎，病原体未特指"), ("J18.9", "肺炎")):
        pinyin, initials = name_keys(name)
        DiagnosisCode.objects.update_or_create(
            kind="icd10",
            code=code,
            effective_from=datetime.date(2000, 1, 1),
            defaults={"name": name, "source": "gnuhealth", "name_pinyin": pinyin, "name_initials": initials},
        )
    person = make_person(name="孙立", birth=datetime.date(1980, 5, 17))
    clerk = UserFactory(username="clerk19", roles=[Role.CLERK])
    read = confirmed_read(person, clerk)
    login(page, live_server, "clerk19", TEST_PASSWORD)
    page.goto(f"{live_server.url}/admission/new/?card_read={read.pk}")

    # Department by its initials, lower case, found inside the name: 心血管内科 ← "xxg".
    page.fill("#department-q", "xxg")
    page.wait_for_selector(".combo .picker-list li:has-text('心血管内科')")
    page.press("#department-q", "Enter")
    assert page.input_value("#ward-q") == "心内一病区"  # the ward follows the department
    page.click("#attending_doctor-q")
    doctors = page.locator(".combo .picker-list li").all_inner_texts()
    assert any("李心" in d for d in doctors) and not any("张建国" in d for d in doctors)
    page.keyboard.press("Escape")

    # Back to 呼吸内科 by full pinyin; the doctor list is that department's.
    page.fill("#department-q", "huxi")
    page.press("#department-q", "Enter")
    expect(page.locator("#ward-q")).to_have_value(hospital.ward.name)
    page.wait_for_selector(f"#bed option[value='{hospital.beds[0].pk}']", state="attached")
    page.fill("#attending_doctor-q", "wf")
    page.wait_for_selector(".combo .picker-list li:has-text('王肺')")
    screen.shot("journey-admit-doctor-list", full_page=False)
    if screen.phone:
        page.press("#attending_doctor-q", "Enter")  # the only match, picked at once
    else:
        page.click(".combo .picker-list li:has-text('王肺')")
    assert page.input_value("#attending_doctor") == str(second_doctor.pk)

    # Diagnosis "fy": the adult pneumonia before the newborn's; P23 is marked and refused.
    page.fill("#dx-search", "fy")
    page.wait_for_selector(".picker-list li:has-text('P23')")
    items = page.locator("#dx-search + .picker-list li .main").all_inner_texts()
    assert items.index(next(i for i in items if i.startswith("J18 "))) < items.index(
        next(i for i in items if i.startswith("P23 "))
    )
    assert "DRG-1" in page.locator(".picker-list li.implausible").first.inner_text()
    screen.shot("journey-admit-diagnosis-ranking", full_page=False)
    page.locator(".picker-list li:has-text('J18 肺炎')").first.dispatch_event("mousedown")
    page.wait_for_selector("#dx-chips .chip:has-text('J18')")
    screen.shot("journey-admit-type-ahead", full_page=False)
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**/admission/*/")
    stay = Stay.objects.get(person=person)
    assert (stay.department_id, stay.attending_doctor_id) == (hospital.department.pk, second_doctor.pk)

    # The admission diagnosis is corrected before discharge; the page keeps the history (ADM-1).
    page.click("#edit-diagnoses")
    page.wait_for_url(f"**/admission/{stay.pk}/diagnoses/")
    page.locator("#dx-chips .chip-x").first.click()
    page.fill("#dx-search", "I10")
    page.wait_for_selector(".picker-list li:has-text('I10')")
    page.press("#dx-search", "Enter")
    page.fill("#id_reason", "入院后确诊高血压")
    page.click("#save-diagnoses")
    page.wait_for_selector(".messages:has-text('入院诊断已更正')")
    history = page.locator(".diagnosis-history").inner_text()
    assert "J18" in history and "I10" in history and "入院后确诊高血压" in history
    screen.shot("journey-admit-diagnosis-corrected")
    assert list(stay.diagnoses.filter(stage="admission").values_list("code", flat=True)) == ["I10"]

    # The next admission starts from the same department, ward and doctor.
    other = confirmed_read(make_person(name="钱多"), clerk)
    page.goto(f"{live_server.url}/admission/new/?card_read={other.pk}")
    assert page.input_value("#department-q") == "呼吸内科"
    assert page.input_value("#attending_doctor-q").startswith("王肺")
    screen.shot("journey-admit-remembered", full_page=False)


def test_settle_with_confirmation_then_print_and_reverse(screen, live_server, center):
    """The 720.00 stay with a 200.00 account: cash due 720.00 − 200.00 = 520.00; the clerk takes 600.00
    and gives 80.00 change."""
    page = screen.page
    _, stay = discharged_stay(center, person=make_person(balance="200.00", name="周红"))
    UserFactory(username="clerk19s", roles=[Role.CLERK], first_name="李收费")
    login(page, live_server, "clerk19s", TEST_PASSWORD)

    page.goto(f"{live_server.url}/")
    queue = page.locator(".settle-queue").inner_text()
    assert "周红" in queue and stay.ipt_no in queue and "普通住院" in queue
    screen.shot("journey-clerk-home-queue", full_page=False)
    page.locator(".settle-queue a:has-text('结算')").first.click()
    page.wait_for_url(f"**/settlement/stays/{stay.pk}/")

    page.keyboard.press("F9")
    page.wait_for_selector("#settle-dialog[open] #cash-due")
    assert page.locator("#cash-due").inner_text() == "¥520.00"
    assert Settlement.objects.filter(stay=stay).count() == 0  # nothing settled before the confirmation
    page.fill("#cash-received", "500")
    assert "还差 ¥20.00" in page.locator("#cash-error").inner_text()
    assert page.locator("#confirm-settle").is_disabled()
    page.fill("#cash-received", "600")
    assert page.locator("#cash-change").inner_text() == "¥80.00"
    screen.shot("journey-settle-confirmation", full_page=False)
    page.press("#cash-received", "Enter")
    page.wait_for_selector(".messages:has-text('结算成功')")
    message = page.locator(".messages").inner_text()
    assert "应收现金 ¥520.00" in message and "实收 ¥600.00" in message and "找零 ¥80.00" in message
    settlement = Settlement.objects.get(stay=stay, status=Settlement.Status.SETTLED)
    settled_at = timezone.localtime(settlement.settled_at)
    assert page.locator("td.settled-at").first.inner_text()[:10] == f"{settled_at:%Y-%m-%d}"
    screen.shot("journey-settled-list", full_page=False)

    admitted = f"{timezone.localtime(stay.admitted_at):%Y-%m-%d}"
    discharged = f"{timezone.localtime(stay.discharged_at):%Y-%m-%d}"
    page.click(f"a[href='/settlement/{settlement.pk}/receipt/']")
    page.wait_for_selector(".sheet")
    sheet = page.locator(".sheet").inner_text()
    for expected in (
        "西安市示范第一人民医院",
        "住院医疗费用结算单",
        admitted,
        discharged,
        "普通住院",
        "呼吸内科",
    ):
        assert expected in sheet, expected
    assert "个人账户支付" in sheet and "200.00" in sheet and "¥520.00" in sheet
    screen.shot("journey-print-receipt-a4")
    page.click("text=80 mm 小票")
    page.wait_for_selector("body.paper-r80 .sheet")
    screen.shot("journey-print-receipt-80mm")
    page.goto(f"{live_server.url}/settlement/{settlement.pk}/list/")
    sheet = page.locator(".sheet").inner_text()
    for expected in (
        "医疗保障基金结算清单",
        "西安市示范第一人民医院",
        admitted,
        discharged,
        "基金支付",
        "个人负担",
    ):
        assert expected in sheet, expected
    assert "床位费" in sheet and "J18.9" in sheet and "医保机构经办人" in sheet
    screen.shot("journey-print-settlement-list")
    pdf = page.request.get(f"{live_server.url}/settlement/{settlement.pk}/list.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"

    page.goto(f"{live_server.url}/settlement/stays/{stay.pk}/")
    page.fill("#reverse-reason", "费用录入有误")
    page.click("#reverse")
    page.wait_for_selector(".messages:has-text('结算已撤销')")
    page.click("a:has-text('撤销凭证')")
    page.wait_for_selector(".sheet")
    slip = page.locator(".sheet").inner_text()
    assert "结算撤销（退费）凭证" in slip and "费用录入有误" in slip and "¥520.00" in slip
    screen.shot("journey-reversal-slip")
    assert Settlement.objects.get(pk=settlement.pk).cash_pay == Decimal("520.00")
