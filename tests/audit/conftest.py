from __future__ import annotations

from importlib import import_module

import pytest

# The second audit seed (rules RX-5 … FEE-5, the positive-rate threshold). tests/conftest.py re-applies
# 0002 after a transactional test's flush (keyed on "any AuditRule"); this re-applies the later seed.
LATER_SEED = ("FEE-5", "audit.migrations.0004_seed_pattern_rules")


@pytest.fixture(autouse=True)
def _audit_later_seed(request, django_db_blocker, _migration_seeds):
    if request.node.get_closest_marker("django_db") is None and not (
        {"db", "transactional_db"} & set(request.fixturenames)
    ):
        yield
        return
    from django.apps import apps

    from audit.models import AuditRule

    code, module = LATER_SEED
    with django_db_blocker.unblock():
        if not AuditRule.objects.filter(code=code).exists():
            import_module(module).seed(apps, None)
    yield
