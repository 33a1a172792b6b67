"""Plausibility bounds per item type (issue 17 item 6): a line above its type's maximum quantity per
line or per day, or priced below its floor, is refused with the bound named. Data, edited in admin."""

from decimal import Decimal

from django.db import migrations

# item_type, max per line, max per day, unit price floor
BOUNDS = [
    ("western", "500", "1000", "0.01"),
    ("patent", "500", "1000", "0.01"),
    ("herbal", "2000", "5000", "0.001"),
    ("service", "100", "200", "0.01"),
    ("consumable", "200", "500", "0.01"),
    ("facility", "24", "48", "0.01"),
    ("unmapped", "500", "1000", "0.01"),
]


def seed(apps, schema_editor):
    PlausibilityBound = apps.get_model("fees", "PlausibilityBound")
    for item_type, per_line, per_day, floor in BOUNDS:
        PlausibilityBound.objects.get_or_create(
            item_type=item_type,
            defaults={
                "max_quantity_per_line": Decimal(per_line),
                "max_quantity_per_day": Decimal(per_day),
                "min_unit_price": Decimal(floor),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("fees", "0002_move_charge_lines")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
