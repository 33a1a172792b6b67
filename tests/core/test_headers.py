"""Every page and API answer carries a Content-Security-Policy that allows only this server, and
`Cache-Control: no-store` (issue 19, item 9); no page loads anything from outside (item 7)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from core.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _clerk() -> Client:
    client = Client()
    client.force_login(UserFactory(roles=[Role.CLERK]))
    return client


def _directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("url", ["/", "/home/clerk/", "/admission/", "/insured/card-read/", "/api/v1/me/"])
def test_pages_and_api_answers_carry_csp_and_no_store(url):
    response = _clerk().get(url, follow=url == "/")
    _assert_headers(response)


def test_login_page_carries_them_too():
    _assert_headers(Client().get("/login/"))


def _assert_headers(response) -> None:
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    directives = _directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    script = directives["script-src"]  # our files, plus a nonce when the page has an inline script
    assert script[0] == "'self'" and all(source.startswith("'nonce-") for source in script[1:])
    for sources in directives.values():  # nothing from another host
        assert all(not re.match(r"https?:", source) for source in sources)


def test_token_authenticated_api_answers_are_not_stored():
    UserFactory(username="his", roles=[Role.CLERK])
    token = (
        Client()
        .post("/api/v1/auth/token/", {"username": "his", "password": "Test-Passw0rd!"}, "application/json")
        .json()["token"]
    )
    response = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "Content-Security-Policy" in response


def test_refusals_are_not_stored_either():
    response = Client().get("/api/v1/me/")
    assert response.status_code == 401 and "no-store" in response["Cache-Control"]


def test_no_template_has_inline_handlers_or_external_sources():
    """CSP refuses inline on…= handlers; the intranet has no internet (item 7)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in (root / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"\son[a-z]+=\"", text) or re.search(r"(src|href)=\"https?://", text):
            offenders.append(str(path.relative_to(root)))
        for script in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            if "csp_nonce" not in script:
                offenders.append(f"{path.relative_to(root)}: {script}")
    assert offenders == []


def test_api_docs_page_loads_only_local_files_and_redoc_is_gone():
    client = Client()
    client.force_login(UserFactory(roles=[Role.ADMIN]))
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "<script>" not in html  # the init script comes as a file (CSP)
    assert not re.search(r"(src|href)=\"https?://", html)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    assert client.get("/api/redoc/").status_code == 404
