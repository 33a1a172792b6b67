"""Issue 19 (Tests): schemathesis over the whole OpenAPI schema (drf-spectacular's /api/schema/) with a
bounded example count — valid and invalid bodies, parameters and path ids for every operation.
Every answer is below 500, and every refusal is the one error body {code, message, rule, errors} with a
Chinese message and no `ErrorDetail(…)` text.

Operations whose calls reach the insurance center (registration, card read, pre-settle, settle,
reversal, outpatient transactions) are left out: the center is a separate process, and their bad-input
answers are covered by tests/core/test_api_bad_bodies.py and each app's API tests. Should any other
operation reach the center, the test fails with the operation's name instead of waiting for a timeout.
"""

from __future__ import annotations

import json
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Examples per operation and generation mode (positive and negative); the whole run stays under a minute.
MAX_EXAMPLES = 5
ERROR_KEYS = {"code", "message", "rule", "errors"}
CJK = re.compile(r"[\u4e00-\u9fff]")

# operationId → the center transaction its call makes.
REACHES_CENTER = {
    "admissions_create": "2401 入院登记",
    "admissions_cancel_create": "2404 撤销入院登记",
    "admissions_register_create": "2401 入院登记",
    "admissions_registrations_cancel_create": "2404 撤销入院登记",
    "admissions_discharge_create": "2402 出院",
    "admissions_pre_settle_create": "2303 预结算",
    "admissions_settle_create": "2301/2304 结算",
    "admissions_settle_self_pay_create": "5201/5203 在途结算查询",
    "insured_card_read_create": "1101 人员信息获取",
    "outpatient_visits_create": "2201 门诊挂号",
    "outpatient_visits_items_create": "2204 门诊费用上传",
    "outpatient_visits_prescriptions_create": "2204 门诊费用上传",
    "outpatient_visits_pre_settle_create": "2206 门诊预结算",
    "outpatient_visits_settle_create": "2207 门诊结算",
    "settlements_resettle_create": "2301/2304 补结算",
    "settlements_reverse_create": "2305/2208 撤销结算",
}


@pytest.fixture
def api_schema(db, monkeypatch):
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    from center.client import CenterClient

    # As Django's test client does: the WSGI handler must not close the test's database connection
    # (its transaction holds the fixture rows and is rolled back at the end).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)

    def _no_center(self, infno, *args, **kwargs):
        raise AssertionError(f"an operation outside REACHES_CENTER called the center ({infno})")

    monkeypatch.setattr(CenterClient, "call", _no_center)
    admin = UserFactory(is_superuser=True, is_staff=True)
    token = Token.objects.create(user=admin)
    loaded = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json",
        get_wsgi_application(),
        headers={"Authorization": f"Token {token.key}"},
    )
    operation_ids = {
        operation.get("operationId")
        for path in loaded.raw_schema["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict)
    }
    assert set(REACHES_CENTER) <= operation_ids, set(REACHES_CENTER) - operation_ids  # names still right
    loaded = loaded.exclude(operation_id=list(REACHES_CENTER))
    loaded.auth_headers = {"Authorization": f"Token {token.key}"}  # the superuser: every check runs
    yield loaded
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def one_error_shape(ctx, response, case) -> bool | None:
    """A refusal (4xx) in JSON is the project's one error body, in Chinese, without DRF reprs."""
    if response.status_code < 400:
        return None
    headers = {name.lower(): value for name, value in response.headers.items()}
    content_type = headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.startswith("application/json"), f"{response.status_code} answered as {content_type}"
    body = json.loads(response.content)
    assert isinstance(body, dict) and set(body) == ERROR_KEYS, body
    assert isinstance(body["message"], str) and CJK.search(body["message"]), body
    assert isinstance(body["errors"], dict), body
    assert all(
        isinstance(messages, list) and all(isinstance(m, str) for m in messages)
        for messages in body["errors"].values()
    ), body
    assert "ErrorDetail" not in response.content.decode(), body
    return True


# Operations that take nothing schemathesis could make invalid (GET /me/ has no input; a psn_no in
# the path is any text): their invalid-data run would only search in vain for seconds.
NOTHING_INVALID = {"me_retrieve", "insured_persons_retrieve"}


def _fuzz(operation, mode: GenerationMode, headers: dict[str, str], calls: dict[str, int]) -> None:
    if mode == GenerationMode.NEGATIVE and operation.definition.raw.get("operationId") in NOTHING_INVALID:
        return

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,  # the same examples on every run: CI cannot turn red by chance
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    def call(case):
        calls[operation.label] = calls.get(operation.label, 0) + 1
        case.call_and_validate(headers=headers, checks=[not_a_server_error, one_error_shape])

    try:
        call()
    except Unsatisfiable:
        # No invalid data exists for it (GET /me/ takes nothing; a psn_no is any text).
        assert mode == GenerationMode.NEGATIVE, operation.label


def test_api_answers_below_500_in_the_one_error_shape(api_schema):
    """Each operation × {valid, invalid} data, MAX_EXAMPLES examples each (schemathesis' own pytest
    loader does not run under pytest 9, so the operations are walked here)."""
    failures: list[str] = []
    calls: dict[str, int] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 50
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, api_schema.auth_headers, calls)
            except Exception as exc:  # every operation runs; the report lists them all
                failures.append(f"{operation.label} ({mode}): {exc}")
    assert not failures, "\n\n".join(failures)
    assert {operation.label for operation in operations} == set(calls)  # each one was called
