"""Phone pages (issue 19, item 8): 查房, 住院审核 and the person page at 390×844 — the menu opens
and shows every entry, nothing is wider than the screen, the round buttons work by touch."""

from __future__ import annotations

import pytest

from admission import services
from core.roles import Role
from tests.admission.factories import admit, make_hospital
from tests.browser import login
from tests.factories import TEST_PASSWORD, UserFactory
from tests.insured.factories import make_person

PHONE = {"width": 390, "height": 844}


def _no_horizontal_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width}px wide on a {PHONE['width']}px phone"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_office_pages_on_a_phone(_browser, live_server, artifacts_dir):
    hospital = make_hospital()
    stay = admit(hospital, make_person(name="欧阳慧敏"))
    ghost = admit(hospital, make_person(name="司马长风"), bed=1)
    for _ in range(2):  # ADM-5: two unexcused absences make a ghost-bed review
        services.round_record(actor=hospital.clerk, stay=ghost, finding="absent")
    person = make_person(name="诸葛明月")
    UserFactory(username="office_phone", roles=[Role.OFFICE])

    context = _browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        login(page, live_server, "office_phone", TEST_PASSWORD)

        page.goto(f"{live_server.url}/admission/rounds/")
        _no_horizontal_overflow(page)
        toggle = page.locator("#nav-toggle")
        assert toggle.is_visible() and not page.locator("#main-nav").is_visible()
        page.screenshot(path=str(artifacts_dir / "phone-rounds.png"), full_page=True)
        toggle.tap()
        menu = page.locator("#main-nav")
        assert menu.is_visible()
        for label in ("查房", "住院审核", "参保人员"):
            link = menu.get_by_role("link", name=label, exact=True)
            assert link.is_visible(), label
            box = link.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], label
        page.screenshot(path=str(artifacts_dir / "phone-menu-open.png"))
        toggle.tap()
        assert not menu.is_visible()

        card = page.locator(f"#round-{stay.pk}")
        card.get_by_role("button", name="在床", exact=True).tap()
        page.wait_for_selector(f"#round-{stay.pk} :text('上次')")
        assert stay.rounds.get().finding == "present"

        page.locator("#nav-toggle").tap()
        page.locator("#main-nav").get_by_role("link", name="住院审核", exact=True).tap()
        page.wait_for_url("**/admission/reviews/")
        assert "挂床" in page.locator(".review-item").first.inner_text()
        _no_horizontal_overflow(page)
        page.screenshot(path=str(artifacts_dir / "phone-reviews.png"), full_page=True)

        page.goto(f"{live_server.url}/insured/persons/{person.psn_no}/")
        assert "诸葛明月" in page.locator(".page-header h1").inner_text()
        _no_horizontal_overflow(page)
        page.screenshot(path=str(artifacts_dir / "phone-person.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_desktop_menu_stays_a_row_without_toggle(page, live_server):
    UserFactory(username="office_desk", roles=[Role.OFFICE])
    login(page, live_server, "office_desk", TEST_PASSWORD)
    page.goto(f"{live_server.url}/admission/rounds/")
    assert not page.locator("#nav-toggle").is_visible()
    assert page.locator("#main-nav").get_by_role("link", name="住院审核", exact=True).is_visible()
