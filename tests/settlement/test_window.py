"""The window: settlement API (Idempotency-Key, reverse, SET-10) and pages, and the clerk's journey
discharge → pre-settle → settle → print receipt → reverse in a real browser."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from admission.models import Stay
from core.roles import Role
from insured.rules import reader_mac
from settlement.models import Settlement
from tests.browser import login
from tests.factories import TEST_PASSWORD, UserFactory
from tests.matrix import Endpoint, check_access, matrix_cases
from tests.settlement.test_settle import discharged_stay


def clerk_client():
    client = Client()
    client.force_login(UserFactory(roles=[Role.CLERK]))
    return client


@pytest.mark.django_db
def test_settle_api_with_idempotency_key_and_reverse(center):
    _, stay = discharged_stay(center)
    clerk = clerk_client()
    missing_key = clerk.post(f"/api/v1/admissions/{stay.pk}/settle/", {}, content_type="application/json")
    assert missing_key.status_code == 400 and missing_key.json()["code"] == "idempotency_key_required"
    pre = clerk.post(f"/api/v1/admissions/{stay.pk}/pre-settle/", {}, content_type="application/json").json()
    assert pre["total"] == "720.00" and pre["center"]["medfee_sumamt"] == "720.00" and pre["mismatch"] == []
    assert Settlement.objects.count() == 0  # 试算 writes nothing
    first = clerk.post(
        f"/api/v1/admissions/{stay.pk}/settle/",
        {},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="w-1",
    )
    assert first.status_code == 201, first.content
    again = clerk.post(
        f"/api/v1/admissions/{stay.pk}/settle/",
        {},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="w-1",
    )
    assert again.json()["id"] == first.json()["id"]
    other = clerk.post(
        f"/api/v1/admissions/{stay.pk}/settle/",
        {},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="w-2",
    )
    assert other.status_code == 409 and other.json()["code"] == "already_settled"
    body = first.json()
    assert body["setl_id"] and body["mdtrt_id"] and body["clr_type"] == "21"
    assert body["total"] == "720.00" and {f["fund_pay_type"] for f in body["funds"]} <= {"310100", "310200"}
    reversed_ = clerk.post(
        f"/api/v1/settlements/{body['id']}/reverse/", {"reason": "结算有误"}, content_type="application/json"
    )
    assert reversed_.status_code == 201 and reversed_.json()["total"] == "-720.00"
    assert Stay.objects.get(pk=stay.pk).status == Stay.Status.DISCHARGED


@pytest.mark.django_db
def test_center_down_self_pay_then_resettle_via_api(center):
    _, stay = discharged_stay(center)
    clerk = clerk_client()
    center.fault(mode="down")
    down = clerk.post(
        f"/api/v1/admissions/{stay.pk}/settle/",
        {},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="s-1",
    )
    assert down.status_code >= 500 or down.status_code == 503
    cash = clerk.post(
        f"/api/v1/admissions/{stay.pk}/settle-self-pay/",
        {"reason": "医保中心故障"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="s-2",
    ).json()
    assert cash["mode"] == "self_pay" and cash["cash_pay"] == "720.00"
    center.fault(mode="ok")
    resettled = clerk.post(f"/api/v1/settlements/{cash['id']}/resettle/", {}, HTTP_IDEMPOTENCY_KEY="s-3")
    assert resettled.status_code == 201, resettled.content
    refund = resettled.json()["original"]["refund"]
    assert Decimal(refund["amount"]) == Decimal("720.00") - Decimal(resettled.json()["cash_pay"])


ENDPOINTS = [
    Endpoint("POST", "/api/v1/admissions/999999/settle/", allowed={Role.CLERK}, data={}),
    Endpoint("POST", "/api/v1/admissions/999999/pre-settle/", allowed={Role.CLERK, Role.OFFICE}, data={}),
    Endpoint("POST", "/api/v1/settlements/999999/reverse/", allowed={Role.CLERK}, data={}),
    Endpoint("GET", "/api/v1/settlements/999999/", allowed={Role.CLERK, Role.OFFICE}),
]


@pytest.mark.parametrize(("endpoint", "who"), matrix_cases(ENDPOINTS))
@pytest.mark.django_db
def test_permission_matrix(endpoint, who, client_for):
    check_access(client_for(who), endpoint, who)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_clerk_pre_settles_settles_prints_and_reverses(page, live_server, artifacts_dir, center):
    """Issue 12 journey: a discharged stay → 预结算 → 结算 → 结算单 → 撤销."""
    _, stay = discharged_stay(center)
    UserFactory(username="clerk12", roles=[Role.CLERK])
    login(page, live_server, "clerk12", TEST_PASSWORD)
    page.goto(f"{live_server.url}/admission/{stay.pk}/")
    page.click("#go-settle")
    page.click("#pre-settle")
    page.wait_for_selector(".pre-settle")
    assert "720.00" in page.locator(".pre-settle").inner_text()
    page.screenshot(path=str(artifacts_dir / "settlement-pre-settle.png"), full_page=True)
    page.keyboard.press("F9")  # the confirmation: amounts and the cash due before anything is settled
    page.wait_for_selector("#settle-dialog[open] #cash-due")
    assert Settlement.objects.filter(stay=stay).count() == 0
    page.click("#confirm-settle")
    page.wait_for_selector(".messages:has-text('结算成功')")
    settlement = Settlement.objects.get(stay=stay, status=Settlement.Status.SETTLED)
    page.click("a.btn:has-text('结算单')")
    page.wait_for_selector(".sheet")
    receipt = page.locator(".sheet").inner_text()
    assert "720.00" in receipt and "个人现金" in receipt and str(settlement.cash_pay) in receipt
    page.emulate_media(media="print")
    page.screenshot(path=str(artifacts_dir / "settlement-receipt-print.png"), full_page=True)
    page.emulate_media(media="screen")
    page.go_back()
    page.fill("#reverse-reason", "患者要求更正诊断")
    page.click("#reverse")
    page.wait_for_selector(".messages:has-text('结算已撤销')")
    page.screenshot(path=str(artifacts_dir / "settlement-reversed.png"), full_page=True)
    settlement.refresh_from_db()
    assert settlement.status == Settlement.Status.REVERSED
    assert Stay.objects.get(pk=stay.pk).status == Stay.Status.DISCHARGED


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_clerk_registers_an_outpatient_visit_charges_and_settles(page, live_server, artifacts_dir, center):
    """Issue 12 outpatient journey: card read → 门诊挂号 (2201) → 诊查费 by search → 结算 (2207) → 结算单."""
    import datetime

    from drug_catalog.models import CatalogItem, CatalogVersion, HospitalItem
    from tests.factories import DepartmentFactory, PractitionerFactory
    from tests.insured.factories import make_person, make_reader
    from tests.settlement.test_settle import center_knows_catalog

    version = CatalogVersion.objects.create(
        region="610000", code="OPB", name="门诊目录", effective_from=datetime.date(2020, 1, 1)
    )
    CatalogItem.objects.create(
        version=version,
        code="001101000010000",
        name="普通门诊诊查费",
        item_type="service",
        insurance_class="A",
    )
    HospitalItem.objects.create(
        medins_list_codg="H-ZC",
        name="普通门诊诊查费",
        price=Decimal("10"),
        med_list_codg="001101000010000",
        mapping_status="approved",
        mapped_from=datetime.date(2020, 1, 1),
    )
    center_knows_catalog(center)
    PractitionerFactory(department=DepartmentFactory(name="全科门诊"), name="钱医生")
    reader = make_reader("W01-CARD")
    person = make_person(name="周敏")
    center.enrol(person)
    UserFactory(username="clerk-op", roles=[Role.CLERK])
    login(page, live_server, "clerk-op", TEST_PASSWORD)
    page.goto(f"{live_server.url}/insured/card-read/")
    page.select_option("#reader_id", "W01-CARD")
    card = person.credentials.get(mdtrt_cert_type="03")
    page.type(
        "#credential_value",
        f"{card.number}|{card.card_sn}|{reader_mac(reader.secret, card.number, card.card_sn)}",
        delay=2,
    )
    page.press("#credential_value", "Enter")
    page.locator("#confirm-match").click()
    page.locator("#go-outpatient").click()
    page.click("#register-visit")
    page.wait_for_url("**/settlement/outpatient/*/")
    page.fill("#op-item", "诊查")
    page.wait_for_selector(".picker-list li")
    page.press("#op-item", "Enter")
    page.press("#quantity", "Enter")
    page.wait_for_selector(".messages:has-text('已收费')")
    page.keyboard.press("F9")  # the confirmation with the cash due (2206), then 2207
    page.wait_for_selector("#settle-dialog[open] #cash-due")
    page.fill("#cash-received", "20")
    page.click("#confirm-settle")
    page.wait_for_selector(".messages:has-text('门诊结算成功')")
    page.screenshot(path=str(artifacts_dir / "outpatient-settled.png"), full_page=True)
    settlement = Settlement.objects.get(visit__person=person, status=Settlement.Status.SETTLED)
    assert settlement.total == Decimal("10.00") and settlement.setl_id
    page.click("a:has-text('结算单')")
    page.wait_for_selector(".sheet")
    receipt = page.locator(".sheet").inner_text()
    assert "10.00" in receipt and "门诊号" in receipt and "住院号" not in receipt


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_resident_390_settle_reverse_and_resettle_inpatient_and_outpatient(
    page, live_server, artifacts_dir, center
):
    """Issue 16 journey for a 城乡居民 (390) patient: an inpatient stay settled, reversed (2305) and settled
    again; then an outpatient visit settled, reversed (2208) and settled again — the books agree."""
    import datetime

    from drug_catalog.models import CatalogItem, CatalogVersion, HospitalItem
    from settlement.books import books_agree
    from tests.factories import DepartmentFactory, PractitionerFactory
    from tests.insured.factories import make_person, make_reader
    from tests.settlement.test_settle import center_knows_catalog

    resident = make_person(name="刘洋", insutype="390")
    _, stay = discharged_stay(center, person=resident)
    UserFactory(username="clerk16", roles=[Role.CLERK])
    login(page, live_server, "clerk16", TEST_PASSWORD)
    page.goto(f"{live_server.url}/settlement/stays/{stay.pk}/")
    for attempt in range(2):
        page.keyboard.press("F9")  # the confirmation with the cash due, then 2304
        page.wait_for_selector("#settle-dialog[open] #cash-due")
        page.click("#confirm-settle")
        page.wait_for_selector(".messages:has-text('结算成功')")
        if attempt == 0:
            page.screenshot(path=str(artifacts_dir / "issue16-390-inpatient-settled.png"), full_page=True)
            page.fill("#reverse-reason", "更正入院诊断")
            page.click("#reverse")
            page.wait_for_selector(".messages:has-text('结算已撤销')")
    settled = Settlement.objects.get(stay=stay, status=Settlement.Status.SETTLED)
    # 390 inpatient, hand-worked as in test_settle: total 720.00 (bed 120, CT 300, check-up 300).
    assert settled.total == Decimal("720.00") and settled.insutype == "390"
    assert Settlement.objects.filter(stay=stay, status=Settlement.Status.REVERSED).count() == 1

    # The consultation joins the catalog version in force (the inpatient items' one): a catalog
    # version is the whole catalog, so a second version of the same day would hide the first.
    version = CatalogVersion.objects.get(region="610000", code="ADM-T")
    CatalogItem.objects.create(
        version=version,
        code="001101000010000",
        name="普通门诊诊查费",
        item_type="service",
        insurance_class="A",
    )
    HospitalItem.objects.create(
        medins_list_codg="H-ZC",
        name="普通门诊诊查费",
        price=Decimal("10"),
        med_list_codg="001101000010000",
        mapping_status="approved",
        mapped_from=datetime.date(2020, 1, 1),
    )
    center_knows_catalog(center)
    PractitionerFactory(department=DepartmentFactory(name="全科门诊"), name="钱医生")
    reader = make_reader("W16-CARD")
    page.goto(f"{live_server.url}/insured/card-read/")
    page.select_option("#reader_id", "W16-CARD")
    card = resident.credentials.get(mdtrt_cert_type="03")
    page.type(
        "#credential_value",
        f"{card.number}|{card.card_sn}|{reader_mac(reader.secret, card.number, card.card_sn)}",
        delay=2,
    )
    page.press("#credential_value", "Enter")
    page.locator("#confirm-match").click()
    page.locator("#go-outpatient").click()
    page.click("#register-visit")
    page.wait_for_url("**/settlement/outpatient/*/")
    page.fill("#op-item", "诊查")
    page.wait_for_selector(".picker-list li")
    page.press("#op-item", "Enter")
    page.press("#quantity", "Enter")
    page.wait_for_selector(".messages:has-text('已收费')")
    page.keyboard.press("F9")
    page.wait_for_selector("#settle-dialog[open] #cash-due")
    page.fill("#cash-received", "20")
    page.click("#confirm-settle")
    page.wait_for_selector(".messages:has-text('门诊结算成功')")
    first = Settlement.objects.get(visit__person=resident, status=Settlement.Status.SETTLED)
    page.fill("#visit-reverse-reason", "收费项目有误")
    page.click("#visit-reverse")
    page.wait_for_selector(".messages:has-text('门诊结算已撤销')")
    page.keyboard.press("F9")
    page.wait_for_selector("#settle-dialog[open] #cash-due")
    page.fill("#cash-received", "20")
    page.click("#confirm-settle")
    page.wait_for_selector(".messages:has-text('门诊结算成功')")
    page.screenshot(path=str(artifacts_dir / "issue16-390-outpatient-resettled.png"), full_page=True)
    first.refresh_from_db()
    assert first.status == Settlement.Status.REVERSED
    again = Settlement.objects.get(visit__person=resident, status=Settlement.Status.SETTLED)
    assert again.total == Decimal("10.00") and again.pk != first.pk
    assert books_agree() == []
