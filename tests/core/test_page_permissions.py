"""Role checks for pages: role_required and RoleRequiredMixin (superuser passes)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.views import View

from core.permissions import RoleRequiredMixin, role_required
from core.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@role_required(Role.CLERK, Role.OFFICE)
def window_view(request):
    return HttpResponse("ok")


class OfficeView(RoleRequiredMixin, View):
    allowed_roles = (Role.OFFICE,)

    def get(self, request):
        return HttpResponse("ok")


def _request(user):
    request = RequestFactory().get("/somewhere/")
    request.user = user
    return request


@pytest.mark.parametrize(
    ("roles", "allowed"),
    [([Role.CLERK], True), ([Role.OFFICE], True), ([Role.DOCTOR], False), ([Role.NURSE, Role.ADMIN], False)],
)
def test_role_required(roles, allowed):
    request = _request(UserFactory(roles=roles))
    if allowed:
        assert window_view(request).status_code == 200
    else:
        with pytest.raises(PermissionDenied):
            window_view(request)


def test_role_required_sends_anonymous_to_login():
    response = window_view(_request(AnonymousUser()))
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=/somewhere/")


def test_mixin_admits_role_and_superuser_and_refuses_others():
    view = OfficeView.as_view()
    assert view(_request(UserFactory(roles=[Role.OFFICE]))).status_code == 200
    assert view(_request(UserFactory(is_superuser=True))).status_code == 200
    with pytest.raises(PermissionDenied):
        view(_request(UserFactory(roles=[Role.CLERK])))
    assert view(_request(AnonymousUser())).status_code == 302


def test_inactive_user_has_no_role():
    request = _request(UserFactory(roles=[Role.CLERK], is_active=False))
    with pytest.raises(PermissionDenied):
        window_view(request)
