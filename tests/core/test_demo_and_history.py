"""seed_demo is idempotent; changes of tracked rows are kept as history events with the acting user."""

import pghistory
import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command

from core.demo import DEMO_USERS
from core.roles import has_role
from hospital.models import Bed, Department, Practitioner, Ward

pytestmark = pytest.mark.django_db


def _counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"auth", "hospital", "authtoken"}
    }


def test_seed_demo_twice_gives_the_same_rows(settings):
    call_command("seed_demo", verbosity=0)
    first = _counts()
    call_command("seed_demo", verbosity=0)
    assert _counts() == first
    assert Department.objects.count() == 10
    assert Ward.objects.count() == 9
    assert Bed.objects.count() == 295
    assert Practitioner.objects.filter(kind="doctor").count() == 8


def test_each_demo_user_has_its_role_and_the_documented_password(settings):
    call_command("seed_demo", verbosity=0)
    users = get_user_model().objects
    for demo in DEMO_USERS:
        user = users.get(username=demo.username)
        assert has_role(user, demo.role)
        assert user.check_password(settings.DEMO_PASSWORD)
    assert users.get(username="admin").is_staff
    assert users.get(username="doctor").practitioner.insurance_code.startswith("D610103")


def test_bed_changes_are_kept_as_history_with_the_acting_user(django_user_model):
    call_command("seed_demo", verbosity=0)
    actor = django_user_model.objects.get(username="admin")
    bed = Bed.objects.first()
    with pghistory.context(user=actor.pk, url="/admin/hospital/bed/"):
        bed.is_active = False
        bed.save()
    events = pghistory.models.Events.objects.references(bed).order_by("pgh_created_at", "pgh_id")
    labels = [e.pgh_label for e in events]
    assert labels == ["insert", "update"]
    last = events.last()
    assert last.pgh_data["is_active"] is False
    assert last.pgh_context["user"] == actor.pk


def test_office_home_lists_todays_changes_in_chinese(client_for):
    call_command("seed_demo", verbosity=0)
    html = client_for("office").get("/home/office/").content.decode()
    assert "今日数据变更" in html
    assert "科室 #" in html or "医护人员 #" in html or "床位 #" in html
    assert "新增" in html


def test_clerk_home_shows_working_day_status(client_for, monkeypatch):
    import datetime

    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2026, 10, 1))
    html = client_for("clerk").get("/home/clerk/").content.decode()
    assert "法定节假日" in html and "下一个工作日：10月8日" in html
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2099, 10, 1))
    # ADM-3: a year without holiday rows counts weekdays and the home says so (never an error)
    assert "2099 年节假日未维护" in client_for("clerk").get("/home/clerk/").content.decode()
