"""Resolving unknown outcomes by asking the center what it holds (issue 16; SET-9, SET-10).

A settlement is matched by `medins_setl_id`, which the center fills with the msgid of the request that
made it (CENTER-INTERFACE P2.3). What the center holds is recorded exactly: a settlement it holds is
recorded as settled from its 5203 answer; one it does not hold is fenced with 2601 (so a message still
in flight can never be processed later) and closed as failed. While the center cannot be reached the
row stays open and the recovery task (every minute, and on demand from the page) tries again later.
"""

from __future__ import annotations

import logging
from typing import Any

from center import intents, transactions
from center.client import CenterError, CenterRejected
from center.models import CenterIntent
from settlement import flow, locks
from settlement.models import Settlement

logger = logging.getLogger(__name__)


def _center_rows(settlement: Settlement, actor: Any = None) -> list[dict]:
    return transactions.query_settlements(
        flow.center(),
        psn_no=settlement.person.psn_no,
        mdtrt_id=settlement.mdtrt_id,
        insuplc_admdvs=settlement.insuplc_admdvs,
        actor=actor,
    )


def _active_row_for(rows: list[dict], msgid: str) -> dict | None:
    """The center's settlement made by `msgid`, unless the center has cancelled it since."""
    made = [r for r in rows if r["setlinfo"].get("medins_setl_id") == msgid and _is_settlement(r)]
    if not made:
        return None
    setl_id = str(made[0]["setlinfo"].get("setl_id"))
    if _cancellation_of(rows, setl_id) is not None:
        return None
    return made[0]


def _is_settlement(row: dict) -> bool:
    return str(row["setlinfo"].get("refd_setl_flag") or "0") != "1"


def _cancellation_of(rows: list[dict], setl_id: str) -> dict | None:
    for row in rows:
        info = row["setlinfo"]
        if not _is_settlement(row) and str(info.get("init_setl_id") or "") == setl_id:
            return row
    return None


def _unconfirmed(settlement: Settlement, why: str) -> flow.SettlementUnconfirmed:
    return flow.SettlementUnconfirmed(
        f"结算 {settlement.medins_setl_id}：{flow.UNCONFIRMED}（{why}）。请勿收取现金或重复结算；"
        "系统每分钟自动核实，医保中心恢复后即确认结果。",
        rule="SET-9",
        errors={"settlement": [str(settlement.pk)]},
    )


def settlement_resolve(*, actor: Any, settlement: Settlement, raise_unresolved: bool = False) -> Settlement:
    """A pending settlement whose 2304/2207 outcome is unknown: record what the center holds."""
    with locks.encounter_calls(flow.encounter_of(settlement).subject):
        return _settlement_resolve(actor, settlement, raise_unresolved)


def _settlement_resolve(actor: Any, settlement: Settlement, raise_unresolved: bool) -> Settlement:
    settlement.refresh_from_db()
    if settlement.status != Settlement.Status.PENDING:
        return flow.replay(settlement, flow.encounter_of(settlement))
    infno = "2304" if settlement.kind == Settlement.Kind.INPATIENT else "2207"
    try:
        rows = _center_rows(settlement, actor)
        row = _active_row_for(rows, settlement.msgid)
        if row is None:
            # Not held (or already cancelled there): fence the message, then the hospital closes it too.
            transactions.reverse(
                flow.center(),
                psn_no=settlement.person.psn_no,
                omsgid=settlement.msgid,
                oinfno=infno,
                insuplc_admdvs=settlement.insuplc_admdvs,
                actor=actor,
            )
            rows = _center_rows(settlement, actor)
            row = _active_row_for(rows, settlement.msgid)
    except CenterRejected as error:
        # The center answered but refused the query or the fence: keep asking, the office sees it.
        intents.intent_unknown(settlement.msgid, f"核实被中心拒绝：{error.message}")
        if raise_unresolved:
            raise _unconfirmed(settlement, error.message) from error
        return settlement
    except CenterError as error:
        intents.intent_unknown(settlement.msgid, f"核实未成功：{error.message}")
        if raise_unresolved:
            raise _unconfirmed(settlement, error.message) from error
        return settlement
    if row is not None:
        recorded = flow.record_settled(actor, settlement.pk, row, resolution=CenterIntent.Resolution.FOUND)
        return recorded
    not_done = CenterError(
        "医保中心未完成本次结算（应答丢失，已冲正 2601），本次未结算，可重新结算。",
        msgid=settlement.msgid,
        infno=infno,
        code="settlement_not_done",
        rule="SET-10",
    )
    flow.close_failed(actor, settlement, not_done, CenterIntent.Resolution.NOT_FOUND)
    if raise_unresolved:
        raise not_done
    settlement.refresh_from_db()
    return settlement


def reversal_resolve(*, actor: Any, settlement: Settlement, raise_unresolved: bool = False) -> Settlement:
    """A reversing settlement whose 2305/2208 outcome is unknown: the center's cancellation row, if any,
    becomes the counter-entry; otherwise the cancel message is fenced and the settlement stands."""
    with locks.encounter_calls(flow.encounter_of(settlement).subject):
        return _reversal_resolve(actor, settlement, raise_unresolved)


