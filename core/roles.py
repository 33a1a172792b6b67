"""Roles are Django groups. Each role has a stable English code and a Chinese group name.

A superuser passes every role check. Permissions per role are declared here, as
"app_label.codename" strings or "app_label.*" for all of an app's permissions; they are
granted after every migrate, so models that later issues add are picked up.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    CLERK = "clerk"
    OFFICE = "office"
    DOCTOR = "doctor"
    NURSE = "nurse"
    ADMIN = "admin"

    @property
    def group_name(self) -> str:
        return ROLE_GROUP_NAMES[self]

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_GROUP_NAMES: dict[Role, str] = {
    Role.CLERK: "收费员",
    Role.OFFICE: "医保办",
    Role.DOCTOR: "医生",
    Role.NURSE: "护士",
    Role.ADMIN: "管理员",
}
ROLE_LABELS: dict[Role, str] = {
    Role.CLERK: "收费员",
    Role.OFFICE: "医保办",
    Role.DOCTOR: "医生",
    Role.NURSE: "护士",
    Role.ADMIN: "系统管理员",
}
GROUP_NAME_TO_ROLE = {name: role for role, name in ROLE_GROUP_NAMES.items()}

# Which permissions each role holds. "app.*" grants all permissions of that app.
ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.CLERK: [
        "insured.view_insuredperson",
        "insured.view_enrollment",
        "insured.add_cardread",
        "hospital.view_department",
        "hospital.view_ward",
        "hospital.view_bed",
        "hospital.view_practitioner",
    ],
    Role.OFFICE: [
        "hospital.view_department",
        "hospital.view_ward",
        "hospital.view_bed",
        "hospital.view_practitioner",
        "pghistory.view_events",
        "settlement.view_policyparameter",
        "settlement.view_centerexchange",
        "insured.view_insuredperson",
        "insured.view_enrollment",
        "insured.view_credential",
        "insured.view_sanction",
        "insured.add_sanction",
        "insured.change_sanction",
        "insured.view_sanctionpolicy",
        "insured.view_personaccesslog",
        "diagnoses.view_diagnosiscode",
        "diagnoses.view_diseasecategoryrange",
        "core.view_calendarday",
    ],
    Role.DOCTOR: [
        "hospital.view_department",
        "hospital.view_practitioner",
    ],
    Role.NURSE: [
        "hospital.view_department",
        "hospital.view_ward",
        "hospital.view_bed",
    ],
    Role.ADMIN: [
        "auth.*",
        "authtoken.*",
        "axes.*",
        "django_celery_beat.*",
        "pghistory.view_events",
        "core.*",
        "hospital.*",
        "insured.*",
        "drug_catalog.*",
        "diagnoses.*",
        "prescriptions.*",
        "admission.*",
        "settlement.*",
        "remote_care.*",
        "audit.*",
    ],
}


def user_roles(user: Any) -> frozenset[Role]:
    """The roles a user holds through group membership (cached on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        names = user.groups.values_list("name", flat=True)
        cached = frozenset(GROUP_NAME_TO_ROLE[n] for n in names if n in GROUP_NAME_TO_ROLE)
        user._role_cache = cached
    return cached


def has_role(user: Any, *roles: Role) -> bool:
    """True when the user holds any of the roles; a superuser passes every role check."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if user.is_superuser:
        return True
    return bool(user_roles(user) & set(roles))


def _matching_permissions(permission_model: Any, patterns: Iterable[str]) -> list[Any]:
    found = []
    for pattern in patterns:
        app_label, codename = pattern.split(".", 1)
        query = permission_model.objects.filter(content_type__app_label=app_label)
        if codename != "*":
            query = query.filter(codename=codename)
        found.extend(query)
    return found


def ensure_role_groups(group_model: Any, permission_model: Any) -> None:
    """Create the role groups and grant their declared permissions (idempotent, only adds)."""
    for role in Role:
        group, _ = group_model.objects.get_or_create(name=role.group_name)
        permissions = _matching_permissions(permission_model, ROLE_PERMISSIONS[role])
        if permissions:
            group.permissions.add(*permissions)


def sync_role_permissions_signal(sender: Any, **kwargs: Any) -> None:
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    if sender.name != "core":
        return
    # post_migrate reaches apps in INSTALLED_APPS order; make every app's permissions exist first.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=kwargs.get("using", "default"))
    ensure_role_groups(Group, Permission)
