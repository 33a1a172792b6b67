"""The 结算试算 page: the office's tool to explain a bill (same computation as the API)."""

import re

import pytest

from core.roles import Role
from tests.browser import login
from tests.factories import TEST_PASSWORD, UserFactory
from tests.matrix import Endpoint, check_access, matrix_cases

URL = "/settlement/calculator/"
SET1_FORM = {
    "mode": "given",
    "deductible": "500",
    "fund_ratio": "0.70",
    "acct_used_flag": "on",
    "amount": ["8000", "1000", ""],
    "quantity": ["", "", ""],
    "unit_price": ["", "", ""],
    "insurance_class": ["A", "C", "A"],
    "b_self_pay_ratio": ["", "", ""],
    "price_cap": ["", "", ""],
}


@pytest.mark.django_db
def test_set1_on_the_page_via_htmx(client_for):
    response = client_for(Role.OFFICE).post(URL, SET1_FORM, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # the partial only
    assert '<th>统筹基金支出</th><td class="num">5250.00' in html
    assert "SET-3" in html
    # Issue 19: Chinese names on the page (its visible text), the national names stay in the API.
    text = re.sub(r"<[^>]+>", " ", html)
    for national in ("hifp_pay", "full_self_pay", "in_scope", "_amt", "policy:", "seed 0", "pool_prop"):
        assert national not in text, national


@pytest.mark.django_db
def test_policy_lookup_not_found_shows_the_rule(client_for):
    form = {
        **SET1_FORM,
        "mode": "lookup",
        "insured_region": "110101",
        "insurance_type": "310",
        "med_type": "21",
        "hospital_tier": "3",
        "date": "2026-06-01",
    }
    response = client_for(Role.CLERK).post(URL, form, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    html = response.content.decode()
    assert "未找到参保地 110101" in html and "SET-3" in html


@pytest.mark.django_db
def test_empty_lines_are_a_form_error(client_for):
    form = {**SET1_FORM, "amount": ["", "", ""]}
    response = client_for(Role.OFFICE).post(URL, form)
    assert response.status_code == 400
    assert "请检查输入" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("endpoint", "who"),
    matrix_cases([Endpoint("GET", URL, allowed={Role.CLERK, Role.OFFICE, Role.ADMIN}, kind="page")]),
)
def test_permission_matrix(endpoint, who, client_for):
    check_access(client_for(who), endpoint, who)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_office_explains_a_bill_in_the_browser(page, live_server, artifacts_dir):
    UserFactory(username="office1", roles=[Role.OFFICE])
    login(page, live_server, "office1", TEST_PASSWORD)
    page.click("text=结算试算")
    page.check("input[name=mode][value=given]")
    page.fill("#deductible", "500")
    page.fill("#fund_ratio", "0.70")
    amounts = page.locator("input[name=amount]")
    amounts.nth(0).fill("8000")
    amounts.nth(1).fill("1000")
    page.locator("select[name=insurance_class]").nth(1).select_option("C")
    amounts.nth(1).press("Enter")
    fund = page.locator("tr[data-part=fund_pay] td")
    fund.wait_for()
    assert fund.inner_text() == "5250.00"
    assert page.locator("tr[data-part=cash_pay] td").inner_text() == "3750.00"
    page.screenshot(path=str(artifacts_dir / "settlement-calculator.png"), full_page=True)
    page.emulate_media(media="print")
    receipt = page.locator(".receipt-doc")
    assert receipt.is_visible() and "5250.00" in receipt.inner_text()
    assert not page.locator("#calc-form").is_visible()
    page.pdf(path=str(artifacts_dir / "settlement-receipt-a4.pdf"), format="A4")
    page.evaluate("document.body.classList.add('narrow')")
    page.pdf(path=str(artifacts_dir / "settlement-receipt-80mm.pdf"), prefer_css_page_size=True)
