"""Questions a lower app must ask of a higher one, which the layering forbids it to import.

Example: prescribing (prescriptions) must refuse a doctor whose insured-prescribing rights the audit
engine (audit, above it) has suspended (AUD-5). The higher app registers its answer at start-up; the
lower one asks here. Every registration is listed in the owning app's `apps.py`, so the flow stays
visible."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from core.errors import DomainError

PrescriberCheck = Callable[[Any, datetime.date], DomainError | None]
_prescriber_checks: list[PrescriberCheck] = []


def register_prescriber_check(check: PrescriberCheck) -> None:
    if check not in _prescriber_checks:
        _prescriber_checks.append(check)


def prescriber_refusal(practitioner: Any, on_date: datetime.date) -> DomainError | None:
    """The first refusal any registered check gives for this doctor on this day, or None."""
    for check in _prescriber_checks:
        refusal = check(practitioner, on_date)
        if refusal is not None:
            return refusal
    return None
