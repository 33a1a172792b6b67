"""Chinese names for the admin sections of third-party apps (issue 19, item 7: nothing in English).

django-axes and django-pghistory ship no Simplified Chinese, and pghistory's event model names its
fields after their column names; django-celery-beat misses a few strings. Their labels are set here
once at start-up (CoreConfig.ready), so the admin index, list columns and filters read in Chinese.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin

APP_NAMES = {
    "axes": "登录安全",
    "pghistory": "变更历史",
    "authtoken": "接口令牌",
    "django_celery_beat": "定时任务",
}

COMMON_AXES_FIELDS = {
    "user_agent": "浏览器标识",
    "ip_address": "IP 地址",
    "username": "用户名",
    "http_accept": "HTTP Accept 头",
    "path_info": "访问路径",
    "attempt_time": "尝试时间",
}

# model label: (verbose_name, verbose_name_plural, {field: verbose_name})
MODELS = {
    "axes.AccessAttempt": (
        "登录失败记录",
        "登录失败记录",
        {
            **COMMON_AXES_FIELDS,
            "get_data": "GET 数据",
            "post_data": "POST 数据",
            "failures_since_start": "失败次数",
        },
    ),
    "axes.AccessLog": (
        "登录日志",
        "登录日志",
        {**COMMON_AXES_FIELDS, "logout_time": "退出时间", "session_hash": "会话标识（SHA-256）"},
    ),
    "axes.AccessFailureLog": ("登录失败日志", "登录失败日志", {**COMMON_AXES_FIELDS, "locked_out": "已锁定"}),
    "axes.AccessAttemptExpiration": ("登录锁定到期", "登录锁定到期", {"expires_at": "到期时间"}),
    "pghistory.Events": (
        "变更事件",
        "变更事件",
        {
            "pgh_slug": "事件标识",
            "pgh_model": "事件表",
            "pgh_id": "事件编号",
            "pgh_created_at": "发生时间",
            "pgh_label": "变更类型",
            "pgh_data": "变更后数据",
            "pgh_diff": "变更内容",
            "pgh_context_id": "上下文编号",
            "pgh_context": "操作上下文（用户、地址）",
            "pgh_obj_model": "对象表",
            "pgh_obj_id": "对象编号",
        },
    ),
    "pghistory.Context": ("操作上下文", "操作上下文", {"metadata": "操作信息（用户、地址）"}),
    "authtoken.TokenProxy": ("接口令牌", "接口令牌", {"key": "令牌", "user": "用户", "created": "签发时间"}),
    "django_celery_beat.PeriodicTask": ("定时任务", "定时任务", {"task": "任务名称"}),
}


def _admin_for(label: str):
    try:
        model = apps.get_model(label)
    except LookupError:
        return None, None
    return model, admin.site._registry.get(model)


def apply_chinese_admin_labels() -> None:
    for app_label, name in APP_NAMES.items():
        if apps.is_installed(app_label) or app_label in {c.label for c in apps.get_app_configs()}:
            apps.get_app_config(app_label).verbose_name = name
    for label, (singular, plural, fields) in MODELS.items():
        model, _ = _admin_for(label)
        if model is None:
            continue
        model._meta.verbose_name = singular
        model._meta.verbose_name_plural = plural
        for field_name, verbose in fields.items():
            try:
                model._meta.get_field(field_name).verbose_name = verbose
            except Exception:
                continue
    _, attempts = _admin_for("axes.AccessAttempt")
    if attempts is not None:
        # The status column, its filter and the clean-up action carry English labels of their own.
        type(attempts).status.short_description = "状态"
        for entry in attempts.list_filter:
            if isinstance(entry, type) and hasattr(entry, "title"):
                entry.title = "已锁定"
        for action in getattr(attempts, "actions", None) or ():
            function = getattr(type(attempts), action, None) if isinstance(action, str) else action
            if callable(function) and hasattr(function, "short_description"):
                function.short_description = "清理已过期的失败记录"
    _, crontabs = _admin_for("django_celery_beat.CrontabSchedule")
    if crontabs is not None:
        model = apps.get_model("django_celery_beat.CrontabSchedule")
        model.human_readable.fget.short_description = "说明"
