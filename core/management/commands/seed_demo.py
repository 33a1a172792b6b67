"""Load demo data. Idempotent: running it again adds no duplicates."""

from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

# Order matters: later seeds refer to earlier rows. Each later issue appends its app.
DEMO_SEEDS = ["core.demo", "hospital.demo", "insured.demo", "drug_catalog.demo", "diagnoses.demo"]


class Command(BaseCommand):
    help = "载入演示数据（可重复执行，不会重复插入）"

    def handle(self, *args, **options):
        with transaction.atomic():
            for module_path in DEMO_SEEDS:
                import_module(module_path).seed(lambda text: self.stdout.write(f"  {text}"))
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。"))
