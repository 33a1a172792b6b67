"""目录对照 in a real browser: an office user maps an item by pinyin initials and records the approval,
using the keyboard only."""

import pytest

from core.roles import Role
from drug_catalog.models import HospitalItem
from tests.browser import login
from tests.drug_catalog.factories import HospitalItemFactory, make_catalog
from tests.factories import TEST_PASSWORD, UserFactory

AMOXICILLIN = "XJ01CAA040A00100000"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_office_maps_and_approves_an_item_with_the_keyboard(page, live_server, artifacts_dir):
    UserFactory(username="office1", roles=[Role.OFFICE])
    make_catalog()
    item = HospitalItemFactory(medins_list_codg="YN-AMX-025", name="阿莫西林胶囊（院内）")
    HospitalItemFactory(medins_list_codg="YN-ZJ-001", name="院内制剂")
    login(page, live_server, "office1", TEST_PASSWORD)

    page.click(".nav a:has-text('目录对照')")
    row = page.locator("tr[data-status=unmapped]", has_text="YN-AMX-025")
    assert "全自费" in row.inner_text()
    page.screenshot(path=str(artifacts_dir / "catalog-mapping-list.png"), full_page=True)
    row.locator("a").first.click()
    page.wait_for_load_state("networkidle")
    assert "未对照，全自费" in page.locator(".notices").inner_text()

    # The search box has the focus: type the initials, ↓ into the results, Enter maps.
    page.keyboard.type("amxl")
    page.locator(f"#national-results input[value={AMOXICILLIN}]").wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert f"已对照到 {AMOXICILLIN}，待中心审核" in page.locator(".messages").inner_text()
    assert "待中心审核，审核通过前全自费" in page.locator(".notices").inner_text()
    page.screenshot(path=str(artifacts_dir / "catalog-mapping-pending.png"), full_page=True)

    # The start date has the focus, filled with today: Enter records the approval.
    assert page.evaluate("document.activeElement.id") == "begndate"
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert "已登记中心审核通过" in page.locator(".messages").inner_text()
    assert page.locator("#payable").inner_text() == "医保按目录支付"
    assert page.locator("#mapped-code").inner_text() == AMOXICILLIN
    assert "阿莫西林胶囊" in page.locator(".card", has_text="当前对照").inner_text()
    page.screenshot(path=str(artifacts_dir / "catalog-mapping-approved.png"), full_page=True)

    item.refresh_from_db()
    assert item.mapping_status == HospitalItem.MappingStatus.APPROVED and item.fund_payable
    assert item.mapped_by.username == item.reviewed_by.username == "office1"
    # The next item waiting for work has the focus.
    assert page.evaluate("document.activeElement.id") == "next-item"
