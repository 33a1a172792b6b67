"""The demo stays: every status and one of each problem, registered with the center, idempotent."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from admission.models import Stay, StayReview, TraumaReport
from admission.selectors import formalities_overdue
from center.models import CenterExchange
from drug_catalog.management.commands.export_center_catalog import center_catalog
from drug_catalog.models import CatalogItem, HospitalItem
from fees.models import FeeLine
from fees.selectors import differences
from settlement.models import Settlement


@pytest.mark.django_db
def test_demo_stays_cover_every_status_and_problem(center):
    call_command("seed_demo", verbosity=0)
    from insured.models import InsuredPerson

    center.enrol(*InsuredPerson.objects.filter(insuplc_admdvs__startswith="6101"))
    center.catalog(center_catalog())  # as make run's bootstrap exports it
    call_command("seed_demo_stays", verbosity=0)
    call_command("seed_demo_settlements", verbosity=0)  # SET-10's cash settlement (settlement.demo)
    statuses = set(Stay.objects.values_list("status", flat=True))
    assert {"admitted", "discharge_ordered", "discharged", "settled"} <= statuses
    assert Stay.objects.count() >= 25 and FeeLine.objects.count() > 200
    assert any(formalities_overdue(s) for s in Stay.objects.filter(kind="emergency"))
    assert TraumaReport.objects.filter(decision="pending").exists()
    kinds = set(StayReview.objects.values_list("kind", flat=True))
    assert {"ghost_bed", "no_bed", "split_admission", "left_without_leave"} <= kinds
    assert Settlement.objects.filter(mode="self_pay", status="settled").count() == 1
    # Issue 17: the stay whose patient stayed on after the discharge notice is settled through the
    # center; its after-notice lines went to 2301 as self-pay (2) and the center's split equals ours.
    stayed_on = Stay.objects.filter(charges__self_pay_reason="after_notice").distinct().get()
    assert stayed_on.status == "settled"
    lines = FeeLine.objects.filter(stay=stayed_on)
    assert lines.filter(self_pay_reason="after_notice", hosp_appr_flag="2").count() >= 2
    assert not lines.filter(center_inscp_scp_amt__isnull=True).exists()
    assert [line for line in lines if differences(line)] == []
    sent = [
        row
        for exchange in CenterExchange.objects.filter(
            infno="2301", subject=f"mdtrt:{lines[0].stay.registrations.first().mdtrt_id}"
        )
        for row in exchange.request["input"]["feedetail"]
    ]
    assert {row["feedetl_sn"] for row in sent} == set(lines.values_list("feedetl_sn", flat=True))
    artifacts = Path(settings.BASE_DIR) / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "demo_after_notice_2301.json").write_text(json.dumps(sent, ensure_ascii=False, indent=1))
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
