"""Issue 18's 'done when', on make run's data: a 310 retiree with 大额, a 390 child, a 340 离休 patient
(each a discharged demo stay) and a 390 adult outpatient visit settle at the window without an error,
and the hospital's calculation agrees with the simulated center's (which settles from its own tables)."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from drug_catalog.models import HospitalItem
from hospital.models import Department, Practitioner
from insured.models import InsuredPerson
from settlement import demo, outpatient, services
from tests.admission.factories import confirmed_read
from tests.settlement.test_settle import center_knows_catalog


@pytest.mark.django_db
def test_demo_people_of_each_policy_settle_and_agree_with_the_center(center):
    call_command("seed_demo", verbosity=0)
    center.enrol(*InsuredPerson.objects.filter(insuplc_admdvs__startswith="6101"))
    center_knows_catalog(center)  # make run exports the catalog to the simulator (export_center_catalog)
    call_command("seed_demo_stays", verbosity=0)
    call_command("seed_demo_settlements", verbosity=0)
    chosen = demo.load_policy_demo(log=lambda text: None)
    assert {"310 退休（有大额）", "390 少儿", "340 离休", "390 成年"} <= set(chosen)
    clerk = get_user_model().objects.get(username="clerk")
    for label in ("310 退休（有大额）", "390 少儿", "340 离休"):
        stay = chosen[label]
        stay.refresh_from_db()
        settlement = services.stay_settle(actor=clerk, stay=stay, idempotency_key=f"demo-{stay.pk}")
        assert settlement.status == "settled", label
        assert settlement.mismatch == [], (label, settlement.mismatch, settlement.local_calculation)
    # 离休: no deductible, the 离休 fund pays everything within scope
    assert settlement.fund_pay_total == settlement.in_scope > 0
    adult = chosen["390 成年"]
    department = Department.objects.filter(code="0303").first() or Department.objects.first()
    doctor = Practitioner.objects.filter(kind="doctor").first()
    visit, _ = outpatient.visit_register(
        actor=clerk, card_read=confirmed_read(adult, clerk), department=department, doctor=doctor
    )
    item = HospitalItem.objects.filter(name__contains="诊查费", mapping_status="approved").first()
    outpatient.visit_add_item(actor=clerk, visit=visit, hospital_item=item, quantity=Decimal(1))
    settlement = outpatient.visit_settle(actor=clerk, visit=visit, idempotency_key="demo-op")
    assert settlement.status == "settled" and settlement.mismatch == [], settlement.mismatch
    # Running the demo again changes nothing.
    assert demo.load_policy_demo(log=lambda text: None)["340 离休"].pk == chosen["340 离休"].pk
