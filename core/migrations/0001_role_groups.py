"""Create the role groups 收费员, 医保办, 医生, 护士, 管理员 (permissions follow after migrate)."""

from django.db import migrations

GROUPS = ["收费员", "医保办", "医生", "护士", "管理员"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in GROUPS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
