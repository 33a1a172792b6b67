from django.apps import AppConfig


class SettlementConfig(AppConfig):
    name = "settlement"
    verbose_name = "医保结算"

    def ready(self) -> None:
        from core import health
        from core.navigation import HomePanel, NavItem, register_nav, register_panel
        from core.roles import Role

        from .home_panels import office_settlements_context
        from .selectors import center_health

        # Informational: a center outage must not take the hospital's own pages "down" (SET-10 falls back).
        health.register_check("center", center_health, required=False)
        register_nav(
            NavItem("结算试算", "settlement:calculator", (Role.CLERK, Role.OFFICE, Role.ADMIN), order=400)
        )
        register_nav(NavItem("结算对账", "settlement:books_agree", (Role.OFFICE, Role.ADMIN), order=410))
        register_panel(
            Role.OFFICE,
            HomePanel("结算核对", "settlement/panels/office.html", office_settlements_context, order=26),
        )
        register_nav(NavItem("门诊", "settlement:outpatient_register", (Role.CLERK,), order=13))
        register_panel(Role.CLERK, HomePanel("待结算", "settlement/panels/queue.html", _queue, order=12))


def _queue(request):
    from .queue import settle_queue

    return {**settle_queue(), "wide": True}
