from django.apps import AppConfig


class FeesConfig(AppConfig):
    name = "fees"
    verbose_name = "费用明细"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.navigation import NavItem, register_nav
        from core.roles import Role

        register_nav(NavItem("费用核对", "fees:center_differences", (Role.OFFICE, Role.ADMIN), order=415))
