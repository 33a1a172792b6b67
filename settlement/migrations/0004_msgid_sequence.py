"""The 4-digit sequence of msgid (CENTER-INTERFACE §0.1): a cycling database sequence, safe across processes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("settlement", "0003_center_exchange")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS settlement_center_msgid_seq MINVALUE 0 MAXVALUE 9999 START 0 CYCLE;",
            "DROP SEQUENCE IF EXISTS settlement_center_msgid_seq;",
        )
    ]
