"""The Content-Security-Policy breaks nothing (issue 19, item 9): the pages' scripts, htmx and the
vendored Swagger UI run in chromium without a single CSP refusal, and no page asks another host."""

from __future__ import annotations

import pytest

from core.roles import Role
from tests.admission.factories import admit, make_hospital
from tests.browser import login
from tests.factories import TEST_PASSWORD, UserFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_run_under_the_csp_without_refusals(page, live_server, artifacts_dir):
    stay = admit(make_hospital())
    UserFactory(username="super_csp", is_superuser=True, is_staff=True, roles=[Role.CLERK, Role.OFFICE])
    refusals: list[str] = []
    outside: list[str] = []
    page.on(
        "console",
        lambda message: refusals.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.on(
        "request",
        lambda request: outside.append(request.url) if not request.url.startswith(live_server.url) else None,
    )
    login(page, live_server, "super_csp", TEST_PASSWORD)
    for path in (
        "/insured/card-read/",
        "/admission/new/",
        f"/admission/{stay.pk}/",
        "/admission/rounds/",
        "/settlement/calculator/",
        "/prescriptions/new/",
        "/catalog/mapping/",
        "/admin/",
        "/api/docs/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    # htmx ran: a round tap swaps the card in place (an htmx POST with the CSRF header from app.js).
    page.goto(f"{live_server.url}/admission/rounds/")
    page.locator(f"#round-{stay.pk}").get_by_role("button", name="在床", exact=True).click()
    page.wait_for_selector(f"#round-{stay.pk} :text('上次')")
    # Swagger UI rendered from the vendored bundle and its init script file.
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .information-container")
    page.screenshot(path=str(artifacts_dir / "csp-api-docs.png"))
    assert refusals == []
    assert [url for url in outside if not url.startswith("data:")] == []
