"""Seed the admission rules' numbers (ADM-2, ADM-3, ADM-5, ADM-8, ADM-11, ADM-12) from the seeds."""

from django.db import migrations


def seed(apps, schema_editor):
    policy = apps.get_model("admission", "AdmissionPolicy")
    policy.objects.get_or_create(
        effective_from="2000-01-01",
        defaults={
            "formalities_working_days": 3,  # ADM-3 (001 §12)
            "custody_hours": 24,  # ADM-2
            "ghost_bed_absences": 2,  # ADM-5 (001 §15)
            "split_window_days": 10,  # ADM-8 (000 §4 三.3)
            "no_bed_fine_min": 3,  # ADM-5
            "no_bed_fine_max": 5,
            "referral_rate_limit": 3,  # ADM-11 (001 §16)
            "retention_years_inpatient": 15,  # ADM-12 (000 §4)
            "retention_years_outpatient": 2,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("admission", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
