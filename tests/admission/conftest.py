"""Admission tests: the permission-matrix users of the ward roles are practitioners of one home
department and ward, so the matrix (roles) and the scope tests (objects) each check one thing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from core.roles import Role
from tests.admission.factories import give_practitioner, home_hospital
from tests.factories import UserFactory
from tests.matrix import ANONYMOUS, SUPERUSER


@pytest.fixture
def client_for(db) -> Callable[[Role | str], Client]:
    def make(who: Role | str) -> Client:
        client = Client()
        if who == ANONYMOUS:
            return client
        if who == SUPERUSER:
            user = UserFactory(is_superuser=True, is_staff=True)
        else:
            user = UserFactory(roles=[Role(who)])
            give_practitioner(user, Role(who).value, home_hospital())
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make
