"""The demo stays: every status and one of each problem, registered with the center, idempotent."""

import pytest
from django.core.management import call_command

from admission.models import ChargeLine, Stay, StayReview, TraumaReport
from admission.selectors import formalities_overdue
from drug_catalog.models import CatalogItem, HospitalItem
from settlement.models import Settlement


@pytest.mark.django_db
def test_demo_stays_cover_every_status_and_problem(center):
    call_command("seed_demo", verbosity=0)
    from insured.models import InsuredPerson

    center.enrol(*InsuredPerson.objects.filter(insuplc_admdvs__startswith="6101"))
    call_command("seed_demo_stays", verbosity=0)
    call_command("seed_demo_settlements", verbosity=0)  # SET-10's cash settlement (settlement.demo)
    statuses = set(Stay.objects.values_list("status", flat=True))
    assert {"admitted", "discharge_ordered", "discharged", "settled"} <= statuses
    assert Stay.objects.count() >= 25 and ChargeLine.objects.count() > 200
    assert any(formalities_overdue(s) for s in Stay.objects.filter(kind="emergency"))
    assert TraumaReport.objects.filter(decision="pending").exists()
    kinds = set(StayReview.objects.values_list("kind", flat=True))
    assert {"ghost_bed", "no_bed", "split_admission", "left_without_leave"} <= kinds
    assert Settlement.objects.filter(mode="self_pay", status="settled").count() == 1
    registered = Stay.objects.filter(registrations__status="registered").count()
    assert registered >= 20
    # The catalog carries the limits the prescription rules need, and hospital items map onto it.
    assert CatalogItem.objects.filter(approval_required=True).exists()
    assert CatalogItem.objects.filter(outpatient_self_pay=True).exists()
    assert CatalogItem.objects.filter(herbal_daily_dose_limit__isnull=False).exists()
    assert CatalogItem.objects.filter(single_herb_self_pay=True).count() >= 2
    assert HospitalItem.objects.filter(mapping_status="unmapped").exists()
    before = Stay.objects.count()
    call_command("seed_demo_stays", verbosity=0)
    call_command("seed_demo_settlements", verbosity=0)
    assert Stay.objects.count() == before
    assert Settlement.objects.filter(mode="self_pay").count() == 1
