"""Login, lockout (django-axes), logout, API tokens, and role groups with their permissions."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from core.roles import Role
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_page_is_chinese(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "用户名" in html and "密码" in html and "登录" in html
    assert 'lang="zh-Hans"' in html


def test_login_sends_the_user_to_their_role_home(client):
    UserFactory(username="clerk1", roles=[Role.CLERK])
    response = _login(client, "clerk1", TEST_PASSWORD)
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"] == "/home/clerk/"


def test_wrong_password_shows_a_chinese_error(client):
    UserFactory(username="clerk1", roles=[Role.CLERK])
    response = _login(client, "clerk1", "wrong")
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_lockout_after_repeated_failures_even_with_the_right_password(client, settings):
    UserFactory(username="clerk1", roles=[Role.CLERK])
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "clerk1", "wrong")
    response = _login(client, "clerk1", TEST_PASSWORD)
    assert response.status_code == 429
    assert "账号已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_one_failure_less_than_the_limit_does_not_lock(client, settings):
    UserFactory(username="clerk1", roles=[Role.CLERK])
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "clerk1", "wrong")
    response = _login(client, "clerk1", TEST_PASSWORD)
    assert response.status_code == 302


def test_logout_ends_the_session_with_a_message(client):
    user = UserFactory(roles=[Role.OFFICE])
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("logout"), follow=True)
    assert "您已安全退出" in response.content.decode()
    assert client.get("/home/office/").status_code == 302  # back to login


def test_anonymous_is_sent_to_login():
    response = Client().get("/home/clerk/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_user_without_role_gets_a_chinese_403():
    client = Client()
    client.force_login(UserFactory(), backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/")
    assert response.status_code == 403
    assert "尚未分配角色" in response.content.decode()


def test_superuser_passes_every_role_home(client_for):
    client = client_for("superuser")
    for role in Role:
        assert client.get(f"/home/{role.value}/").status_code == 200


def test_unknown_role_home_is_404(client_for):
    assert client_for(Role.CLERK).get("/home/cashier/").status_code == 404


def test_token_api_issues_a_token_and_the_token_authenticates():
    UserFactory(username="his", roles=[Role.CLERK])
    client = Client()
    response = client.post(
        "/api/v1/auth/token/", {"username": "his", "password": TEST_PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    me = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200
    assert me.json()["roles"] == [{"code": "clerk", "label": "收费员"}]


def test_token_api_refuses_wrong_credentials_with_the_error_body():
    UserFactory(username="his", roles=[Role.CLERK])
    response = Client().post(
        "/api/v1/auth/token/", {"username": "his", "password": "nope"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json() == {
        "code": "invalid_credentials",
        "message": "用户名或密码错误。",
        "rule": None,
        "errors": {},
    }


def test_token_api_locks_out_after_repeated_failures(settings):
    UserFactory(username="his", roles=[Role.CLERK])
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/api/v1/auth/token/", {"username": "his", "password": "x"}, content_type="application/json"
        )
    response = client.post(
        "/api/v1/auth/token/", {"username": "his", "password": TEST_PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"


def test_role_groups_exist_with_their_permissions():
    names = set(Group.objects.values_list("name", flat=True))
    assert {"收费员", "医保办", "医生", "护士", "管理员"} <= names
    clerk = Group.objects.get(name="收费员")
    assert clerk.permissions.filter(codename="view_bed").exists()
    assert not clerk.permissions.filter(codename="change_bed").exists()
    admin = Group.objects.get(name="管理员")
    assert admin.permissions.filter(codename="change_user").exists()
    assert admin.permissions.filter(codename="add_periodictask").exists()
