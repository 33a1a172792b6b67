"""Reconciliation with the center (SYNC-2; P2.4): 3201 totals per insurance type and clearing type
over a period; a group that does not balance is drilled down with 3202 (the hospital's settlements as
a file through 9101, the center's per-settlement answer through 9102). Each difference is listed with
an action: re-upload, reverse (SET-9 / 2601), or accept with a reason. A difference accepted once is
recognised by later runs (same settlement, same amounts) and is not listed again as open."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from center import transactions
from center.client import CenterError
from center.files import unzip_rows, zip_rows
from core.errors import DomainError
from settlement import flow
from settlement.models import Settlement
from sync.models import ReconciliationDifference, ReconciliationGroup, ReconciliationRun, SyncAction

ZERO = Decimal("0.00")
COUNTED = ("settled", "reversing", "reversed", "reversal", "resettling", "resettled")


def _money(value) -> Decimal | None:
    return Decimal(str(value)).quantize(Decimal("0.01")) if value not in (None, "", "null") else None


def local_settlements(begin: datetime.date, end: datetime.date):
    """The hospital's settlements made with the center whose time falls in the period: originals and
    reversal counter-entries (the center lists a cancelled settlement twice too)."""
    start = timezone.make_aware(datetime.datetime.combine(begin, datetime.time.min))
    stop = timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min))
    return (
        Settlement.objects.filter(
            mode=Settlement.Mode.CENTER, status__in=COUNTED, settled_at__gte=start, settled_at__lt=stop
        )
        .exclude(setl_id="")
        .select_related("person", "reversal_of")
        .order_by("settled_at", "pk")
    )


def _group_key(s: Settlement) -> tuple[str, str, str]:
    original = s.reversal_of or s
    return (
        original.insutype,
        original.clr_type or "",
        original.clr_optins or settings.HOSPITAL["REGION_CODE"],
    )


def reconcile(*, begin: datetime.date, end: datetime.date, actor: Any = None) -> ReconciliationRun:
    groups: dict[tuple, list[Settlement]] = defaultdict(list)
    for s in local_settlements(begin, end):
        groups[_group_key(s)].append(s)
    client = flow.center()
    run = ReconciliationRun.objects.create(
        stmt_begndate=begin, stmt_enddate=end, actor=actor, result=ReconciliationRun.Result.BALANCED
    )
    try:
        for (insutype, clr_type, optins), rows in sorted(groups.items()):
            _reconcile_group(client, run, insutype, clr_type, optins, rows, actor)
    except CenterError as error:
        run.result, run.message = ReconciliationRun.Result.ERROR, error.message[:300]
        run.save(update_fields=["result", "message"])
        return run
    if run.groups.filter(balanced=False).exists():
        run.result = ReconciliationRun.Result.UNBALANCED
        open_count = ReconciliationDifference.objects.filter(group__run=run, status="open").count()
        run.message = f"{open_count} 笔差异待处理" if open_count else "差异均已处理"
    else:
        run.message = f"{len(groups)} 组平帐" if groups else "期间内没有医保结算"
    run.save(update_fields=["result", "message"])
    if actor is not None:
        SyncAction.objects.create(
            actor=actor, action="对账", target=f"{begin}~{end}", note=run.get_result_display()
        )
    return run


def _reconcile_group(client, run, insutype, clr_type, optins, rows: list[Settlement], actor) -> None:
    totals = {
        "medfee": sum((s.total for s in rows), ZERO),
        "fund": sum((s.fund_pay_total for s in rows), ZERO),
        "acct": sum((s.personal_account_pay for s in rows), ZERO),
        "cash": sum((s.cash_pay for s in rows), ZERO),
    }
    base = {
        "setl_optins": optins,
        "stmt_begndate": run.stmt_begndate.isoformat(),
        "stmt_enddate": run.stmt_enddate.isoformat(),
        "medfee_sumamt": str(totals["medfee"]),
        "fund_pay_sumamt": str(totals["fund"]),
        "fixmedins_setl_cnt": len(rows),
        "clr_type": clr_type,
    }
    answer = transactions.reconcile_totals(
        client,
        data={**base, "insutype": insutype, "acct_pay": str(totals["acct"]), "refd_setl_flag": ""},
        actor=actor,
    )
    group = ReconciliationGroup.objects.create(
        run=run,
        insutype=insutype,
        clr_type=clr_type,
        setl_optins=optins,
        medfee_sumamt=totals["medfee"],
        fund_pay_sumamt=totals["fund"],
        acct_pay=totals["acct"],
        cash_payamt=totals["cash"],
        setl_cnt=len(rows),
        balanced=str(answer.get("stmt_rslt")) == "0",
        center_message=str(answer.get("stmt_rslt_dscr") or "")[:200],
    )
    if not group.balanced:
        _drill_down(client, group, base, totals, rows, actor)


def _flag(s: Settlement) -> str:
    return "1" if s.status == Settlement.Status.REVERSAL else "0"


def _drill_down(client, group, base, totals, rows: list[Settlement], actor) -> None:
    """3202: the group's settlements as a file; the center answers per settlement."""
    lines = [
        [s.setl_id, s.mdtrt_id, s.person.psn_no, s.total, s.fund_pay_total, s.personal_account_pay, _flag(s)]
        for s in rows
    ]
    name = (
        f"{settings.HOSPITAL['CODE']}_{group.run.stmt_begndate:%Y%m%d}_{group.insutype}_{group.clr_type}.zip"
    )
    file_no = transactions.file_upload(
        client, content=zip_rows("detail.txt", lines), filename=name, actor=actor
    )
    fileinfo = transactions.reconcile_details(
        client, data={**base, "file_qury_no": file_no, "cash_payamt": str(totals["cash"])}, actor=actor
    )
    result = transactions.file_download(
        client,
        file_qury_no=str(fileinfo.get("file_qury_no")),
        filename=str(fileinfo.get("filename") or ""),
        actor=actor,
    )
    by_key = {(s.setl_id, _flag(s)): s for s in rows}
    for row in unzip_rows(result):
        psn_no, mdtrt_id, setl_id, msgid, outcome, flag, memo, *amounts = row + [None] * 3
        if str(outcome) != "1":
            continue
        local = by_key.get((str(setl_id), str(flag or "0")))
        center_amounts = [_money(a) for a in amounts[:3]]
        difference = ReconciliationDifference(
            group=group,
            setl_id=str(setl_id or ""),
            mdtrt_id=str(mdtrt_id or ""),
            psn_no=str(psn_no or ""),
            center_msgid=str(msgid or ""),
            refd_setl_flag=str(flag or "0"),
            memo=str(memo or "")[:200],
            settlement=local,
            local_medfee=local.total if local else None,
            local_fund=local.fund_pay_total if local else None,
            local_acct=local.personal_account_pay if local else None,
            center_medfee=center_amounts[0],
            center_fund=center_amounts[1],
            center_acct=center_amounts[2],
        )
        accepted = _accepted_before(difference)
        if accepted is not None:
            difference.status, difference.action = ReconciliationDifference.Status.RESOLVED, "accept"
            difference.reason = f"已于 {accepted.resolved_at:%Y-%m-%d} 接受：{accepted.reason}"[:300]
            difference.resolved_by, difference.resolved_at = accepted.resolved_by, timezone.now()
        difference.save()


