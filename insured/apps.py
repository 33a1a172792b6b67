from django.apps import AppConfig


class InsuredConfig(AppConfig):
    name = "insured"
    verbose_name = "参保人员"

    def ready(self) -> None:
        from core.navigation import HomePanel, NavItem, register_nav, register_panel
        from core.roles import Role

        from .home_panels import office_sanctions_context

        register_nav(NavItem("读卡", "insured:card_read", (Role.CLERK,), order=10))
        register_nav(NavItem("参保人员", "insured:person_search", (Role.OFFICE, Role.ADMIN), order=20))
        register_nav(NavItem("花名册导入", "insured:roster_import", (Role.OFFICE, Role.ADMIN), order=25))
        register_panel(
            Role.OFFICE,
            HomePanel("参保人违规处理", "insured/panels/sanctions.html", office_sanctions_context, order=30),
        )
