"""Issue 20: the sync page in a real browser (Playwright, Debian chromium)."""

from __future__ import annotations

import pytest

from core.roles import Role
from sync import cycle, tasks
from sync.models import SyncCycle
from tests.browser import login
from tests.factories import TEST_PASSWORD, UserFactory
from tests.sync.helpers import open_stay_with_lines, set_policy, sns, switch


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sync1_the_office_sees_cycles_chart_and_dead_letters_and_syncs_now(
    page, live_server, artifacts_dir, center, monkeypatch
):
    """A cycle uploaded 4 lines and dead-lettered a fifth; the office sees the cycle, the chart, the
    dead letter, presses 立即同步 and the manual cycle and the action appear."""
    _, stay = open_stay_with_lines(center, 5)
    set_policy(max_attempts=1)
    switch(center, refuse=[sns(stay)[0]])
    cycle.cycle_run()
    monkeypatch.setattr(tasks.sync_cycle, "delay", lambda **kwargs: tasks.sync_cycle(**kwargs))
    UserFactory(username="office_sync", roles=[Role.OFFICE])

    page.set_default_timeout(30_000)
    login(page, live_server, "office_sync", TEST_PASSWORD)
    page.goto(f"{live_server.url}/sync/")
    assert page.locator("#sync-cycles tbody tr").count() == 1
    assert "完成（有失败）" in page.locator("#sync-cycles").inner_text()
    assert page.locator("[data-testid=queue-dead]").inner_text() == "1"
    assert "模拟拒收" in page.locator("#sync-failures").inner_text()
    page.wait_for_function("() => window.Chart && Chart.getChart('sync-chart') !== undefined")
    page.screenshot(path=str(artifacts_dir / "sync-page.png"), full_page=True)
    page.click("[data-testid=sync-now]")
    page.wait_for_selector("#sync-cycles tbody tr:nth-child(2)")
    assert "立即同步" in page.locator("#sync-cycles tbody tr").first.inner_text()
    assert "立即同步" in page.locator("#sync-actions").inner_text()
    assert SyncCycle.objects.filter(trigger="manual").count() == 1
