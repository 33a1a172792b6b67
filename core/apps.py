from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "系统基础"

    def ready(self) -> None:
        from . import roles, signals  # roles: receivers; signals: the logout message
        from .home_panels import register_foundation_panels
        from .navigation import NavItem, register_nav

        # After every migrate: grant each role the permissions declared in core.roles,
        # including those of models added by later migrations.
        post_migrate.connect(roles.sync_role_permissions_signal, dispatch_uid="core.sync_role_permissions")
        signals.connect_calendar_signals()  # a changed holiday row drops its year from the cache
        register_foundation_panels()
        from .admin_labels import apply_chinese_admin_labels

        apply_chinese_admin_labels()
        for role in roles.Role:
            register_nav(
                NavItem(f"{role.label}工作台", "role_home", (role,), order=0, url_kwargs={"role": role.value})
            )
        register_nav(NavItem("管理后台", "admin:index", (roles.Role.ADMIN,), order=950))
        register_nav(NavItem("接口文档", "swagger-ui", (roles.Role.ADMIN, roles.Role.OFFICE), order=900))
