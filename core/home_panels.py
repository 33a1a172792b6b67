"""Home-page panels the foundation provides; later apps register their own."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils import timezone

from core import workdays
from core.navigation import HomePanel, register_panel
from core.roles import Role


def today_context(request: HttpRequest) -> dict[str, Any]:
    today = timezone.localdate()
    calendar = workdays.Calendar()
    return {
        "today": today,
        "is_workday": calendar.is_working_day(today),
        "holiday_name": calendar.year(today.year).holiday_name(today),
        "next_workday": workdays.add_working_days(today, 1, calendar.is_working_day),
        "calendar_known": calendar.year(today.year).maintained,
    }


def calendar_context(request: HttpRequest) -> dict[str, Any]:
    """ADM-3/REM-4: years a deadline set today can reach whose holidays nobody has entered yet."""
    today = timezone.localdate()
    from core.models import CalendarDay

    last = CalendarDay.objects.order_by("-day").values_list("day", flat=True).first()
    return {
        "unmaintained_years": workdays.unmaintained_years(workdays.years_ahead(today)),
        "maintained_until": last.year if last else None,
        "can_edit": request.user.has_perm("core.change_calendarday"),
    }


def practitioner_context(request: HttpRequest) -> dict[str, Any]:
    practitioner = getattr(request.user, "practitioner", None)
    return {"practitioner": practitioner}


HISTORY_ORDER = ("-pgh_created_at", "-pgh_id", "pgh_model")


def history_context(request: HttpRequest) -> dict[str, Any]:
    from pghistory.models import Events

    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    events = Events.objects.filter(pgh_created_at__gte=start)
    labels = {"insert": "新增", "update": "修改", "delete": "删除"}
    recent = []
    # Events of one transaction share its timestamp (NOW()); the event's id, then its table, break the
    # tie so the panel shows the same rows in the same order on every load.
    for event in events.order_by(*HISTORY_ORDER)[:8]:
        tracked = apps.get_model(event.pgh_model).pgh_tracked_model
        recent.append(
            {
                "at": event.pgh_created_at,
                "object": f"{tracked._meta.verbose_name} #{event.pgh_obj_id}",
                "change": labels.get(event.pgh_label, event.pgh_label),
            }
        )
    return {"event_count": events.count(), "recent_events": recent}


def admin_context(request: HttpRequest) -> dict[str, Any]:
    from axes.models import AccessAttempt

    user_model = get_user_model()
    return {
        "active_users": user_model.objects.filter(is_active=True).count(),
        "locked_attempts": AccessAttempt.objects.count(),
    }


def register_foundation_panels() -> None:
    register_panel(Role.CLERK, HomePanel("今日", "core/panels/today.html", today_context, order=10))
    register_panel(Role.NURSE, HomePanel("今日", "core/panels/today.html", today_context, order=10))
    register_panel(Role.OFFICE, HomePanel("今日", "core/panels/today.html", today_context, order=10))
    for role in (Role.OFFICE, Role.ADMIN, Role.CLERK):
        register_panel(role, HomePanel("节假日安排", "core/panels/calendar.html", calendar_context, order=5))
    register_panel(
        Role.OFFICE, HomePanel("今日变更记录", "core/panels/history.html", history_context, order=80)
    )
    register_panel(
        Role.DOCTOR,
        HomePanel("我的执业信息", "core/panels/practitioner.html", practitioner_context, order=10),
    )
    register_panel(Role.ADMIN, HomePanel("系统管理", "core/panels/admin_links.html", admin_context, order=10))
