"""Issue 19 (1): a small form inside a page (a charge's refund reason, the consent, the card custody,
the leave request, the daily-list signer, the consultation, a review's opinion, a sanction's early
lift) refused by validation comes back on its page with what was typed and the Chinese error beside
the field — not an empty form under a banner. Each case posts a value one character past the
field's bound (or no choice where one must be picked) and reads the page the view redirects to."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from admission.models import StayReview
from core.roles import Role
from fees.models import FeeLine
from insured import services as insured_services
from tests.admission.factories import admit, charge, make_catalog_items, make_hospital, order
from tests.factories import PractitionerFactory, UserFactory

pytestmark = pytest.mark.django_db

TYPED = "回显"  # the start of every over-long value: it must be in the refilled field


def _over(limit: int) -> str:
    return TYPED + "长" * (limit - 1)  # limit + 1 characters


def _world():
    hospital = make_hospital()
    items = make_catalog_items()
    stay = admit(hospital)
    charge(hospital, stay, order(hospital, stay, items["H-CT"]))
    line = FeeLine.objects.get(stay=stay)
    review = StayReview.objects.create(stay=stay, kind=StayReview.Kind.values[0], detail="两次查房不在床")
    sanction = insured_services.sanction_record(
        actor=hospital.clerk, person=stay.person, category="I", fund_loss=Decimal(1), description="测试"
    )
    day = timezone.localtime(stay.admitted_at).date().isoformat()
    return hospital, stay, line, review, sanction, day


def _client(role: Role, hospital) -> Client:
    user = UserFactory(roles=[role])
    if role == Role.DOCTOR:
        PractitionerFactory(user=user, department=hospital.department)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _form(html: str, action: str) -> str:
    found = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', html, re.S)
    assert found, f"no form posting to {action} on the page"
    return found.group(1)


CASES = [
    # id, role, url name + kwargs (from the world), fields posted, the field refused
    ("refund-reason", Role.CLERK, "charge_refund", {"reason": _over(200)}, "reason"),
    ("consent-item-not-picked", Role.CLERK, "consent_add",
     {"hospital_item": "", "hospital_item_label": TYPED + "膏方", "reason": "丙类", "signer": "孙立"},
     "hospital_item"),
    ("custody-card-no", Role.CLERK, "custody", {"card_no": _over(50)}, "card_no"),
    ("leave-reason", Role.DOCTOR, "leave_add",
     {"starts_at": "", "ends_at": "", "reason": _over(200)}, "reason"),
    ("daily-list-signer", Role.CLERK, "daily_list", {"signer": _over(50)}, "signer"),
    ("consultation-doctor-not-picked", Role.DOCTOR, "consultation_add",
     {"doctor": "", "reason": TYPED + "请心内科会诊"}, "doctor"),
    ("review-opinion", Role.OFFICE, "reviews", {"confirm": "1", "reason": _over(500)}, "reason"),
    ("sanction-lift-reason", Role.OFFICE, "sanction_lift", {"reason": _over(500)}, "reason"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("role", "name", "fields", "refused"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_refused_inline_form_comes_back_as_typed_with_the_error_beside_the_field(role, name, fields, refused):
    hospital, stay, line, review, sanction, day = _world()
    urls = {
        "charge_refund": reverse("admission:charge_refund", args=[stay.pk, line.pk]),
        "consent_add": reverse("admission:consent_add", args=[stay.pk]),
        "custody": reverse("admission:custody", args=[stay.pk]),
        "leave_add": reverse("admission:leave_add", args=[stay.pk]),
        "daily_list": reverse("admission:daily_list", args=[stay.pk, day]),
        "consultation_add": reverse("admission:consultation_add", args=[stay.pk]),
        "reviews": reverse("admission:reviews"),
        "sanction_lift": reverse("insured:sanction_lift", args=[sanction.pk]),
    }
    if name == "reviews":
        fields = {**fields, "review": str(review.pk)}
    client = _client(role, hospital)
    url = urls[name]

    posted = client.post(url, fields)
    assert posted.status_code == 302, posted.content.decode()[:300]
    page = client.get(posted["Location"]).content.decode()

    assert '<li class="error">' in page  # the banner says what was refused
    # The review form posts to its own page (no action attribute): find it by its hidden id.
    form = _form(page, url) if name != "reviews" else _review_form(page, review.pk)
    typed_field = "hospital_item_label" if refused == "hospital_item" else refused
    typed = fields[typed_field]
    if typed_field == "doctor":  # a select keeps no text; the reason typed beside it comes back
        typed = fields["reason"]
    assert typed[:100] in form, f"{name}: the typed value is not in the form"
    errors = re.findall(r'<ul class="errorlist"><li>(.*?)</li>', form)
    assert errors and all(re.search(r"[\u4e00-\u9fff]", e) for e in errors), (
        f"{name}: no Chinese error: {form}"
    )

    # Shown once: the next visit has an empty form again.
    again = client.get(posted["Location"]).content.decode()
    again_form = _form(again, url) if name != "reviews" else _review_form(again, review.pk)
    assert TYPED not in again_form and "errorlist" not in again_form


def _review_form(html: str, review_pk: int) -> str:
    found = re.search(
        rf'<form[^>]*>(?:(?!</form>).)*name="review" value="{review_pk}"(.*?)</form>', html, re.S
    )
    assert found, "no review form on the page"
    return found.group(0)


def test_a_refused_leave_request_keeps_the_dates_typed():
    """ADM-6: a return before the leave is a service refusal; both times come back as typed."""
    hospital, stay, *_ = _world()
    client = _client(Role.DOCTOR, hospital)
    starts = (timezone.localtime() + datetime.timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M")
    ends = (timezone.localtime() + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    url = reverse("admission:leave_add", args=[stay.pk])
    posted = client.post(url, {"starts_at": starts, "ends_at": ends, "reason": "回家取物"})
    page = client.get(posted["Location"]).content.decode()
    assert '<li class="error">' in page
    form = _form(page, url)
    assert f'value="{starts}"' in form and f'value="{ends}"' in form and 'value="回家取物"' in form
