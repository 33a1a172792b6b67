"""Home-page panels the foundation provides; later apps register their own."""

from __future__ import annotations

from typing import Any

import chinese_calendar
from django.apps import apps
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils import timezone

from core.navigation import HomePanel, register_panel
from core.roles import Role
from core.workdays import CalendarUnknown, add_working_days, is_working_day


def today_context(request: HttpRequest) -> dict[str, Any]:
    today = timezone.localdate()
    try:
        is_workday = is_working_day(today)
        holiday_name = chinese_calendar.get_holiday_detail(today)[1]
        following = add_working_days(today, 1)
        calendar_known = True
    except CalendarUnknown:  # chinese-calendar covers the years with published notices
        is_workday, holiday_name, following, calendar_known = None, None, None, False
    return {
        "today": today,
        "is_workday": is_workday,
        "holiday_name": holiday_name,
        "next_workday": following,
        "calendar_known": calendar_known,
    }


def practitioner_context(request: HttpRequest) -> dict[str, Any]:
    practitioner = getattr(request.user, "practitioner", None)
    return {"practitioner": practitioner}


def history_context(request: HttpRequest) -> dict[str, Any]:
    from pghistory.models import Events

    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    events = Events.objects.filter(pgh_created_at__gte=start)
    labels = {"insert": "新增", "update": "修改", "delete": "删除"}
    recent = []
    for event in events.order_by("-pgh_created_at")[:8]:
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
    register_panel(
        Role.OFFICE, HomePanel("今日变更记录", "core/panels/history.html", history_context, order=80)
    )
    register_panel(
        Role.DOCTOR,
        HomePanel("我的执业信息", "core/panels/practitioner.html", practitioner_context, order=10),
    )
    register_panel(Role.ADMIN, HomePanel("系统管理", "core/panels/admin_links.html", admin_context, order=10))
