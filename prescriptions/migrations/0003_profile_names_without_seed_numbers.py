"""Pages show the day-supply profile's name: say it in Chinese without the seed file's number (the
regulation reference stays in `source`). Only the label changes; the limits are untouched (RX-2)."""

from django.db import migrations

NAMES = {
    ("000", "默认方案（seed 000）"): "默认方案（医保管理规定）",
    ("004", "县级医院从严方案（seed 004 道县）"): "县级医院从严方案（道县）",
}


def rename(apps, schema_editor):
    profile_model = apps.get_model("prescriptions", "DaySupplyProfile")
    for (code, old), new in NAMES.items():
        profile_model.objects.filter(code=code, name=old).update(name=new)


def restore(apps, schema_editor):
    profile_model = apps.get_model("prescriptions", "DaySupplyProfile")
    for (code, old), new in NAMES.items():
        profile_model.objects.filter(code=code, name=new).update(name=old)


class Migration(migrations.Migration):
    dependencies = [("prescriptions", "0002_seed_profiles")]
    operations = [migrations.RunPython(rename, restore)]
