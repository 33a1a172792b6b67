"""Seed the day-supply profiles from the regulations (RX-1, RX-2, RX-3, RX-6).

000: seed 000 §4 二.3 — acute 7, chronic 15, specified diseases one month (30), discharge 15,
     5 drugs per prescription, protein approvals valid 5 days (§4 二.5); general illness 7.
004: seed 004 (道县 county hospital) — acute 3, general 7, chronic 15 ("半月量").
"""

from django.db import migrations

START = "2000-01-01"
PROFILES = [
    ("000", "默认方案（seed 000）", 7, 7, 15, 30, 15, 5, 5, "seed 000 §4 二.3/二.5"),
    ("004", "县级医院从严方案（seed 004 道县）", 3, 7, 15, 30, 15, 5, 5, "seed 004 处方管理 第四条"),
]


def seed(apps, schema_editor):
    profile_model = apps.get_model("prescriptions", "DaySupplyProfile")
    for code, name, acute, general, chronic, specified, discharge, drugs, approval, source in PROFILES:
        profile_model.objects.get_or_create(
            code=code,
            effective_from=START,
            defaults={
                "name": name,
                "acute_days": acute,
                "general_days": general,
                "chronic_days": chronic,
                "specified_days": specified,
                "discharge_days": discharge,
                "max_drugs": drugs,
                "approval_valid_days": approval,
                "source": source,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("prescriptions", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
