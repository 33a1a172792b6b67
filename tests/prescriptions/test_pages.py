"""The doctor's page: live check partial, save, refusal kept as typed — and the journey in a real browser."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from core.roles import Role
from drug_catalog.models import CatalogItem, CatalogVersion
from prescriptions.models import Prescription
from tests.browser import login
from tests.factories import TEST_PASSWORD, PractitionerFactory, UserFactory
from tests.insured.factories import make_person


def make_catalog():
    version = CatalogVersion.objects.create(
        region="610000", code="P2026", name="页面测试目录", effective_from=datetime.date(2020, 1, 1)
    )
    CatalogItem.objects.create(
        version=version, code="XJ01DCA030A001", name="头孢呋辛酯片", item_type="western", insurance_class="B",
        pack_size=Decimal(24), unit="盒", min_unit="片", dosage_form="片剂", specification="0.125g*24片",
    )  # fmt: skip


def doctor(username="doc1"):
    user = UserFactory(username=username, roles=[Role.DOCTOR])
    PractitionerFactory(user=user, name="张建国")
    return user


FORM = {
    "visit_type": "outpatient",
    "diagnosis": ["J06.9"],
    "rows-0-item_code": "XJ01DCA030A001",
    "rows-0-item_label": "头孢呋辛酯片",
    "rows-0-quantity": "2",
    "rows-0-dose": "1",
    "rows-0-frequency": "tid",
    "rows-1-item_code": "",
}


@pytest.mark.django_db
def test_check_partial_shows_violation_beside_its_row_with_the_fix():
    make_catalog()
    person = make_person()
    client = Client()
    client.force_login(doctor())
    response = client.post("/prescriptions/check/", {**FORM, "psn_no": person.psn_no}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<div id="row-issues-0" class="rx-issues" hx-swap-oob="true">' in html
    assert "16 天量超过急性病 7 天（RX-2）" in html  # the full message, in the row's title
    # the fix names both fields, with the values one click applies: 7 days × 3 = 21 tablets < a box of
    # 24, so the box is split to 18 tablets = 0.75 box, 18 ÷ 3 = 6 days
    assert 'data-fix-quantity="0.75" data-fix-days="6">拆零改为 0.75 盒（18 片）、6 天</button>' in html
    assert 'id="row-issues-1"' in html  # the empty row is cleared too


@pytest.mark.django_db
def test_self_pay_with_consent_saves_as_the_page_promises():
    """D9/FEE-4: 16 days for an acute illness, marked self-pay with the patient's consent, is saved
    (the RX-2 finding kept as a warning); self-pay without consent is still refused."""
    make_catalog()
    person = make_person()
    client = Client()
    client.force_login(doctor())
    unconsented = {**FORM, "psn_no": person.psn_no, "rows-0-self_pay": "on"}
    assert client.post("/prescriptions/new/", unconsented).status_code == 200
    assert not Prescription.objects.exists()
    consented = {**unconsented, "rows-0-consent": "on"}
    saved = client.post("/prescriptions/new/", consented)
    prescription = Prescription.objects.get()
    assert saved.status_code == 302 and prescription.items.get().self_pay


@pytest.mark.django_db
def test_refused_save_keeps_what_was_typed_and_fixed_save_redirects():
    make_catalog()
    person = make_person()
    client = Client()
    client.force_login(doctor())
    refused = client.post("/prescriptions/new/", {**FORM, "psn_no": person.psn_no})
    html = refused.content.decode()
    assert refused.status_code == 200 and "处方未通过医保审核" in html
    assert 'value="头孢呋辛酯片"' in html and not Prescription.objects.exists()
    fixed = {**FORM, "psn_no": person.psn_no, "rows-0-quantity": "0.25"}
    saved = client.post("/prescriptions/new/", fixed)
    prescription = Prescription.objects.get()
    assert saved.status_code == 302 and saved.url == f"/prescriptions/{prescription.pk}/"
    detail = client.get(saved.url).content.decode()
    assert prescription.number in detail and "头孢呋辛酯片" in detail


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_doctor_composes_sees_rx2_fixes_and_saves(screen, live_server):
    """Issue 10 journey: pick the patient, a diagnosis by pinyin, a drug by initials; RX-2 appears
    beside the line with the fix; the fix in one click; the check turns green; save — at 1366×768 and
    on a 390×844 phone (issue 19)."""
    page = screen.page
    from diagnoses.models import DiagnosisCode

    make_catalog()
    DiagnosisCode.objects.get_or_create(
        kind="icd10", code="J06.9", effective_from=datetime.date(2000, 1, 1),
        defaults={"name": "急性上呼吸道感染", "source": "gnuhealth"},
    )  # fmt: skip
    person = make_person(name="李华")
    doctor("doc1")
    login(page, live_server, "doc1", TEST_PASSWORD)
    page.goto(f"{live_server.url}/prescriptions/new/")
    page.fill("#psn_no", person.psn_no)
    page.press("#psn_no", "Tab")
    page.wait_for_selector(".rx-patient-card:has-text('李华')")

    page.fill("#dx-search", "J06")
    page.wait_for_selector(".picker-list li:has-text('J06.9')")
    page.press("#dx-search", "Enter")
    page.wait_for_selector("#dx-chips .chip:has-text('J06.9')")

    item = page.locator("tr[data-row='0'] .rx-item")
    item.fill("tbfxz")
    page.wait_for_selector("tr[data-row='0'] .picker-list li:has-text('头孢呋辛酯片')")
    item.press("Enter")
    quantity = page.locator("input[name='rows-0-quantity']")
    quantity.fill("2")
    page.fill("input[name='rows-0-dose']", "1")
    page.select_option("select[name='rows-0-frequency']", "tid")
    # each change re-checks (htmx); the answer to the last one names the 16 days
    page.wait_for_selector("#row-issues-0 .rx-issue.block:has-text('16 天量')")
    issue = page.locator("#row-issues-0 .rx-issue.block")
    assert "16 天量超过急性病 7 天" in issue.inner_text()
    fix = issue.locator("button.rx-fix")
    assert fix.inner_text() == "拆零改为 0.75 盒（18 片）、6 天"
    screen.shot("prescription-rx2-violation")

    fix.click()  # issue 19 item 6: the fix in one click — quantity and days set, re-checked
    page.wait_for_selector(".rx-verdict.ok")
    assert quantity.input_value() == "0.75" and page.input_value("input[name='rows-0-days']") == "6"
    assert page.locator("#row-issues-0 .rx-issue.block").count() == 0
    screen.shot("prescription-fix-applied")
    page.keyboard.press("Control+s")
    page.wait_for_url("**/prescriptions/*/")
    assert "已保存" in page.locator(".messages").inner_text()
    screen.shot("prescription-saved")
    saved = Prescription.objects.get()
    item = saved.items.get()
    assert item.days_supply == Decimal("6.00") and item.quantity == Decimal("0.75")  # 0.75 × 24 ÷ 3
    assert saved.diagnoses.get().code == "J06.9"
