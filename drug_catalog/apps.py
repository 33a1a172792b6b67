from django.apps import AppConfig


class DrugCatalogConfig(AppConfig):
    name = "drug_catalog"
    verbose_name = "医保目录"

    def ready(self) -> None:
        from core.navigation import NavItem, register_nav
        from core.roles import Role

        register_nav(NavItem("目录对照", "catalog:mapping", (Role.OFFICE, Role.ADMIN), order=30))
        register_nav(NavItem("目录导入", "catalog:import", (Role.ADMIN,), order=35))
