"""POST /api/v1/settlement/calculate/ (saves nothing) and the SET-3 policy versions behind it."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from core.roles import Role
from settlement import selectors
from settlement.models import PolicyParameter
from tests.matrix import Endpoint, check_access, matrix_cases

pytestmark = pytest.mark.django_db
URL = "/api/v1/settlement/calculate/"
SET1 = {
    "policy": {"deductible": "500", "fund_ratio": "0.70"},
    "lines": [{"amount": "8000", "insurance_class": "A"}, {"amount": "1000", "insurance_class": "C"}],
}


def test_calculator_reproduces_set1(client_for):
    response = client_for(Role.OFFICE).post(URL, SET1, content_type="application/json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["total"] == "9000.00"
    assert body["fund_pay"] == "5250.00"
    assert body["deductible_paid"] == "500.00"
    assert body["cash_pay"] == "3750.00"
    assert {step["rule"] for step in body["trace"]} >= {"SET-2", "SET-3", "SET-8"}


def test_calculator_quantity_price_and_class_b(client_for):
    request = {
        "policy": {"deductible": "0", "fund_ratio": "0.80", "fund_paid_ytd": "0"},
        "lines": [
            {
                "quantity": "2",
                "unit_price": "55",
                "price_cap": "50",
                "insurance_class": "B",
                "b_self_pay_ratio": "0.10",
            }
        ],
        "personal_account_balance": "5",
    }
    body = client_for(Role.CLERK).post(URL, request, content_type="application/json").json()
    assert (body["over_limit_self_pay"], body["pre_self_pay"], body["in_scope"]) == (
        "10.00",
        "10.00",
        "90.00",
    )
    assert body["fund_pay"] == "72.00"
    assert body["personal_account_pay"] == "5.00"
    assert body["cash_pay"] == "33.00"


def test_calculator_with_policy_lookup_uses_the_seeded_set1_version(client_for):
    request = {
        "policy_lookup": {
            "insured_region": "610113",
            "insurance_type": "310",
            "med_type": "21",
            "hospital_tier": 3,
            "date": "2026-06-01",
        },
        "lines": SET1["lines"],
    }
    body = client_for(Role.OFFICE).post(URL, request, content_type="application/json").json()
    assert body["fund_pay"] == "5250.00"
    assert "SET-1" in body["policy_source"]


def test_set4_hangzhou_children_by_tier_and_without_certificate():
    on = datetime.date(2026, 10, 1)
    ratios = {
        tier: selectors.policy_version_as_of(
            insured_region="330106", insurance_type="390", med_type="11", hospital_tier=tier, on_date=on
        ).fund_ratio
        for tier in (3, 2, 1, None)
    }
    assert ratios == {3: D("0.4000"), 2: D("0.5000"), 1: D("0.6000"), None: D("0.4000")}


def test_set4_settlement_year_starts_on_1_september():
    version = selectors.policy_version_as_of(
        insured_region="330100",
        insurance_type="390",
        med_type="11",
        hospital_tier=3,
        on_date=datetime.date(2026, 10, 1),
    )
    assert selectors.settlement_year_start(version, datetime.date(2026, 8, 31)) == datetime.date(2025, 9, 1)
    assert selectors.settlement_year_start(version, datetime.date(2026, 9, 1)) == datetime.date(2026, 9, 1)


def test_missing_policy_is_a_coded_error(client_for):
    request = {
        "policy_lookup": {
            "insured_region": "110101",
            "insurance_type": "310",
            "med_type": "21",
            "date": "2026-06-01",
        },
        "lines": SET1["lines"],
    }
    response = client_for(Role.OFFICE).post(URL, request, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "policy_not_found"
    assert response.json()["rule"] == "SET-3"


def test_bad_input_is_listed_per_field(client_for):
    request = {"policy": {"deductible": "-1", "fund_ratio": "1.5"}, "lines": [{"insurance_class": "D"}]}
    body = client_for(Role.OFFICE).post(URL, request, content_type="application/json").json()
    assert body["code"] == "validation_error"
    # Nested fields flattened to dotted keys, each message plain Chinese text (issue 19: no ErrorDetail dump).
    assert set(body["errors"]) == {"policy.deductible", "policy.fund_ratio", "lines.0.insurance_class"}
    assert all(isinstance(m, str) for ms in body["errors"].values() for m in ms)
    assert "ErrorDetail" not in str(body)


def test_a_policy_version_in_force_cannot_be_edited():
    version = PolicyParameter.objects.filter(name__startswith="SET-1").get()
    version.fund_ratio = D("0.75")
    with pytest.raises(ValidationError, match="SET-3"):
        version.full_clean()


def test_a_later_version_replaces_the_earlier_from_its_date():
    current = PolicyParameter.objects.filter(name__startswith="SET-1").get()
    PolicyParameter.objects.create(
        name="SET-1 示例（2027 起）",
        insured_region="610100",
        insurance_type="310",
        care_type="inpatient",
        hospital_tier=3,
        deductible=D("450"),
        fund_ratio=D("0.75"),
        effective_from=datetime.date(2027, 1, 1),
    )
    lookup = {"insured_region": "610100", "insurance_type": "310", "med_type": "21", "hospital_tier": 3}
    assert selectors.policy_version_as_of(**lookup, on_date=datetime.date(2026, 12, 31)) == current
    assert selectors.policy_version_as_of(**lookup, on_date=datetime.date(2027, 1, 1)).deductible == D("450")


@pytest.mark.parametrize(
    ("endpoint", "who"),
    matrix_cases([Endpoint("POST", URL, allowed={Role.CLERK, Role.OFFICE, Role.ADMIN}, data=SET1)]),
)
def test_permission_matrix(endpoint, who, client_for):
    check_access(client_for(who), endpoint, who)
