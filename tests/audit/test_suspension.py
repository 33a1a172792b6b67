"""AUD-5: a doctor whose insured-service qualification is suspended cannot write insured prescriptions."""

import datetime

import pytest

from audit.models import DoctorMeasure
from core.errors import DomainError
from prescriptions import services
from prescriptions.selectors import LineRequest
from tests.factories import PractitionerFactory

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 10)


def _issue(doctor, *, self_pay=False):
    return services.prescription_issue(
        actor=None,
        doctor=doctor,
        psn_no="NO-SUCH-PERSON",
        visit_type="outpatient",
        diagnosis_codes=["J18.9"],
        lines=[LineRequest(item_code="XJ01CAA040A001", quantity=1, self_pay=self_pay)],
        on_date=DAY,
    )


@pytest.mark.parametrize(
    ("effective_from", "status", "refused"),
    [
        pytest.param(DAY, "notified", True, id="AUD-5 suspension in force from today: refused"),
        pytest.param(
            DAY + datetime.timedelta(days=1), "notified", False, id="AUD-5 still in the 7-day notice"
        ),
        pytest.param(DAY, "revoked", False, id="AUD-5 revoked on appeal"),
    ],
)
def test_aud_5_suspended_doctor_refused_at_prescribing(effective_from, status, refused):
    doctor = PractitionerFactory()
    DoctorMeasure.objects.create(
        practitioner=doctor,
        period_start=datetime.date(2026, 1, 1),
        threshold=4,
        measure="suspension",
        notified_on=effective_from - datetime.timedelta(days=7),
        effective_from=effective_from,
        effective_to=effective_from + datetime.timedelta(days=90),
        appeal_due=effective_from,
        status=status,
    )
    with pytest.raises(DomainError) as error:
        _issue(doctor)
    # Either the suspension refuses it, or the check goes on (and stops at the unknown person).
    assert (error.value.rule == "AUD-5") is refused


def test_aud_5_self_paid_prescription_is_not_an_insured_one():
    doctor = PractitionerFactory()
    DoctorMeasure.objects.create(
        practitioner=doctor,
        period_start=datetime.date(2026, 1, 1),
        threshold=4,
        measure="suspension",
        notified_on=DAY,
        effective_from=DAY,
        appeal_due=DAY,
    )
    with pytest.raises(DomainError) as error:
        _issue(doctor, self_pay=True)
    assert error.value.rule != "AUD-5"