def _accepted_before(d: ReconciliationDifference) -> ReconciliationDifference | None:
    return (
        ReconciliationDifference.objects.filter(
            setl_id=d.setl_id,
            refd_setl_flag=d.refd_setl_flag,
            action=ReconciliationDifference.Action.ACCEPT,
            status=ReconciliationDifference.Status.RESOLVED,
            center_medfee=d.center_medfee,
            local_medfee=d.local_medfee,
            center_fund=d.center_fund,
            local_fund=d.local_fund,
        )
        .exclude(reason__startswith="已于")
        .order_by("resolved_at")
        .first()
    )


# --- the office's decisions ----------------------------------------------------------------------------


def difference_resolve(*, actor: Any, difference: ReconciliationDifference, action: str, reason: str):
    """SYNC-2: re-upload (the encounter's lines and settlement list again), reverse (the hospital's
    settlement by SET-9, or the center-only one by 2601 of the msgid the center named), or accept."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("处理对账差异须填写原因。", code="reason_required", rule="SYNC-2")
    if difference.status != ReconciliationDifference.Status.OPEN:
        raise DomainError("该差异已处理。", code="already_resolved", rule="SYNC-2", status_code=409)
    if action == ReconciliationDifference.Action.REVERSE:
        _reverse(actor, difference, reason)
    elif action == ReconciliationDifference.Action.REUPLOAD:
        _reupload(actor, difference)
    elif action != ReconciliationDifference.Action.ACCEPT:
        raise DomainError("未知的处理方式。", code="bad_action", rule="SYNC-2")
    with transaction.atomic():
        locked = ReconciliationDifference.objects.select_for_update().get(pk=difference.pk)
        if locked.status != ReconciliationDifference.Status.OPEN:
            return locked
        locked.status, locked.action, locked.reason = (
            ReconciliationDifference.Status.RESOLVED,
            action,
            reason[:300],
        )
        locked.resolved_by, locked.resolved_at = actor, timezone.now()
        locked.save()
        SyncAction.objects.create(
            actor=actor,
            action=f"对账差异：{locked.get_action_display()}",
            target=f"结算 {locked.setl_id}",
            note=reason[:300],
        )
        run = locked.group.run
        if not ReconciliationDifference.objects.filter(group__run=run, status="open").exists():
            run.message = "差异均已处理"
            run.save(update_fields=["message"])
        return locked


def _reverse(actor, difference: ReconciliationDifference, reason: str) -> None:
    local = difference.settlement
    if local is not None and local.status == Settlement.Status.SETTLED:
        from settlement import services as settlement_services

        settlement_services.settlement_reverse(actor=actor, settlement=local, reason=reason)
        return
    if local is None and difference.center_msgid:
        transactions.reverse(
            flow.center(),
            psn_no=difference.psn_no,
            omsgid=difference.center_msgid,
            oinfno="2304",
            insuplc_admdvs=settings.HOSPITAL["REGION_CODE"],
            actor=actor,
        )
        return
    raise DomainError(
        "该差异无可撤销的结算，请选择其他处理方式。",
        code="nothing_to_reverse",
        rule="SYNC-2",
        status_code=409,
    )


def _reupload(actor, difference: ReconciliationDifference) -> None:
    local = difference.settlement
    if local is None:
        raise DomainError(
            "本院无此结算，无可重新上传的数据。", code="nothing_to_upload", rule="SYNC-2", status_code=409
        )
    from settlement import uploads
    from sync import cycle

    cycle.encounter_lines_upload(flow.encounter_of(local), actor=actor)
    if local.kind == Settlement.Kind.INPATIENT and local.reversal_of_id is None:
        uploads.settlement_list_upload(actor=actor, settlement_id=local.pk)
