"""Issue 20, SYNC-2: reconciliation (3201 totals per insurance type and clearing type, 3202 details).

The settled stay of tests.settlement.test_settle.discharged_stay, worked by hand there: bed 3 × 40 =
120, CT 2 × 150 = 300, check-up 300 → medfee_sumamt 720.00 (310 职工, inpatient: clr_type 21)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from core.roles import Role
from settlement import services as settlement_services
from sync import reconcile
from sync.models import ReconciliationDifference, ReconciliationRun, SyncAction
from tests.factories import UserFactory
from tests.settlement.test_settle import discharged_stay
from tests.sync.helpers import messages, switch


def _settled(center):
    hospital, stay = discharged_stay(center)
    return hospital, settlement_services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="rec-1")


@pytest.mark.django_db
def test_sync2_a_day_that_balances(center):
    hospital, _settlement = _settled(center)
    today = timezone.localdate()
    run = reconcile.reconcile(begin=today, end=today, actor=hospital.clerk)
    assert run.result == ReconciliationRun.Result.BALANCED
    group = run.groups.get()
    assert (group.insutype, group.clr_type, group.setl_cnt) == ("310", "21", 1)
    assert group.medfee_sumamt == Decimal("720.00") and group.balanced
    sent = messages("3201")[0].request["input"]["data"]
    assert (sent["insutype"], sent["clr_type"], sent["medfee_sumamt"], sent["fixmedins_setl_cnt"]) == (
        "310",
        "21",
        "720.00",
        1,
    )
    assert not messages("3202")  # balanced: no drill-down


@pytest.mark.django_db
def test_sync2_a_planted_difference_is_found_drilled_down_and_cleared_by_its_resolution(center):
    """The center's copy of the settlement is 10.00 more (planted): 3201 answers 不平; 3202 names the
    settlement: hospital 720.00, center 730.00. Accepted with a reason, the difference is resolved, the
    run says so, and the next reconciliation of the day recognises it instead of listing it again."""
    hospital, settlement = _settled(center)
    switch(center, diverge={"": "10.00"})
    today = timezone.localdate()
    run = reconcile.reconcile(begin=today, end=today, actor=hospital.clerk)
    assert run.result == ReconciliationRun.Result.UNBALANCED and run.message == "1 笔差异待处理"
    difference = ReconciliationDifference.objects.get()
    assert difference.setl_id == settlement.setl_id and difference.settlement == settlement
    assert (difference.local_medfee, difference.center_medfee) == (Decimal("720.00"), Decimal("730.00"))
    assert difference.memo == "金额不符" and difference.status == "open"
    assert len(messages("9101")) == 1 and len(messages("3202")) == 1 and len(messages("9102")) == 1
    with pytest.raises(Exception) as no_reason:
        reconcile.difference_resolve(actor=hospital.clerk, difference=difference, action="accept", reason="")
    assert "原因" in str(no_reason.value)
    reconcile.difference_resolve(
        actor=hospital.clerk, difference=difference, action="accept", reason="中心更正中，已电话确认"
    )
    difference.refresh_from_db()
    run.refresh_from_db()
    assert difference.status == "resolved" and difference.action == "accept"
    assert run.message == "差异均已处理"
    assert SyncAction.objects.filter(
        action__contains="接受差异", target=f"结算 {settlement.setl_id}"
    ).exists()
    again = reconcile.reconcile(begin=today, end=today, actor=hospital.clerk)
    assert again.message == "差异均已处理"
    assert not ReconciliationDifference.objects.filter(group__run=again, status="open").exists()


@pytest.mark.django_db
def test_sync2_the_office_reconciles_on_demand_decides_on_the_page_prints_and_exports(center):
    _hospital, settlement = _settled(center)
    switch(center, diverge={"": "10.00"})
    office = Client()
    office.force_login(UserFactory(roles=[Role.OFFICE]), backend="django.contrib.auth.backends.ModelBackend")
    today = timezone.localdate().isoformat()
    bad = office.post("/sync/reconciliations/", {"begin": today, "end": "2000-01-01"})
    assert bad.status_code == 200 and "结束日期不能早于开始日期" in bad.content.decode()
    response = office.post("/sync/reconciliations/", {"begin": today, "end": today})
    assert response.status_code == 302
    page = office.get(response["Location"]).content.decode()
    assert settlement.setl_id in page and "730.00" in page and "720.00" in page and "金额不符" in page
    difference = ReconciliationDifference.objects.get()
    missing = office.post(
        response["Location"], {"difference": difference.pk, "action": "accept", "reason": ""}
    )
    assert "请填写原因" in missing.content.decode()
    done = office.post(
        response["Location"], {"difference": difference.pk, "action": "accept", "reason": "已核实"}
    )
    assert done.status_code == 302
    difference.refresh_from_db()
    assert difference.status == "resolved"
    printed = office.get(response["Location"] + "?print=1").content.decode()
    assert "医保对账单" in printed and "已核实" in printed
    export = office.get(f"/sync/reconciliations/{difference.group.run_id}.xlsx")
    book = load_workbook(io.BytesIO(export.content))
    rows = list(book["差异明细"].iter_rows(values_only=True))
    assert rows[1][2] == settlement.setl_id and rows[1][5] == 720 and rows[1][6] == 730
    assert rows[1][13] == "接受差异" and rows[1][14] == "已核实"
