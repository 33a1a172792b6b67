"""Template filters for what pages print: national codes by their Chinese names, money with two decimals."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

from core import codes

register = template.Library()


@register.simple_tag(takes_context=True)
def kept_form(context: template.Context, *parts: object) -> dict | None:
    """{% kept_form "refund" line.pk as kept %}: what was typed into that inline form before its
    refusal ({"data": {field: text}, "errors": {field: [message]}}), or None (core.forms.keep_typed)."""
    from core.forms import take_kept

    return take_kept(context.get("request"), "-".join(str(part) for part in parts))


@register.filter
def user_label(user, fallback: str = "系统") -> str:
    """A user's full name, else the login name; `fallback` when there is none (a task's own action).
    (`a.get_full_name|default:a.username` raises on a missing user: a filter argument must resolve.)"""
    if user is None:
        return fallback
    return user.get_full_name() or user.get_username()


@register.filter
def class_name(code: str) -> str:
    """Catalog class A/B/C as 甲类/乙类/丙类; no class (unmapped) as 未对照."""
    return codes.class_name(code)


@register.filter
def med_type_name(code: str) -> str:
    """医疗类别 by name (21 → 普通住院)."""
    return codes.med_type_name(code)


@register.filter
def insutype_name(code: str) -> str:
    """险种 by name (310 → 职工基本医疗保险)."""
    return codes.INSUTYPE_NAMES.get(code or "", code or "")


@register.filter
def yuan(value) -> str:
    """Money always with two decimals, half-up (12 → 12.00)."""
    try:
        return str(Decimal(value if value not in (None, "") else 0).quantize(Decimal("0.01"), ROUND_HALF_UP))
    except (InvalidOperation, TypeError, ValueError):
        return ""


@register.filter
def age_days(birth_date) -> int | str:
    """A patient's age in days today (the diagnosis picker's DRG-1 context); "" without a birth date."""
    from django.utils import timezone

    if not birth_date:
        return ""
    return max((timezone.localdate() - birth_date).days, 0)


@register.filter
def has_role(user, roles: str) -> bool:
    """`{% if user|has_role:"clerk,doctor" %}`: show a button only to the roles that may use it."""
    from core.roles import Role
    from core.roles import has_role as user_has_role

    wanted = [Role(code.strip()) for code in roles.split(",") if code.strip()]
    return bool(user and user.is_authenticated and user_has_role(user, *wanted))
