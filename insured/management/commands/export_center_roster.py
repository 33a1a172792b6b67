"""Write the insured registry as the simulated center's persons.json (development only).

The simulator keeps its own data apart from the hospital's tables; this gives it the same demo
people, so a card read can ask the "center" (1101) and get an answer.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from insured.models import Enrollment, InsuredPerson


class Command(BaseCommand):
    help = "导出参保人员给模拟医保中心（开发用）"

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", default=str(Path(settings.BASE_DIR) / ".data" / "simulator" / "persons.json")
        )

    def handle(self, *args, output, **options):
        people = []
        query = InsuredPerson.objects.select_related("psn_cert_type").prefetch_related(
            "credentials", "enrollments__insutype", "enrollments__psn_type"
        )
        for person in query:
            people.append(center_roster_entry(person))
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(people, ensure_ascii=False, indent=1))
        self.stdout.write(f"  模拟医保中心人员：{len(people)} 人 → {path}")


def center_roster_entry(person: InsuredPerson) -> dict:
    """The person as the (simulated) center knows them: identity, active credentials, insurances."""
    return {
        "psn_no": person.psn_no,
        "psn_name": person.name,
        "psn_cert_type": person.psn_cert_type.code,
        "certno": person.certno,
        "gend": person.gender,
        "naty": "01",
        "brdy": person.birth_date.isoformat(),
        "credentials": [
            {"mdtrt_cert_type": c.mdtrt_cert_type, "mdtrt_cert_no": c.number, "card_sn": c.card_sn}
            for c in person.credentials.all()
            if c.status == "active"
        ],
        "insuinfo": [
            {
                "insutype": e.insutype.code,
                "psn_type": e.psn_type.code,
                "balc": str(e.balance or 0),
                "psn_insu_stas": "1" if e.status == Enrollment.Status.ACTIVE else "4",
                "psn_insu_date": e.start_date.isoformat(),
                "insuplc_admdvs": person.insuplc_admdvs,
                "emp_name": e.emp_name,
                "cvlserv_flag": "0",
            }
            for e in person.enrollments.all()
        ],
    }
