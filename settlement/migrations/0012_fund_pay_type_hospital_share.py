"""999996: the hospital's share (医院垫付/负担) as the centers' setldetail carries it (CENTER-INTERFACE §7.2:
no official national name; the name is the implementations' comment), so a payer row is named from the
code table, never guessed."""

from django.db import migrations


def seed(apps, schema_editor):
    FundPayType = apps.get_model("settlement", "FundPayType")
    FundPayType.objects.get_or_create(code="999996", defaults={"name": "医院垫付/负担（医院负担金额）"})


class Migration(migrations.Migration):
    dependencies = [("settlement", "0011_seed_person_type_policies_and_fund_layers")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
