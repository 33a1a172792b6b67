"""The check reads versioned reference rows (profile, catalog items, diagnosis categories) through
the cache; a second check of the same lines reads none of them from the database, and a change to
one of those rows is seen at once (a new cache generation)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prescriptions import selectors
from prescriptions.models import DaySupplyProfile
from tests.prescriptions.test_api import catalog, person  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 25)
REFERENCE_TABLES = ("drug_catalog_", "prescriptions_daysupplyprofile", "diagnoses_")


def check(psn_no, quantity="2"):
    line = selectors.LineRequest("XJ01DCA030A001", Decimal(quantity), Decimal(1), "tid")
    return selectors.check(
        psn_no=psn_no, visit_type="outpatient", diagnosis_codes=["J06.9"], lines=[line], on_date=TODAY
    )


def test_second_check_reads_no_reference_table(catalog, person):  # noqa: F811
    first = check(person.psn_no)
    with CaptureQueriesContext(connection) as queries:
        second = check(person.psn_no)
    tables = [q["sql"] for q in queries.captured_queries]
    assert not [sql for sql in tables if any(f'"{t}' in sql for t in REFERENCE_TABLES)], tables
    assert len(tables) == 1  # the person (with whether a sanction is in force)
    assert second.result.violations == first.result.violations


def test_an_edited_profile_applies_at_once(catalog, person):  # noqa: F811
    """RX-2: 2 boxes × 24 ÷ 3 = 16 days; blocked at the acute 7, allowed once acute is raised to 16."""
    assert not check(person.psn_no).result.ok
    profile = DaySupplyProfile.objects.get(code="000")
    profile.acute_days = 16
    profile.save()
    assert check(person.psn_no).result.ok
