"""Demo users, one per role (password: settings.DEMO_PASSWORD). Importable without Django set up."""

from __future__ import annotations

from dataclasses import dataclass

from core.roles import Role


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: Role
    is_staff: bool = False


DEMO_USERS = [
    DemoUser("clerk", "王收费", Role.CLERK),
    DemoUser("office", "李医保", Role.OFFICE),
    DemoUser("doctor", "张建国", Role.DOCTOR),
    DemoUser("nurse", "刘护士", Role.NURSE),
    DemoUser("admin", "赵管理", Role.ADMIN, is_staff=True),
]


def seed(log) -> None:
    # Imported here: the launcher prints DEMO_USERS before Django is set up.
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission

    from core.roles import ensure_role_groups

    ensure_role_groups(Group, Permission)
    user_model = get_user_model()
    for demo in DEMO_USERS:
        user, created = user_model.objects.get_or_create(
            username=demo.username,
            # Chinese names are one string, family name first: keep it whole in first_name.
            defaults={"first_name": demo.full_name, "is_staff": demo.is_staff},
        )
        if created:
            user.set_password(settings.DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=demo.role.group_name))
    log(f"用户：{len(DEMO_USERS)} 个演示账号")
