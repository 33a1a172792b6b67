from django.apps import AppConfig


class PrescriptionsConfig(AppConfig):
    name = "prescriptions"
    verbose_name = "处方"

    def ready(self) -> None:
        from core.navigation import NavItem, register_nav
        from core.roles import Role

        register_nav(NavItem("开处方", "prescriptions:compose", (Role.DOCTOR,), order=30))
        register_nav(NavItem("处方查询", "prescriptions:list", (Role.DOCTOR, Role.OFFICE), order=31))
