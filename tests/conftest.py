from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from core.roles import Role
from tests.factories import UserFactory
from tests.matrix import ANONYMOUS, SUPERUSER

ARTIFACTS_DIR = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(autouse=True)
def _clear_cache():
    """Tests share Redis db 15; start each from an empty cache (and no process-local copies)."""
    from prescriptions.selectors import forget_local

    cache.clear()
    forget_local()
    yield


# Reference data seeded by data migrations (idempotent seed functions). A transactional test flushes
# the database afterwards; re-apply what is missing so every test starts from the migrated state.
# Each entry: the model, the lookup of a row that seed writes ({} = any row), the seed's module.
MIGRATION_SEEDS = [
    ("settlement.PolicyParameter", {}, "settlement.migrations.0002_seed_policies"),
    ("settlement.FundPayType", {}, "settlement.migrations.0009_seed_fund_pay_types"),
    ("settlement.FundLayer", {}, "settlement.migrations.0011_seed_person_type_policies_and_fund_layers"),
    ("settlement.FundPayType", {"code": "999996"}, "settlement.migrations.0012_fund_pay_type_hospital_share"),
    ("insured.CertificateType", {}, "insured.migrations.0002_seed_code_tables_and_ins4"),
    ("diagnoses.DiseaseCategoryRange", {}, "diagnoses.migrations.0002_seed_category_ranges"),
    ("prescriptions.DaySupplyProfile", {}, "prescriptions.migrations.0002_seed_profiles"),
    ("admission.AdmissionPolicy", {}, "admission.migrations.0002_seed_policy"),
    ("diagnoses.DiagnosisRestriction", {}, "diagnoses.migrations.0003_diagnosis_restrictions"),
    ("audit.AuditRule", {}, "audit.migrations.0002_fee_line_view_and_seed"),
    ("audit.AuditRule", {"code": "FEE-5"}, "audit.migrations.0004_seed_pattern_rules"),
    ("admission.DailyItemGroup", {}, "admission.migrations.0007_fee3_daily_item_groups"),
    ("core.CalendarDay", {}, "core.migrations.0002_calendar_days"),
    ("fees.PlausibilityBound", {}, "fees.migrations.0003_seed_plausibility_bounds"),
    ("sync.SyncPolicy", {}, "sync.migrations.0002_seed_policy_and_schedules"),
]


@pytest.fixture(autouse=True)
def _migration_seeds(request, django_db_blocker):
    if request.node.get_closest_marker("django_db") is None and not (
        {"db", "transactional_db"} & set(request.fixturenames)
    ):
        yield
        return
    from importlib import import_module

    from django.apps import apps

    # Outside the test's transaction: reference rows stay, as they would after migrate.
    with django_db_blocker.unblock():
        for model_label, lookup, module in MIGRATION_SEEDS:
            if not apps.get_model(model_label).objects.filter(**lookup).exists():
                import_module(module).seed(apps, None)
    yield


@pytest.fixture
def user_with_role(db) -> Callable[..., object]:
    def make(*roles: Role, **kwargs):
        return UserFactory(roles=list(roles), **kwargs)

    return make


@pytest.fixture
def client_for(db) -> Callable[[Role | str], Client]:
    """A test client logged in as a fresh user of `who` (a Role, "superuser" or "anonymous")."""

    def make(who: Role | str) -> Client:
        client = Client()
        if who == ANONYMOUS:
            return client
        if who == SUPERUSER:
            user = UserFactory(is_superuser=True, is_staff=True)
        else:
            user = UserFactory(roles=[Role(who)])
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR


# Browser fixtures (Playwright + Debian chromium) for tests marked `browser`.
from tests.browser import _browser, page, screen  # noqa: E402,F401

# The simulated insurance center (a separate process) for every app's tests.
from tests.center import center, center_simulator  # noqa: E402,F401
