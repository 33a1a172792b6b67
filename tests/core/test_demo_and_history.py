"""seed_demo is idempotent; changes of tracked rows are kept as history events with the acting user."""

import re

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


ROW = re.compile(r"<tr><td>(\d\d:\d\d:\d\d)</td><td>([^<]+)</td><td>([^<]+)</td></tr>")


@pytest.mark.django_db(transaction=True)  # each change commits with its own timestamp, as at the window
def test_office_home_lists_todays_changes_in_chinese(client_for):
    from django.utils import timezone
    from pghistory.models import Events

    call_command("seed_demo", verbosity=0)  # one transaction: all its events share one timestamp
    department = Department.objects.order_by("pk").first()
    department.name = f"{department.name}（改）"
    department.save()  # a later transaction: the newest change
    client = client_for("office")
    html = client.get("/home/office/").content.decode()
    assert "今日数据变更" in html
    rows = ROW.findall(html)
    assert len(rows) == 8
    assert rows[0][1:] == (f"科室 #{department.pk}", "修改")
    assert all(re.fullmatch(r"[\u4e00-\u9fff（）、/ ]+ #\d+", obj) for _, obj, _ in rows), rows
    assert {change for _, _, change in rows} <= {"新增", "修改", "删除"} and "新增" in {c for _, _, c in rows}

    # Ties (the seed's events share one timestamp) are broken by event id, then table: the same rows
    # in the same order on every load, newest first.
    assert ROW.findall(client.get("/home/office/").content.decode()) == rows
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    events = sorted(Events.objects.filter(pgh_created_at__gte=start), key=lambda e: e.pgh_model)
    events = sorted(events, key=lambda e: (e.pgh_created_at, e.pgh_id), reverse=True)[:8]
    labels = {"insert": "新增", "update": "修改", "delete": "删除"}
    expected = [
        (
            f"{apps.get_model(e.pgh_model).pgh_tracked_model._meta.verbose_name} #{e.pgh_obj_id}",
            labels[e.pgh_label],
        )
        for e in events
    ]
    assert [row[1:] for row in rows] == expected


def test_clerk_home_shows_working_day_status(client_for, monkeypatch):
    import datetime

    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2026, 10, 1))
    html = client_for("clerk").get("/home/clerk/").content.decode()
    assert "法定节假日" in html and "下一个工作日：10月8日" in html
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2099, 10, 1))
    # ADM-3: a year without holiday rows counts weekdays and the home says so (never an error)
    assert "2099 年节假日未维护" in client_for("clerk").get("/home/clerk/").content.decode()
