"""`make run` demo of the sync: a cycle on the sync page, a catalog version for tomorrow, and today's
reconciliation with one planted difference that the office resolves; seeding twice plants nothing twice."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.roles import Role
from settlement.models import Settlement
from sync import reconcile
from sync.models import ReconciliationDifference, ReconciliationRun, SyncCycle


@pytest.mark.django_db
def test_demo_shows_a_cycle_and_a_reconciliation_with_one_planted_difference(center, client_for):
    call_command("seed_demo", verbosity=0)
    from insured.models import InsuredPerson

    center.enrol(*InsuredPerson.objects.filter(insuplc_admdvs__startswith="6101"))
    call_command("seed_demo_stays", verbosity=0)
    call_command("seed_demo_settlements", verbosity=0)
    call_command("seed_demo_sync", verbosity=0)
    call_command("seed_demo_sync", verbosity=0)
    assert SyncCycle.objects.filter(status__in=["done", "partial"]).count() == 1
    run = ReconciliationRun.objects.get()
    assert run.result == ReconciliationRun.Result.UNBALANCED and run.message == "1 笔差异待处理"
    difference = ReconciliationDifference.objects.get()
    settlement = Settlement.objects.get(setl_id=difference.setl_id)
    assert difference.center_medfee - difference.local_medfee == 10  # the planted 10.00
    assert difference.local_medfee == settlement.total
    reconcile.difference_resolve(
        actor=None, difference=difference, action="accept", reason="演示：中心已更正"
    )
    run.refresh_from_db()
    assert run.message == "差异均已处理"
    # The demo's pages as the office opens them after `make run`: actions of the beat and the seed have
    # no user (shown as 系统 / 定时), never an error page.
    office = client_for(Role.OFFICE)
    for path in ("/sync/", "/sync/reconciliations/", f"/sync/reconciliations/{run.pk}/"):
        response = office.get(path)
        assert response.status_code == 200, path
    assert "系统" in office.get(f"/sync/reconciliations/{run.pk}/").content.decode()
    assert timezone.localdate() == run.stmt_begndate