def _reversal_resolve(actor: Any, settlement: Settlement, raise_unresolved: bool) -> Settlement:
    settlement.refresh_from_db()
    if settlement.status != Settlement.Status.REVERSING:
        return settlement.reversed_by if settlement.status == Settlement.Status.REVERSED else settlement
    infno = "2305" if settlement.kind == Settlement.Kind.INPATIENT else "2208"
    reason = flow.reversal_reason(settlement)
    try:
        rows = _center_rows(settlement, actor)
        cancellation = _cancellation_of(rows, settlement.setl_id)
        if cancellation is None:
            transactions.reverse(
                flow.center(),
                psn_no=settlement.person.psn_no,
                omsgid=settlement.reversal_msgid,
                oinfno=infno,
                insuplc_admdvs=settlement.insuplc_admdvs,
                actor=actor,
            )
            cancellation = _cancellation_of(_center_rows(settlement, actor), settlement.setl_id)
    except CenterError as error:
        intents.intent_unknown(settlement.reversal_msgid, f"核实未成功：{error.message}")
        if raise_unresolved:
            raise flow.SettlementUnconfirmed(
                f"撤销结算 {settlement.medins_setl_id} 的结果待确认（正在与医保中心核实：{error.message}）。"
                "核实前不能再次撤销或结算。",
                rule="SET-9",
                errors={"settlement": [str(settlement.pk)]},
            ) from error
        return settlement
    if cancellation is not None:
        return flow.record_reversal(
            actor, settlement.pk, reason, cancellation, resolution=CenterIntent.Resolution.FOUND
        )
    flow.reversal_abandon(
        actor, settlement.pk, "医保中心未撤销该结算（应答丢失，已冲正）", CenterIntent.Resolution.NOT_FOUND
    )
    if raise_unresolved:
        from core.errors import DomainError

        raise DomainError(
            "医保中心未完成撤销（应答丢失，已冲正 2601），该结算仍有效；可再次撤销。",
            code="reversal_not_done",
            rule="SET-9",
            status_code=409,
        )
    settlement.refresh_from_db()
    return settlement


def lines_resolve(*, actor: Any, intent: CenterIntent) -> None:
    """A 2301/2204 chunk whose answer never came: 5204 tells which lines the center holds."""
    subject, _, pk = intent.subject.partition(":")
    if subject == "stay":
        from admission.models import Stay

        enc = flow.encounter_for_stay(Stay.objects.get(pk=pk))
    else:
        from settlement.models import OutpatientVisit

        enc = flow.encounter_for_visit(OutpatientVisit.objects.get(pk=pk))
    try:
        with locks.encounter_calls(enc.subject):
            flow.reconcile_unconfirmed_lines(actor, enc)
    except CenterError as error:
        intents.intent_unknown(intent.msgid, f"核实未成功：{error.message}")
        return
    intents.intent_done(intent.msgid, CenterIntent.Resolution.FOUND, "按 5204 查询结果确认")


def recover_due(*, actor: Any = None, limit: int = 50) -> dict[str, int]:
    """The recovery task: every intent whose call can no longer be under way is resolved (or retried
    later with backoff while the center cannot be reached)."""
    counts = {"checked": 0, "resolved": 0}
    for intent in intents.intents_due(limit):
        counts["checked"] += 1
        try:
            _resolve_intent(actor, intent)
        except CenterError:
            logger.warning("intent %s still unresolved", intent.msgid)
        intent.refresh_from_db()
        if intent.resolved:
            counts["resolved"] += 1
    return counts


def _resolve_intent(actor: Any, intent: CenterIntent) -> None:
    subject, _, pk = intent.subject.partition(":")
    if intent.infno == "2401" and subject == "stay":
        from admission import services as admission_services
        from admission.models import Stay

        admission_services.registration_resolve(actor=actor, stay=Stay.objects.get(pk=pk), msgid=intent.msgid)
        return
    if intent.infno == "2201" and subject == "visit":
        from settlement import outpatient
        from settlement.models import OutpatientVisit

        outpatient.visit_registration_resolve(
            actor=actor, visit=OutpatientVisit.objects.get(pk=pk), msgid=intent.msgid
        )
        return
    if intent.infno in ("2301", "2204"):
        lines_resolve(actor=actor, intent=intent)
        return
    if intent.infno == "2402" and subject == "stay":
        from settlement import uploads

        uploads.discharge_resolve(actor=actor, intent=intent)
        return
    if intent.infno == "4101" and subject == "settlement":
        from settlement import uploads

        uploads.settlement_list_upload(actor=actor, settlement_id=int(pk))
        return
    settlement = Settlement.objects.filter(msgid=intent.msgid).first()
    if settlement is not None and intent.infno in ("2304", "2207"):
        settlement_resolve(actor=actor, settlement=settlement)
        return
    reversing = Settlement.objects.filter(reversal_msgid=intent.msgid).first()
    if reversing is not None and intent.infno in ("2305", "2208"):
        reversal_resolve(actor=actor, settlement=reversing)
        return
    # An intent whose business row was never written (the transaction that held both rolled back).
    intents.intent_failed(intent.msgid, CenterIntent.Resolution.LOCAL_ERROR, "无对应业务记录")


def settlement_check_now(*, actor: Any, settlement: Settlement) -> Settlement:
    """立即核实 from the page: resolve this settlement's open intent now, once its call can no longer be
    under way (before that, a fence could cancel a settlement that is just being made)."""
    from django.utils import timezone

    from core.errors import ConflictError

    msgid = settlement.msgid if settlement.status == Settlement.Status.PENDING else settlement.reversal_msgid
    intent = intents.intent_for(msgid)
    if intent is not None and timezone.now() - intent.created_at < intents.in_flight_grace():
        raise ConflictError("该结算正在与医保中心通讯，请稍候再核实。", code="call_in_progress", rule="SET-9")
    if settlement.status == Settlement.Status.PENDING:
        return settlement_resolve(actor=actor, settlement=settlement)
    if settlement.status == Settlement.Status.REVERSING:
        return reversal_resolve(actor=actor, settlement=settlement)
    return settlement
