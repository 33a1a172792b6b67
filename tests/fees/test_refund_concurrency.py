"""Issue 17 item 4: refunds are checked under a lock — two clerks refunding 2 of the same 3 units at
the same moment: one counter-line of −2 is written, the other is refused with what is left (1)."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from admission import charges
from core.errors import DomainError
from fees.models import FeeLine
from tests.admission.factories import admit, make_catalog_items, make_hospital, order


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refunds_never_exceed_what_was_charged():
    hospital = make_hospital()
    items = make_catalog_items()
    stay = admit(hospital, admitted_at=timezone.now() - datetime.timedelta(days=1))
    ct = order(hospital, stay, items["H-CT"])
    [line] = charges.charges_post(
        actor=hospital.clerk,
        stay=stay,
        lines=[
            charges.ChargeInput(
                order=ct, quantity=Decimal(3), charged_at=stay.admitted_at + datetime.timedelta(hours=1)
            )
        ],
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def refund() -> None:
        try:
            barrier.wait()
            charges.charge_refund(actor=hospital.clerk, line=line, reason="未做", quantity=Decimal(2))
            result = "refunded"
        except DomainError as error:
            result = error.code
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=refund) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refund_quantity", "refunded"]
    refunds = FeeLine.objects.filter(init_feedetl_sn=line.feedetl_sn)
    assert list(refunds.values_list("quantity", flat=True)) == [Decimal("-2.0000")]
