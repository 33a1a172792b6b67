"""RX-1..RX-3, RX-5 and RX-6 as audit rules: saved prescriptions re-judged by the prescriptions
app's own check (prescriptions.selectors.check → prescriptions.rules.check_prescription), not rewritten here.

A prescription saved through the doctor's page passed the check when written; the audit still finds
those that arrived another way (HIS import, a profile tightened since, a line edited by a script) and
keeps the evidence. One finding per prescription line (RX-2/RX-3/RX-5/RX-6) or per prescription (RX-1).
RX-5/RX-6 approvals are read as of the prescription day, so a revoked or late approval shows.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Sum

from fees.models import FeeLine
from prescriptions import rules as rx_rules
from prescriptions import selectors as rx_selectors
from prescriptions.models import Prescription

if TYPE_CHECKING:
    from audit.engine import Hit

RULE_NAMES = {
    "RX-1": "处方药品超过品种数",
    "RX-2": "处方超天数",
    "RX-3": "出院带药超量",
    "RX-5": "限定支付药品超适应症或未审批",
    "RX-6": "须审批药品无有效审批",
}


def _lines(prescription: Prescription) -> list[rx_selectors.LineRequest]:
    return [
        rx_selectors.LineRequest(
            item_code=item.code,
            quantity=item.quantity,
            dose=item.dose,
            frequency=item.frequency,
            days=item.declared_days,
            self_pay=item.self_pay,
            consent=item.consent,
            indication_met=item.indication_met,
            diagnosis=(item.diagnosis_order - 1) if item.diagnosis_order else None,
        )
        for item in prescription.items.all()
    ]


def hits(
    rule_code: str, *, start: datetime.date, end: datetime.date, prescription: int | None = None
) -> list[Hit]:
    from audit.engine import Hit

    query = Prescription.objects.filter(
        status=Prescription.Status.ISSUED, insured=True, prescribed_on__range=(start, end)
    )
    if prescription is not None:
        query = query.filter(pk=prescription)
    found: list[Hit] = []
    for rx in query.select_related("person").prefetch_related("items", "diagnoses").order_by("pk"):
        items = list(rx.items.all())
        answer = rx_selectors.check(
            psn_no=rx.person.psn_no,
            visit_type=rx.visit_type,
            diagnosis_codes=[d.code for d in rx.diagnoses.all()],
            lines=_lines(rx),
            on_date=rx.prescribed_on,
        )
        violations = [
            v for v in answer.result.violations if v.rule == rule_code and v.level == rx_rules.Level.BLOCK
        ]
        seen: set[str] = set()
        for violation in violations:
            index = violation.item
            item = items[index] if index is not None and index < len(items) else None
            key = f"{rule_code}:{rx.pk}" + (f":{item.line_no}" if item else "")
            if key in seen:
                continue
            seen.add(key)
            linked = FeeLine.objects.filter(
                prescription_item__prescription=rx, **({"prescription_item": item} if item else {})
            )
            amount = linked.aggregate(total=Sum("amount"))["total"] or Decimal("0")
            found.append(
                Hit(
                    evidence_key=key,
                    occurred_on=rx.prescribed_on,
                    stay_id=None,
                    visit_id=None,
                    person_id=rx.person_id,
                    department_id=rx.department_id,
                    doctor_id=rx.doctor_id,
                    amount=amount.quantize(Decimal("0.01")),
                    explanation=f"{rule_code} {RULE_NAMES[rule_code]}：处方 {rx.number} {violation.message}"[
                        :500
                    ],
                    evidence={
                        "prescriptions": [rx.pk],
                        "lines": [f"O{pk}" for pk in linked.values_list("pk", flat=True)],
                    },
                )
            )
    return found
