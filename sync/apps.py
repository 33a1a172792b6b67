from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = "医保同步"

    def ready(self) -> None:
        from core import health
        from core.navigation import HomePanel, NavItem, register_nav, register_panel
        from core.roles import Role

        from . import selectors

        # SYNC-1: a late sync makes /healthz "degraded" (200), not down: the hospital keeps working.
        health.register_check("sync", selectors.health, required=False, degrades=True)
        register_nav(NavItem("医保同步", "sync:page", (Role.OFFICE, Role.ADMIN), order=420))
        register_nav(NavItem("对账（3201）", "sync:reconciliations", (Role.OFFICE, Role.ADMIN), order=425))
        for role in (Role.OFFICE, Role.ADMIN):
            register_panel(role, HomePanel("医保同步", "sync/panel.html", selectors.panel, order=4))
