"""Who may touch which stay (issue 19, item 9): the object-level half of every permission check.

The role check (core.permissions / core.api.permissions) says whether a role may use a page or an
endpoint at all; this module says on which stays. The billing window (收费员), the insurance office
(医保办) and administrators work hospital-wide. A doctor acts on the stays of his department, those
he is the attending doctor of, and those he was invited to consult on; a nurse on the stays of her
ward (of her department's wards when no ward is recorded for her). A superuser passes every check.

Each check names the roles the action is open to, so a user holding two roles is judged by the roles
that action allows (a clerk who is also a doctor writes orders only as a doctor, on his own stays).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from admission.models import Consultation, Stay
from core.roles import Role, user_roles

HOSPITAL_WIDE_ROLES = frozenset({Role.CLERK, Role.OFFICE, Role.ADMIN})
FOREIGN_STAY_MESSAGE = "该患者不在您的科室或病区（也不是您主治或会诊的患者），无权查看或操作。"
NOTHING = Q(pk__in=[])


def _practitioner(user: Any) -> Any:
    practitioner = getattr(user, "practitioner", None)  # reverse one-to-one: None when absent
    return practitioner if practitioner is not None and practitioner.is_active else None


def stay_scope(user: Any, *roles: Role) -> Q | None:
    """The stays `user` may act on in any of `roles`, as a filter; None means every stay."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return NOTHING
    if user.is_superuser:
        return None
    held = user_roles(user) & set(roles)
    if held & HOSPITAL_WIDE_ROLES:
        return None
    practitioner = _practitioner(user)
    if practitioner is None:
        return NOTHING
    scope = NOTHING
    if Role.DOCTOR in held:
        consulted = Consultation.objects.filter(doctor=practitioner).values("stay_id")
        scope |= (
            Q(department_id=practitioner.department_id)
            | Q(attending_doctor_id=practitioner.pk)
            | Q(pk__in=consulted)
        )
    if Role.NURSE in held:
        if practitioner.ward_id:
            scope |= Q(ward_id=practitioner.ward_id)
        else:
            scope |= Q(ward__department_id=practitioner.department_id)
    return scope


def stays_for(user: Any, *roles: Role, queryset: QuerySet[Stay] | None = None) -> QuerySet[Stay]:
    """`queryset` (default: every stay) narrowed to the stays `user` may act on in `roles`."""
    queryset = Stay.objects.all() if queryset is None else queryset
    scope = stay_scope(user, *roles)
    return queryset if scope is None else queryset.filter(scope)


def may_act_on(user: Any, stay: Stay, *roles: Role) -> bool:
    scope = stay_scope(user, *roles)
    if scope is None:
        return True
    return Stay.objects.filter(scope, pk=stay.pk).exists()


def require_stay(user: Any, stay: Stay, *roles: Role) -> Stay:
    """Refuse (403, in Chinese, for pages and API alike) a stay outside the user's scope."""
    if not may_act_on(user, stay, *roles):
        raise PermissionDenied(FOREIGN_STAY_MESSAGE)
    return stay


def stay_or_403(user: Any, pk: Any, *roles: Role, queryset: QuerySet[Stay] | None = None) -> Stay:
    """The stay `pk` (404 when it does not exist), refused with 403 when outside the user's scope."""
    stay = get_object_or_404(Stay.objects.all() if queryset is None else queryset, pk=pk)
    return require_stay(user, stay, *roles)
