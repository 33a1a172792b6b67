"""Write the catalog in force as the simulated center's catalog.json (development only).

The simulator keeps its own copy of the catalog (class, class-B share, payment standard) and
never reads our tables; this gives it the same demo catalog, so both sides split lines alike.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from drug_catalog.selectors import catalog_region, items_as_of


class Command(BaseCommand):
    help = "导出医保目录给模拟医保中心（开发用）"

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", default=str(Path(settings.BASE_DIR) / ".data" / "simulator" / "catalog.json")
        )

    def handle(self, *args, output, **options):
        catalog = center_catalog()
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(catalog, ensure_ascii=False, indent=1))
        self.stdout.write(f"  模拟医保中心目录：{len(catalog) - 1} 条 → {path}")


def center_catalog() -> dict:
    """The catalog in force as the simulated center knows it: class (FEE-6 items as C), class-B share,
    payment standard and restriction flag (lmt_used_flag) per national code."""
    catalog = {"_comment": "exported by manage.py export_center_catalog from the hospital's demo catalog"}
    for item in items_as_of(catalog_region(), timezone.localdate()).iterator():
        catalog[item.code] = {
            "class": "C" if item.non_payable else item.insurance_class,  # FEE-6: not payable
            "lmt_used_flag": "1" if item.restricted or item.approval_required else "0",
            "selfpay_prop": str(item.b_self_pay_ratio if item.b_self_pay_ratio is not None else "0.10")
            if item.insurance_class == "B"
            else "0",
            "pric_uplmt_amt": str(item.price_cap) if item.price_cap is not None else None,
            "name": item.name,
        }
    return catalog
