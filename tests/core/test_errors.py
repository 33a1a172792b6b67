"""One error body for every API failure; Chinese error pages for pages."""

import pytest
from django.test import Client, RequestFactory
from rest_framework.exceptions import ValidationError

from core.api.errors import api_exception_handler
from core.errors import ConflictError, DomainError
from core.roles import Role
from core.views import handler500

pytestmark = pytest.mark.django_db

KEYS = {"code", "message", "rule", "errors"}


def test_domain_error_carries_code_message_and_rule():
    response = api_exception_handler(
        DomainError("人员、证件、卡不一致，不得手工录入医保号。", code="manual_entry", rule="INS-1"), {}
    )
    assert response.status_code == 400
    assert response.data == {
        "code": "manual_entry",
        "message": "人员、证件、卡不一致，不得手工录入医保号。",
        "rule": "INS-1",
        "errors": {},
    }


def test_conflict_error_is_409():
    response = api_exception_handler(ConflictError("该住院已结算。", rule="SET-9"), {})
    assert response.status_code == 409
    assert response.data["code"] == "conflict"


def test_validation_errors_are_listed_per_field():
    response = api_exception_handler(ValidationError({"psn_no": ["该字段是必填项。"]}), {})
    assert response.status_code == 400
    assert set(response.data) == KEYS
    assert response.data["code"] == "validation_error"
    assert response.data["errors"] == {"psn_no": ["该字段是必填项。"]}


def test_api_validation_error_end_to_end():
    response = Client().post("/api/v1/auth/token/", {}, content_type="application/json")
    body = response.json()
    assert response.status_code == 400
    assert set(body) == KEYS
    assert set(body["errors"]) == {"username", "password"}
    assert "提交的数据有误" in body["message"]


def test_api_404_and_405_use_the_error_body(client_for):
    client = client_for(Role.CLERK)
    not_found = client.get("/api/v1/no-such-thing/")
    assert not_found.status_code == 404 and set(not_found.json()) == KEYS
    not_allowed = client.delete("/api/v1/me/")
    assert not_allowed.status_code == 405
    assert not_allowed.json()["code"] == "method_not_allowed"
    assert not_allowed.json()["message"] == "不支持该请求方法。"


def test_page_404_is_chinese(client_for):
    response = client_for(Role.CLERK).get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_page_403_is_chinese(client_for):
    response = client_for(Role.DOCTOR).get("/home/office/")
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_500_page_and_api_body():
    page = handler500(RequestFactory().get("/home/clerk/"))
    assert page.status_code == 500 and "系统内部错误" in page.content.decode()
    api = handler500(RequestFactory().get("/api/v1/me/"))
    assert api.status_code == 500
    assert b'"code": "server_error"' in api.content


def test_openapi_schema_and_offline_docs(client_for):
    client = client_for(Role.ADMIN)
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/me/" in paths and "/api/v1/auth/token/" in paths
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "cdn" not in docs.lower() and "https://" not in docs
