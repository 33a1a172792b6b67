"""RX-1..RX-3 as audit rules reuse the prescription check (prescriptions.rules), not a rewrite: a saved
prescription changed afterwards (an HIS edit) is found by the batch and by the in-process form alike."""

import datetime
from decimal import Decimal

import pytest

from audit import engine
from audit.models import AuditRule, Finding
from drug_catalog.models import CatalogItem, CatalogVersion
from prescriptions import services
from prescriptions.models import PrescriptionItem
from prescriptions.selectors import LineRequest
from tests.factories import PractitionerFactory
from tests.insured.factories import make_person

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 10)


def _saved_prescription():
    version = CatalogVersion.objects.create(region="610000", code="RX-T", name="测试目录", effective_from=DAY)
    CatalogItem.objects.create(
        version=version, code="XJ01DCA030A001", name="头孢呋辛酯片", item_type="western", insurance_class="B",
        pack_size=Decimal(24), unit="盒", min_unit="片", dosage_form="片剂",
    )  # fmt: skip
    person = make_person(name="李华")
    return services.prescription_issue(
        actor=None,
        doctor=PractitionerFactory(),
        psn_no=person.psn_no,
        visit_type="outpatient",
        diagnosis_codes=["J06.9"],
        lines=[
            LineRequest(item_code="XJ01DCA030A001", quantity=Decimal("0.5"), dose=1, frequency="tid", days=4)
        ],
        on_date=DAY,
    )


@pytest.mark.parametrize(
    ("edited", "expected"), [(False, 0), (True, 1)], ids=["RX-2 as issued", "RX-2 HIS edit"]
)
def test_rx_2_rule_reuses_the_prescription_check(edited, expected):
    rx = _saved_prescription()
    if edited:  # 2 boxes × 24 tablets at 1 tid = 16 days > 7 for an acute illness
        PrescriptionItem.objects.filter(prescription=rx).update(quantity=Decimal(2), declared_days=None)
    rule = AuditRule.objects.get(code="RX-2")
    assert engine.insert_findings(rule, start=DAY, end=DAY) == expected
    stored = list(Finding.objects.filter(rule=rule).values_list("evidence_key", "doctor_id"))
    assert stored == ([(f"RX-2:{rx.pk}:1", rx.doctor_id)] if edited else [])
    in_process = engine.run_rule("RX-2", start=DAY, end=DAY, prescription=rx.pk)
    assert [h.evidence_key for h in in_process] == [key for key, _ in stored]
    if edited:
        assert "16 天量超过急性病 7 天" in Finding.objects.get(rule=rule).explanation
    assert engine.insert_findings(rule, start=DAY, end=DAY) == 0


def _approved_prescription(kind: str):
    """A restricted drug (RX-5) or a protein product needing the office's approval (RX-6), issued with
    its approval in force; returns the prescription and the approval."""
    from prescriptions.models import DrugApproval

    version = CatalogVersion.objects.create(
        region="610000", code="RX-T5", name="测试目录", effective_from=DAY
    )
    restricted = kind == DrugApproval.Kind.RESTRICTED
    CatalogItem.objects.create(
        version=version, code="XB05AAA010B001", name="人血白蛋白注射液", item_type="western",
        insurance_class="B", pack_size=Decimal(1), unit="瓶", min_unit="瓶", dosage_form="注射剂",
        restricted=restricted, restriction_text="限抢救" if restricted else "",
        approval_required=not restricted,
    )  # fmt: skip
    person = make_person(name="陈一")
    approval = DrugApproval.objects.create(
        person=person, item_code="XB05AAA010B001", kind=kind, approved_on=DAY - datetime.timedelta(days=2)
    )
    rx = services.prescription_issue(
        actor=None,
        doctor=PractitionerFactory(),
        psn_no=person.psn_no,
        visit_type="outpatient",
        diagnosis_codes=["J06.9"],
        lines=[
            LineRequest(
                item_code="XB05AAA010B001",
                quantity=Decimal(1),
                dose=1,
                frequency="qd",
                days=1,
                indication_met=restricted,
            )
        ],
        on_date=DAY,
    )
    return rx, approval


@pytest.mark.parametrize(
    ("code", "kind", "edit", "expected"),
    [
        ("RX-5", "restricted", None, 0),
        ("RX-5", "restricted", "indication", 1),
        ("RX-5", "restricted", "revoke", 1),
        ("RX-6", "protein", None, 0),
        ("RX-6", "protein", "revoke", 1),
    ],
    ids=[
        "RX-5 as issued",
        "RX-5 indication unticked by an HIS edit",
        "RX-5 hospital approval revoked",
        "RX-6 as issued",
        "RX-6 office approval revoked",
    ],
)
def test_rx_5_and_rx_6_rules_reuse_the_prescription_check(code, kind, edit, expected):
    """RX-5/RX-6: the saved prescription is re-judged by prescriptions' check as of its day; the batch and
    the in-process form on the prescription give the same finding."""
    rx, approval = _approved_prescription(kind)
    if edit == "indication":
        PrescriptionItem.objects.filter(prescription=rx).update(indication_met=False)
    elif edit == "revoke":
        approval.revoked = True
        approval.save()
    rule = AuditRule.objects.get(code=code)
    assert engine.insert_findings(rule, start=DAY, end=DAY) == expected
    stored = list(Finding.objects.filter(rule=rule).values_list("evidence_key", "doctor_id"))
    assert stored == ([(f"{code}:{rx.pk}:1", rx.doctor_id)] if expected else [])
    in_process = engine.run_rule(code, start=DAY, end=DAY, prescription=rx.pk)
    assert [h.evidence_key for h in in_process] == [key for key, _ in stored]
    if expected:
        explanation = Finding.objects.get(rule=rule).explanation
        assert explanation.startswith(f"{code} ") and f"（{code}）" in explanation
    assert engine.insert_findings(rule, start=DAY, end=DAY) == 0
