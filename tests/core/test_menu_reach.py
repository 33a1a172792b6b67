"""Every menu entry of every role — the office (医保办) and admin with the longest menus — is visible and
clickable at 1366×768 (the menu wraps instead of hiding 结算试算, 结算对账, 医保同步, 对账 past the right
edge) and reachable from the phone menu at 390×844 (the open menu scrolls by itself)."""

from __future__ import annotations

import pytest

from core.navigation import NAV_ITEMS
from core.roles import Role
from tests.browser import SCREENS, login
from tests.factories import TEST_PASSWORD, UserFactory

ROLES = list(Role)  # the office and the admin have the longest menus; the others are checked alike


def _expected_labels(role: Role) -> list[str]:
    return [item.label for item in NAV_ITEMS if role in item.roles]


def _assert_every_entry_reachable(page, labels: list[str], screen: dict, role: Role) -> None:
    width, height = screen["viewport"]["width"], screen["viewport"]["height"]
    menu = page.locator("#main-nav")
    links = menu.get_by_role("link")
    assert links.all_inner_texts() == labels, role
    for label in labels:
        link = menu.get_by_role("link", name=label, exact=True)
        link.scroll_into_view_if_needed()
        assert link.is_visible(), f"{role.label}: {label} hidden"
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{role.label}: {label} at {box}"
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, f"{role.label}: {label} at {box}"
        link.click(trial=True)  # actionable: visible, stable, enabled and not covered by another element


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_every_menu_entry_reachable_at_1366_and_390(_browser, live_server, artifacts_dir, role):
    UserFactory(username=f"menu_{role.value}", roles=[role])
    labels = _expected_labels(role)
    if role in (Role.OFFICE, Role.ADMIN):  # the entries that were cut off at 1366 px
        assert {"结算试算", "结算对账", "医保同步", "对账（3201）"} <= set(labels)

    desktop = _browser.new_context(locale="zh-CN", **SCREENS["1366x768"])
    page = desktop.new_page()
    page.set_default_timeout(10_000)
    try:
        login(page, live_server, f"menu_{role.value}", TEST_PASSWORD)
        _assert_every_entry_reachable(page, labels, SCREENS["1366x768"], role)
        # The last entries sit in the viewport's first screen, not below the fold.
        last = page.locator("#main-nav").get_by_role("link", name=labels[-1], exact=True).bounding_box()
        assert last["y"] + last["height"] <= 768
        page.screenshot(path=str(artifacts_dir / f"menu-{role.value}-1366.png"))
        if role in (Role.OFFICE, Role.ADMIN):  # one of the formerly hidden entries, followed for real
            page.locator("#main-nav").get_by_role("link", name="医保同步", exact=True).click()
            page.wait_for_load_state("networkidle")
            assert page.locator("#main-nav a.active").inner_text() == "医保同步"
    finally:
        desktop.close()

    phone = _browser.new_context(locale="zh-CN", **SCREENS["390x844"])
    page = phone.new_page()
    page.set_default_timeout(10_000)
    try:
        login(page, live_server, f"menu_{role.value}", TEST_PASSWORD)
        page.locator("#nav-toggle").tap()
        _assert_every_entry_reachable(page, labels, SCREENS["390x844"], role)
        page.screenshot(path=str(artifacts_dir / f"menu-{role.value}-390.png"))  # the last entry, scrolled to
    finally:
        phone.close()
