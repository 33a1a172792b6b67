"""Navigation and home-page panels per role. Apps register theirs in AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from core.roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: tuple[Role, ...]
    order: int = 100
    url_kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HomePanel:
    """A block on a role's home page: a template rendered with `context(request)`."""

    title: str
    template: str
    context: Callable[[HttpRequest], dict[str, Any]]
    order: int = 100


NAV_ITEMS: list[NavItem] = []
HOME_PANELS: dict[Role, list[HomePanel]] = {role: [] for role in Role}


def register_nav(item: NavItem) -> None:
    if item not in NAV_ITEMS:
        NAV_ITEMS.append(item)
        NAV_ITEMS.sort(key=lambda i: i.order)


def register_panel(role: Role, panel: HomePanel) -> None:
    panels = HOME_PANELS[role]
    if all(p.template != panel.template or p.title != panel.title for p in panels):
        panels.append(panel)
        panels.sort(key=lambda p: p.order)
