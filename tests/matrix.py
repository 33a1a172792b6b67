"""Endpoint × role permission matrix, shared by every app's tests.

Declare each endpoint once with the roles allowed to use it; `matrix_cases` expands the
declaration into one test case per role, plus anonymous and superuser:

    ENDPOINTS = [
        Endpoint("GET", "/api/v1/me/", allowed=ALL_ROLES),
        Endpoint("GET", "/home/clerk/", allowed={Role.CLERK}, kind="page"),
    ]

    @pytest.mark.parametrize(("endpoint", "who"), matrix_cases(ENDPOINTS))
    def test_permissions(endpoint, who, client_for):
        check_access(client_for(who), endpoint, who)

Refused API calls must answer 403 with the error body (401 for anonymous); refused pages
answer 403 (anonymous: redirect to login). Allowed calls must not be refused; whatever else
they answer (200, 400 for an empty body …) is the endpoint's own tests' business.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

from core.roles import Role

ALL_ROLES = frozenset(Role)
ANONYMOUS = "anonymous"
SUPERUSER = "superuser"


@dataclass(frozen=True)
class Endpoint:
    method: str
    url: str | Callable[[], str]
    allowed: frozenset[Role] | set[Role]
    kind: str = "api"  # "api" or "page"
    data: dict[str, Any] | None = field(default=None, hash=False, compare=False)

    def resolve_url(self) -> str:
        return self.url() if callable(self.url) else self.url

    @property
    def label(self) -> str:
        url = self.url if isinstance(self.url, str) else getattr(self.url, "__name__", "url")
        return f"{self.method} {url}"


def matrix_cases(endpoints: Iterable[Endpoint]) -> list[Any]:
    cases = []
    for endpoint in endpoints:
        for who in [*Role, SUPERUSER, ANONYMOUS]:
            who_id = who.value if isinstance(who, Role) else who
            cases.append(pytest.param(endpoint, who, id=f"{endpoint.label}-{who_id}"))
    return cases


def is_allowed(endpoint: Endpoint, who: Role | str) -> bool:
    if who == SUPERUSER:
        return True
    if who == ANONYMOUS:
        return False
    return who in endpoint.allowed


def check_access(client: Any, endpoint: Endpoint, who: Role | str) -> Any:
    url = endpoint.resolve_url()
    call = getattr(client, endpoint.method.lower())
    if endpoint.method.upper() in {"GET", "HEAD", "DELETE"}:
        response = call(url)
    else:
        response = call(url, data=endpoint.data or {}, content_type="application/json")
    status = response.status_code
    if is_allowed(endpoint, who):
        assert status not in (401, 403), f"{who} should reach {endpoint.label}, got {status}"
        if endpoint.kind == "page":
            assert not (status == 302 and "/login/" in response.get("Location", "")), f"{who} sent to login"
        return response
    if endpoint.kind == "api":
        expected = 401 if who == ANONYMOUS else 403
        assert status == expected, f"{who} on {endpoint.label}: expected {expected}, got {status}"
        body = response.json()
        assert body["code"] in {"permission_denied", "not_authenticated"}
        assert set(body) == {"code", "message", "rule", "errors"}
    elif who == ANONYMOUS:
        assert status == 302 and "/login/" in response["Location"], f"anonymous got {status}"
    else:
        assert status == 403, f"{who} on {endpoint.label}: expected 403, got {status}"
        assert "无权" in response.content.decode()
    return response
