"""Issue 17 item 2: the table is built for set-based audit over months — a doctor-by-day aggregate over
a month of generated lines is answered from the (doctor, line date) index, not a scan of the table."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from fees.models import FeeLine
from tests.admission.factories import admit, make_catalog_items, make_hospital
from tests.factories import PractitionerFactory

DOCTORS = 40
DAYS = 30
PER_DAY = 15


@pytest.mark.django_db
def test_doctor_by_day_aggregate_uses_the_doctor_day_index():
    hospital = make_hospital()
    items = make_catalog_items()
    stay = admit(hospital, admitted_at=timezone.now() - datetime.timedelta(days=40))
    doctors = [PractitionerFactory(department=hospital.department) for _ in range(DOCTORS)]
    first = datetime.date(2026, 10, 1)
    rows = []
    for day in range(DAYS):
        on = first + datetime.timedelta(days=day)
        at = timezone.make_aware(datetime.datetime.combine(on, datetime.time(9)))
        for d, doctor in enumerate(doctors):
            for n in range(PER_DAY):
                rows.append(
                    FeeLine(
                        stay=stay,
                        person_id=stay.person_id,
                        feedetl_sn=f"X{day:02d}{d:02d}{n:02d}",
                        hospital_item=items["H-CT"],
                        name="CT 平扫",
                        med_list_codg="210300001",
                        item_type="service",
                        insurance_class="B",
                        quantity=Decimal(1),
                        unit_price=Decimal(150),
                        amount=Decimal("150.00"),
                        pre_self_pay_amount=Decimal("12.00"),
                        in_scope_amount=Decimal("138.00"),
                        charged_at=at + datetime.timedelta(minutes=n),
                        charged_on=on,
                        ordering_department=hospital.department,
                        ordering_doctor=doctor,
                        executing_department=hospital.department,
                    )
                )
    FeeLine.objects.bulk_create(rows, batch_size=5000)  # 40 doctors × 30 days × 15 = 18 000 lines
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE fees_feeline")
        query = (
            "SELECT charged_on, count(*), sum(amount) FROM fees_feeline "
            "WHERE ordering_doctor_id = %s AND charged_on BETWEEN %s AND %s GROUP BY charged_on"
        )
        params = [doctors[7].pk, first, first + datetime.timedelta(days=DAYS - 1)]
        cursor.execute("EXPLAIN " + query, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(query, params)
        result = cursor.fetchall()
    assert "feeline_doctor_day" in plan and "Seq Scan" not in plan, plan
    # one doctor: 30 days × 15 lines × 150.00 = 2 250.00 a day
    assert len(result) == DAYS and {(n, total) for _, n, total in result} == {(PER_DAY, Decimal("2250.00"))}
