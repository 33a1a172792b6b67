"""Issue 19 (1, 10): every API endpoint, given bad query parameters and bad bodies, answers below 500
and — when it refuses — in the one error shape {code, message, rule, errors} with plain Chinese text
(no "ErrorDetail(…)" anywhere)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
KEYS = {"code", "message", "rule", "errors"}
MISSING = 987654321
BAD_QUERY = "?q=" + "z" * 300 + "&date=2026-13-45&region=abc&status=x&page=-1&page_size=1e3&insutype=\u0001"
BODIES = [
    ("application/json", "{not json"),
    ("application/json", "[]"),
    ("application/json", "{}"),
    ("application/json", '"just a string"'),
    ("application/json", json.dumps({"quantity": "1e3", "amount": "NaN", "date": "2026-13-45"})),
    ("text/plain", "hello"),
]


def _api_routes(resolvers=None, prefix=""):
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from _api_routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            if route.startswith("api/v1/"):
                yield route


def _concrete(route: str) -> str:
    """A URL for a route pattern (path converters or DRF router regexes) with ids no row has."""
    url = re.sub(r"<(?:int:)?\w+>", str(MISSING), route)
    url = re.sub(r"\(\?P<\w+>[^)]*\)", str(MISSING), url)
    url = url.replace("^", "").replace("$", "").replace("\\.", ".")
    url = re.sub(r"\.\(\?P<format>.*", "", url)
    return "/" + url


def _fields(body: object) -> dict:
    """A body with every scalar replaced by a bad value of the same kind (strings → 3,000 characters)."""
    if isinstance(body, dict):
        return {k: _fields(v) for k, v in body.items()}
    if isinstance(body, list):
        return [_fields(v) for v in body] or ["x" * 3000]
    if isinstance(body, bool):
        return "perhaps"
    if isinstance(body, int | float):
        return "99999999999999999999"
    return "长" * 3000


def _check(response, what: str) -> None:
    assert response.status_code < 500, f"{what} → {response.status_code}"
    if response.status_code >= 400 and response.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        assert set(body) == KEYS, f"{what}: {body}"
        assert "ErrorDetail" not in json.dumps(body, ensure_ascii=False), f"{what}: {body}"
        assert isinstance(body["message"], str) and body["message"]


def test_every_api_endpoint_refuses_bad_input_in_the_one_shape():
    admin = UserFactory(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    routes = sorted({_concrete(r) for r in _api_routes()})
    assert len(routes) >= 20
    refused = 0
    for url in routes:
        _check(client.get(url + BAD_QUERY), f"GET {url}")
        for content_type, body in BODIES:
            for method in ("post", "patch"):
                response = getattr(client, method)(url, body, content_type=content_type)
                _check(response, f"{method.upper()} {url} {body[:30]}")
                refused += response.status_code >= 400
    assert refused > len(routes)


def test_known_bodies_with_every_field_wrong(client_for):
    """Real request shapes with every value replaced by a bad one of its kind."""
    admin = UserFactory(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    shapes = {
        "/api/v1/settlement/calculate/": {
            "policy": {"deductible": "500", "fund_ratio": "0.7"},
            "lines": [{"amount": "100", "insurance_class": "A"}],
            "acct_used_flag": True,
        },
        "/api/v1/insured/card-read/": {
            "credential_type": "03",
            "credential_value": "B1",
            "reader_id": "R1",
            "agent": {"certno": "1", "name": "x"},
        },
        "/api/v1/admissions/": {"psn_no": "1", "department": "D", "ward": "W", "attending_doctor": "1"},
        "/api/v1/prescriptions/check/": {"psn_no": "1", "lines": [{"item_code": "X", "quantity": 1}]},
    }
    for url, shape in shapes.items():
        response = client.post(url, _fields(shape), content_type="application/json")
        _check(response, f"POST {url}")
        assert response.status_code == 400, url
        body = response.json()
        assert body["code"] == "validation_error" and body["errors"], url
        assert all(isinstance(m, str) for ms in body["errors"].values() for m in ms), url


@pytest.mark.parametrize(
    "content",
    [b"", bytes(range(256)) * 20, b"PK\x03\x04junk", b"code,name\n" + b"A" * 131_072 + b",x\n"],
    ids=["empty", "binary", "broken-xlsx", "huge-cell"],
)
def test_import_endpoints_refuse_junk_files_in_the_one_shape(content, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.IMPORT_ASYNC_BYTES = 1024 * 1024  # answered at once (queued imports: tests/insured)
    from diagnoses.models import CodeTable

    admin = UserFactory(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    uploads = {
        "/api/v1/insured/roster-imports/": {},
        "/api/v1/diagnoses/import/": {"kind": CodeTable.values[0], "effective_from": "2026-01-01"},
    }
    for url, fields in uploads.items():
        upload = SimpleUploadedFile("junk.csv", content, content_type="text/csv")
        response = client.post(url, {**fields, "file": upload})
        _check(response, f"POST {url}")
        assert response.status_code == 400, url
        assert response.json()["errors"], url
