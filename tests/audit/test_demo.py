"""`make run` demo data gives the audit queue something to review: a batch over the last 30 days finds
the planted duplicates (FEE-3), over-frequency charges, the ghost bed (ADM-5), the split admission
(ADM-8) and the card burst; seeding twice plants nothing twice."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit import batch
from audit.models import Finding


@pytest.mark.django_db
def test_demo_batch_fills_the_queue(center):
    call_command("seed_demo", verbosity=0)
    from insured.models import InsuredPerson

    center.enrol(*InsuredPerson.objects.filter(insuplc_admdvs__startswith="6101"))
    call_command("seed_demo_stays", verbosity=0)
    call_command("seed_demo_audit", verbosity=0)
    call_command("seed_demo_stays", verbosity=0)
    call_command("seed_demo_audit", verbosity=0)
    today = timezone.localdate()
    job = batch.job_run_inline(
        batch.job_create(period_start=today - datetime.timedelta(days=30), period_end=today, chunk_days=31)
    )
    assert job.status == "done"
    rules = set(Finding.objects.values_list("rule_id", flat=True))
    assert {"FEE-3", "FEE-3-DAY", "ADM-5", "ADM-8", "CARD-BURST", "FEE-6"} <= rules
    assert Finding.objects.filter(rule_id="FEE-3").count() == 3  # stays 0, 2, 4 of the six
