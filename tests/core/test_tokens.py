"""API tokens expire (API_TOKEN_TTL_HOURS, default 12 h) and die with a password change (issue 19)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core.roles import Role
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _issue(username: str = "his", password: str = TEST_PASSWORD):
    return Client().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, content_type="application/json"
    )


def _me(key: str):
    return Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")


def _age(key: str, **delta) -> None:
    Token.objects.filter(key=key).update(created=timezone.now() - datetime.timedelta(**delta))


def test_default_lifetime_is_twelve_hours(settings):
    assert settings.API_TOKEN_TTL == datetime.timedelta(hours=12)


def test_token_answer_says_when_it_expires():
    UserFactory(username="his", roles=[Role.CLERK])
    before = timezone.now()
    body = _issue().json()
    expires = datetime.datetime.fromisoformat(body["expires_at"])
    # issued now + 12 h, within the seconds this test takes
    assert before + datetime.timedelta(hours=12) <= expires <= timezone.now() + datetime.timedelta(hours=12)


@pytest.mark.parametrize(
    ("age", "accepted"),
    [
        pytest.param({"hours": 11, "minutes": 59}, True, id="11h59-still-valid"),
        pytest.param({"hours": 12, "minutes": 1}, False, id="12h01-expired"),
    ],
)
def test_token_expires_after_its_lifetime(age, accepted):
    UserFactory(username="his", roles=[Role.CLERK])
    key = _issue().json()["token"]
    _age(key, **age)
    response = _me(key)
    if accepted:
        assert response.status_code == 200
        return
    assert response.status_code == 401
    assert response.json() == {
        "code": "token_expired",
        "message": "接口令牌已过期，请重新获取。",
        "rule": None,
        "errors": {},
    }
    assert not Token.objects.filter(key=key).exists()  # an expired token is deleted, not kept


def test_lifetime_is_configurable(settings):
    settings.API_TOKEN_TTL = datetime.timedelta(hours=1)
    UserFactory(username="his", roles=[Role.CLERK])
    key = _issue().json()["token"]
    _age(key, minutes=61)
    assert _me(key).status_code == 401


def test_asking_again_after_expiry_gives_a_new_working_token():
    UserFactory(username="his", roles=[Role.CLERK])
    old = _issue().json()["token"]
    _age(old, hours=13)
    new = _issue().json()["token"]
    assert new != old and _me(new).status_code == 200 and _me(old).status_code == 401


def test_password_change_revokes_the_token():
    user = UserFactory(username="his", roles=[Role.CLERK])
    key = _issue().json()["token"]
    assert _me(key).status_code == 200
    user.set_password("An0ther-Passw0rd!")
    user.save()
    assert _me(key).status_code == 401
    assert not Token.objects.filter(user=user).exists()


def test_saving_the_user_without_a_password_change_keeps_the_token():
    user = UserFactory(username="his", roles=[Role.CLERK])
    key = _issue().json()["token"]
    user.first_name = "改名"
    user.save()
    user.save(update_fields=["last_login"])
    assert _me(key).status_code == 200
