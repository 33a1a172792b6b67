"""Browser: every demo role logs in through the Chinese login page and lands on its home page."""

import pytest
from django.core.management import call_command

from core.demo import DEMO_USERS
from tests.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_each_demo_role_logs_in_and_lands_on_its_home(page, live_server, settings, artifacts_dir):
    call_command("seed_demo", verbosity=0)
    for demo in DEMO_USERS:
        login(page, live_server, demo.username, settings.DEMO_PASSWORD)
        assert page.url.endswith(f"/home/{demo.role.value}/"), page.url
        heading = page.locator(".page-header h1").inner_text()
        assert heading == f"{demo.role.label}工作台"
        assert page.locator(".nav a").first.inner_text() == f"{demo.role.label}工作台"
        page.screenshot(path=str(artifacts_dir / f"home-{demo.role.value}.png"), full_page=True)
        page.click("text=退出")
        page.wait_for_load_state("networkidle")
        assert "您已安全退出" in page.content()


def test_login_page_is_chinese_and_rejects_a_wrong_password(page, live_server, artifacts_dir):
    page.goto(f"{live_server.url}/login/")
    assert page.locator("h1").inner_text() == "医保管理系统"
    page.fill("#id_username", "nobody")
    page.fill("#id_password", "wrong-password")
    page.press("#id_password", "Enter")
    page.wait_for_load_state("networkidle")
    assert "请输入" in page.locator(".messages").inner_text()
    page.screenshot(path=str(artifacts_dir / "login-error.png"))
