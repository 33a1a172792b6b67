"""DRF permission classes per role. A superuser passes every role check."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.roles import Role, has_role


def role_permission(*roles: Role, read_roles: tuple[Role, ...] = ()) -> type[BasePermission]:
    """A permission class admitting users with any of `roles`.

    `read_roles` are additionally admitted for safe methods (GET/HEAD/OPTIONS), e.g. a catalog
    everyone reads and only admins write.
    """

    class HasRole(BasePermission):
        message = "您的角色无权执行此操作。"
        allowed_roles = roles
        allowed_read_roles = read_roles

        def has_permission(self, request: Any, view: Any) -> bool:
            if has_role(request.user, *roles):
                return True
            return request.method in SAFE_METHODS and bool(read_roles) and has_role(request.user, *read_roles)

    names = "_".join(r.value for r in roles) or "none"
    HasRole.__name__ = HasRole.__qualname__ = f"HasRole_{names}"
    return HasRole


IsClerk = role_permission(Role.CLERK)
IsOffice = role_permission(Role.OFFICE)
IsDoctor = role_permission(Role.DOCTOR)
IsNurse = role_permission(Role.NURSE)
IsAdmin = role_permission(Role.ADMIN)
AnyRole = role_permission(*Role)
