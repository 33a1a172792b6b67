"""Foundation endpoints in the endpoint × role matrix; every later issue adds its own."""

import pytest

from core.roles import Role
from tests.matrix import ALL_ROLES, Endpoint, check_access, matrix_cases

ENDPOINTS = [
    Endpoint("GET", "/api/v1/me/", allowed=ALL_ROLES),
    *[Endpoint("GET", f"/home/{role.value}/", allowed={role}, kind="page") for role in Role],
    Endpoint("GET", "/api/docs/", allowed=ALL_ROLES, kind="page"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "who"), matrix_cases(ENDPOINTS))
def test_permission_matrix(endpoint, who, client_for):
    check_access(client_for(who), endpoint, who)
