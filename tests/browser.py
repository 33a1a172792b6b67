"""Playwright with Debian's chromium (/usr/bin/chromium), never a downloaded browser.

Use the `page` fixture together with pytest-django's `live_server`; `login(page, live_server, user)`
signs in through the real login form. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def _browser() -> Iterator[object]:
    # Playwright's sync API runs an event loop; Django must allow sync DB calls beside it.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: `make test` installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(_browser) -> Iterator[object]:
    context = _browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def login(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.press("#id_password", "Enter")
    page.wait_for_load_state("networkidle")


# The two screens issue 19's journeys run on: the window's desktop and a phone (查房, the office).
SCREENS = {
    "1366x768": {"viewport": {"width": 1366, "height": 768}},
    "390x844": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


class Screen:
    """A page on one of SCREENS; `shot(name)` is the screenshot's path in test-artifacts/ (the phone's
    carry the suffix -390)."""

    def __init__(self, page, name: str, artifacts: Path) -> None:
        self.page = page
        self.name = name
        self.phone = name == "390x844"
        self._artifacts = artifacts

    def shot(self, name: str, *, full_page: bool = True) -> str:
        path = self._artifacts / f"{name}{'-390' if self.phone else ''}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return str(path)


@pytest.fixture(params=list(SCREENS))
def screen(request, _browser) -> Iterator[Screen]:
    artifacts = Path(__file__).resolve().parent.parent / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    context = _browser.new_context(locale="zh-CN", **SCREENS[request.param])
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield Screen(page, request.param, artifacts)
    context.close()
