"""Pages: the clerk's card-read screen and the office's person search and sanctions, in a real browser."""

import datetime

import pytest

from core.roles import Role
from insured.models import Sanction
from insured.rules import reader_mac
from tests.browser import login
from tests.factories import TEST_PASSWORD, UserFactory
from tests.insured.factories import make_person, make_reader

BROWSER = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.django_db
def test_card_read_page_refuses_typed_numbers_server_side(client_for):
    person = make_person()
    make_reader()
    response = client_for(Role.CLERK).post(
        "/insured/card-read/read/",
        {
            "reader_id": "T-CARD",
            "credential_type": "02",
            "credential_value": person.certno,
            "entry_mode": "manual",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "不得手工录入医保号" in response.content.decode()


@pytest.mark.django_db
def test_office_adds_a_sanction_on_the_person_page(client_for):
    person = make_person()
    office = client_for(Role.OFFICE)
    response = office.post(
        f"/insured/persons/{person.psn_no}/sanctions/",
        {"category": "III", "fund_loss": "3000", "description": "重复开药", "start_date": "2026-11-24"},
        follow=True,
    )
    html = response.content.decode()
    assert "改变医保结算方式，2026-11-24 至 2027-05-23（INS-4）" in html
    assert Sanction.objects.filter(person=person, settlement_changed=True).exists()


@pytest.mark.parametrize("_", [None], ids=["journey"])
@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_clerk_reads_a_card_and_confirms(page, live_server, artifacts_dir, _):
    UserFactory(username="clerk1", roles=[Role.CLERK])
    office = UserFactory(roles=[Role.OFFICE])
    person = make_person(name="张伟", balance="3200.00")
    from insured import services

    services.sanction_record(
        actor=office,
        person=person,
        category="I",
        fund_loss=__import__("decimal").Decimal("1500"),
        description="出借医保卡",
        start_date=datetime.date.today(),
    )
    reader = make_reader()
    login(page, live_server, "clerk1", TEST_PASSWORD)
    page.click("text=读卡")
    card = person.credentials.get(mdtrt_cert_type="03")
    # A human typing slowly is refused (INS-1) …
    page.type("#credential_value", card.number, delay=120)
    page.press("#credential_value", "Enter")
    page.locator(".big-message").wait_for()
    assert "不得手工录入医保号" in page.locator(".big-message").inner_text()
    # … the reader "types" the whole card in a burst, with its card_sn.
    page.type(
        "#credential_value",
        f"{card.number}|{card.card_sn}|{reader_mac(reader.secret, card.number, card.card_sn)}",
        delay=2,
    )
    page.press("#credential_value", "Enter")
    page.locator(".person-name").wait_for()
    assert "张伟" in page.locator(".person-name").inner_text()
    assert "不能直接结算" in page.locator(".settle-flag").inner_text()
    assert "改变医保结算方式" in page.locator(".notices").inner_text()
    assert "3200.00" in page.locator("#card-read-result table").first.inner_text()
    page.screenshot(path=str(artifacts_dir / "insured-card-read.png"), full_page=True)
    page.keyboard.press("F2")
    page.locator("text=已确认人、证、卡一致").wait_for()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_office_finds_by_pinyin_and_adds_a_sanction(page, live_server, artifacts_dir):
    UserFactory(username="office1", roles=[Role.OFFICE])
    person = make_person(name="王小明")
    login(page, live_server, "office1", TEST_PASSWORD)
    page.click("text=参保人员")
    page.fill("#q", "wxm")
    page.locator("#person-rows a", has_text="王小明").click()
    page.wait_for_load_state("networkidle")
    page.select_option("#category", "I")
    page.fill("#fund_loss", "2500")
    page.fill("#start_date", "2026-11-24")
    page.fill("#description", "冒用他人医保凭证就医")
    page.click("#sanction-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "2026-11-24 至 2027-11-23" in page.locator(".messages").inner_text()
    page.screenshot(path=str(artifacts_dir / "insured-person-sanction.png"), full_page=True)
    assert Sanction.objects.filter(person=person, scope_restricted=True).count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_demo_reader_swipes_a_demo_card(page, live_server, settings, artifacts_dir):
    from django.core.management import call_command

    settings.DEMO_MODE = True
    call_command("seed_demo", verbosity=0)
    login(page, live_server, "clerk", settings.DEMO_PASSWORD)
    page.goto(f"{live_server.url}/insured/card-read/")
    page.click("button[data-swipe]:has-text('王强')")
    page.locator(".person-name").wait_for()
    assert "王强" in page.locator(".person-name").inner_text()
    assert "限制医保就医范围" in page.locator(".notices").inner_text()
    page.click("button[data-swipe]:has-text('赵敏')")
    page.locator(".big-message").wait_for()
    assert "挂失" in page.locator(".big-message").inner_text()
    page.screenshot(path=str(artifacts_dir / "insured-demo-reader.png"), full_page=True)
