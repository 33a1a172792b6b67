from django.apps import AppConfig


class HospitalConfig(AppConfig):
    name = "hospital"
    verbose_name = "医院组织"

    def ready(self) -> None:
        from core.navigation import HomePanel, register_panel
        from core.roles import Role

        from .home_panels import wards_context

        for role in (Role.CLERK, Role.NURSE):
            register_panel(role, HomePanel("病区床位", "core/panels/wards.html", wards_context, order=50))
