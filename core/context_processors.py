from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from core.navigation import NAV_ITEMS
from core.roles import Role, has_role, user_roles


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu for the user's roles, the user's role labels and the hospital's identity."""
    user = request.user
    items = []
    roles: list[Role] = []
    if user.is_authenticated:
        roles = list(Role) if user.is_superuser else sorted(user_roles(user), key=list(Role).index)
        for item in NAV_ITEMS:
            if has_role(user, *item.roles):
                url = reverse(item.url_name, kwargs=item.url_kwargs)
                items.append({"label": item.label, "url": url, "active": False})
        # Only the longest matching entry is active (/admission/new/ is not also /admission/).
        matches = [i for i in items if request.path.startswith(i["url"]) and i["url"] != "/"]
        if matches:
            max(matches, key=lambda i: len(i["url"]))["active"] = True
    return {
        "nav_items": items,
        "user_role_list": [{"code": r.value, "label": r.label} for r in roles],
        "hospital": settings.HOSPITAL,
    }
