"""Admin sections read in Chinese (issue 19, item 7): axes, pghistory and celery-beat included."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_app_and_admin_model_has_a_chinese_name():
    english = []
    for model in admin.site._registry:
        app = apps.get_app_config(model._meta.app_label)
        for name in (app.verbose_name, model._meta.verbose_name, model._meta.verbose_name_plural):
            if not CJK.search(str(name)):
                english.append(f"{model._meta.label}: {name}")
    assert english == []


def test_admin_index_shows_no_english_section(client_for):
    html = client_for("superuser").get(reverse("admin:index")).content.decode()
    for text in ("登录安全", "变更历史", "定时任务", "登录失败记录", "变更事件"):
        assert text in html
    for text in ("Axes", "Pghistory", "access attempts", "access logs", ">events<", "Auth Token"):
        assert text not in html


@pytest.mark.parametrize(
    ("url_name", "chinese", "english"),
    [
        (
            "admin:axes_accessattempt_changelist",
            ["尝试时间", "IP 地址", "浏览器标识", "状态"],
            ["Attempt Time", "User Agent"],
        ),
        ("admin:axes_accesslog_changelist", ["退出时间", "访问路径"], ["Logout Time", "Path"]),
        ("admin:pghistory_events_changelist", ["变更事件"], ["Events"]),
        ("admin:django_celery_beat_periodictask_changelist", ["定时任务"], ["Task Name"]),
    ],
)
def test_third_party_admin_lists_read_in_chinese(client_for, url_name, chinese, english):
    from axes.models import AccessAttempt, AccessLog

    row = {"user_agent": "chromium", "ip_address": "10.0.0.8", "username": "clerk", "path_info": "/login/"}
    AccessAttempt.objects.create(**row, http_accept="*/*", get_data="", post_data="", failures_since_start=2)
    AccessLog.objects.create(**row, http_accept="*/*")
    html = client_for("superuser").get(reverse(url_name)).content.decode()
    for text in chinese:
        assert text in html, text
    for text in english:
        assert f">{text}<" not in html, text
