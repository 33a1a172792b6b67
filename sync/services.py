"""The office's and admin's actions on the sync (each kept in SyncAction): sync now, resend or cancel
a dead letter."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone

from center import transactions
from center.client import CenterError, CenterRejected
from core.errors import ConflictError, DomainError
from settlement import flow, locks, uploads
from sync import cycle, failures
from sync.models import SyncAction, SyncCycle, SyncFailure


def sync_now(*, actor: Any) -> str:
    """立即同步: queue a cycle on the workers (or tell that one is running)."""
    if SyncCycle.objects.filter(status=SyncCycle.Status.RUNNING).exists():
        raise ConflictError("同步正在进行，请稍候查看结果。", code="sync_running", rule="SYNC-1")
    from sync import tasks

    SyncAction.objects.create(actor=actor, action="立即同步", target="", note="")
    transaction.on_commit(lambda: tasks.sync_cycle.delay(actor_id=actor.pk, trigger=SyncCycle.Trigger.MANUAL))
    return "queued"


def failure_resend(*, actor: Any, failure: SyncFailure, note: str = "") -> SyncFailure:
    """Fix and resend: one attempt now, through the same upload code; refused again, it stays a dead
    letter with the center's new error."""
    if failure.status not in SyncFailure.OPEN:
        raise ConflictError("该记录已处理。", code="already_resolved", rule="SYNC-1")
    SyncAction.objects.create(
        actor=actor, action="死信重传", target=f"{failure.get_kind_display()} {failure.key}", note=note[:300]
    )
    SyncFailure.objects.filter(pk=failure.pk).update(next_attempt_at=timezone.now())
    try:
        _resend(actor, failure)
    except CenterRejected as error:
        return failures.failure_record(
            kind=failure.kind,
            key=failure.key,
            subject=failure.subject,
            error=error.message,
            policy=cycle.policy(),
        )
    except ObjectDoesNotExist as error:
        raise ConflictError("该记录对应的业务数据已不存在。", code="row_missing", rule="SYNC-1") from error
    failures.failures_resolved(
        failure.kind, [failure.key], note=f"医保办重传成功 {note}".strip()[:300], actor=actor
    )
    failure.refresh_from_db()
    return failure


def _resend(actor: Any, failure: SyncFailure) -> None:
    if failure.kind == SyncFailure.Kind.LINE:
        enc = flow.encounter_for_subject(failure.subject)
        with locks.encounter_calls(enc.subject):
            flow.lines_upload(actor=actor, enc=enc, only_sns=[failure.key], chunk_size=1)
    elif failure.kind == SyncFailure.Kind.DISCHARGE:
        uploads.discharge_upload(actor=actor, stay_id=int(failure.key.partition(":")[2]))
    else:
        uploads.settlement_list_upload(actor=actor, settlement_id=int(failure.key.partition(":")[2]))


def failure_cancel(*, actor: Any, failure: SyncFailure, reason: str) -> SyncFailure:
    """Cancel a refused fee line: if the center holds it after all (5204), it is withdrawn there (2302;
    an outpatient line's charge batch with 2205); the sync sends it no more. The line itself is
    corrected at the window (a refund counter-line), never edited here."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("撤销须填写原因。", code="reason_required", rule="SYNC-1")
    if failure.kind != SyncFailure.Kind.LINE or failure.status not in SyncFailure.OPEN:
        raise ConflictError("只有未处理的费用明细可以撤销。", code="not_cancellable", rule="SYNC-1")
    try:
        enc = flow.encounter_for_subject(failure.subject)
    except ObjectDoesNotExist as error:
        raise ConflictError("该记录对应的就诊已不存在。", code="row_missing", rule="SYNC-1") from error
    with locks.encounter_calls(enc.subject):
        client = flow.center()
        held = {
            row["feedetl_sn"]
            for row in transactions.query_fees(
                client,
                psn_no=enc.person.psn_no,
                mdtrt_id=enc.mdtrt_id,
                insuplc_admdvs=enc.insuplc_admdvs,
                actor=actor,
            )
        }
        if failure.key in held:
            try:
                if enc.inpatient:
                    transactions.cancel_fees(
                        client,
                        mdtrt_id=enc.mdtrt_id,
                        psn_no=enc.person.psn_no,
                        feedetl_sn=failure.key,
                        insuplc_admdvs=enc.insuplc_admdvs,
                        actor=actor,
                    )
                else:
                    transactions.cancel_outpatient_fees(
                        client,
                        mdtrt_id=enc.mdtrt_id,
                        chrg_bchno=flow.outpatient_batch(enc.visit),
                        psn_no=enc.person.psn_no,
                        insuplc_admdvs=enc.insuplc_admdvs,
                        actor=actor,
                    )
            except CenterError as error:
                raise DomainError(
                    f"医保中心未撤销该明细：{error.message}", code="center_refused", rule="SYNC-1"
                ) from error
    SyncFailure.objects.filter(pk=failure.pk).update(
        status=SyncFailure.Status.CANCELLED,
        next_attempt_at=None,
        resolution_note=reason[:300],
        updated_by=actor,
        updated_at=timezone.now(),
    )
    SyncAction.objects.create(actor=actor, action="死信撤销", target=f"明细 {failure.key}", note=reason[:300])
    failure.refresh_from_db()
    return failure
