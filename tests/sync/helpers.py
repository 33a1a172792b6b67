"""Stays with many fee lines at the simulated center, for the sync's tests (issue 20)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import requests

from admission import charges
from center.models import CenterExchange
from fees.models import FeeLine, PlausibilityBound
from sync.models import SyncPolicy
from tests.admission.factories import admit, make_catalog_items, make_hospital, order
from tests.insured.factories import make_person
from tests.settlement.test_settle import center_knows_catalog


def open_stay_with_lines(center, count: int, hospital=None):
    """A registered open stay admitted two days ago with `count` CT lines of 150.00 (quantity 1 each,
    one minute apart) on its first day."""
    hospital = hospital or make_hospital()
    items = make_catalog_items()
    center_knows_catalog(center)
    person = make_person()
    center.enrol(person)
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=2)
    stay = admit(hospital, person, admitted_at=start)
    ct = order(hospital, stay, items["H-CT"], kind="long")
    # Volume, not plausibility, is under test: the day's bound (fees.PlausibilityBound, admin data)
    # is raised to hold `count` CT lines on one day.
    PlausibilityBound.objects.filter(item_type="service", max_quantity_per_day__lt=count).update(
        max_quantity_per_day=count
    )
    charges.charges_post(
        actor=hospital.clerk,
        stay=stay,
        lines=[
            charges.ChargeInput(
                order=ct, quantity=Decimal(1), charged_at=start + datetime.timedelta(minutes=1 + i)
            )
            for i in range(count)
        ],
    )
    return hospital, stay


def sns(stay) -> list[str]:
    return list(FeeLine.objects.filter(stay=stay).order_by("id").values_list("feedetl_sn", flat=True))


def held_by_center(center, mdtrt_id: str | None = None) -> int:
    state = center.state()
    if mdtrt_id is not None:
        return state["visits"][mdtrt_id]["fees"]
    return state["fees_held"]


def switch(center, **spec) -> dict:
    response = requests.post(f"{center.base}/_control/sync", json=spec, timeout=5)
    response.raise_for_status()
    return response.json()


def set_policy(**values) -> SyncPolicy:
    policy = SyncPolicy.objects.order_by("pk").first() or SyncPolicy()
    for key, value in values.items():
        setattr(policy, key, value)
    policy.save()
    return policy


def messages(infno: str) -> list[CenterExchange]:
    return list(CenterExchange.objects.filter(infno=infno).order_by("started_at", "id"))
