"""One settle flow for stays and outpatient visits, and the reversal (SET-8, SET-9, SET-10; issue 16).

Every call that changes the center's books goes the same way:
  1. one transaction locks the encounter (settlement.locks), checks that nothing else is under way,
     and records the business row (pending settlement, reversing settlement, lines marked sent) with
     the intent (center.intents) whose msgid the call will carry; it commits before the call;
  2. the call, outside any transaction;
  3. the answer is recorded in one transaction; a refusal or a message that never reached the center
     closes the row as failed; an unknown outcome (timeout, unreadable reply, a crash in step 3, the
     process killed) leaves it open, and settlement.recovery asks the center what it holds (5203/5204)
     and records exactly that, fencing a message the center never processed with 2601.
Never a second call for an encounter while one is unresolved; never a cash fallback while a fund
settlement may exist.
"""

from __future__ import annotations

import datetime
import json
import logging
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from center import intents, transactions
from center.client import (
    CenterClient,
    CenterError,
    CenterGarbled,
    CenterRejected,
    CenterTimeout,
    CenterUnavailable,
    next_msgid,
)
from center.models import CenterIntent
from core.errors import ConflictError, DomainError
from fees import services as fee_services
from fees.models import FULL_SELF_PAY, FeeLine
from settlement import locks, rules, selectors
from settlement.models import AccumulatorEntry, SelfPayRefund, Settlement, SettlementFund

logger = logging.getLogger(__name__)

AMOUNT_FIELDS = rules.SettlementResult.MONEY_FIELDS
CENTER_FIELD_NAMES = {
    "total": "medfee_sumamt",
    "full_self_pay": "fulamt_ownpay_amt",
    "over_limit_self_pay": "overlmt_selfpay",
    "pre_self_pay": "preselfpay_amt",
    "in_scope": "inscp_scp_amt",
    "deductible_paid": "act_pay_dedc",
    "fund_pay": "hifp_pay",
    "fund_pay_total": "fund_pay_sumamt",
    "hospital_share": "hosp_part_amt",
    "personal_burden": "psn_part_amt",
    "personal_account_pay": "acct_pay",
    "cash_pay": "psn_cash_pay",
}
LAYER_FIELDS = ("hifob_pay", "hifmi_pay", "cvlserv_pay", "maf_pay")
UPLOAD_CHUNK = 100  # lines per 2301/2204 message at most
MAX_INPUT_CHARS = 40_000  # the interface's input is bounded at 40,000 characters: fewer lines when long
NO_LOCAL_POLICY = "本地无该参保地/人员类别政策，以中心结算结果为准"
UNCONFIRMED = "结算结果待确认（正在与医保中心核实）"


def center() -> CenterClient:
    return CenterClient.from_settings()


class SettlementUnconfirmed(DomainError):
    """The center may or may not hold it: nothing may be retried, and no cash taken, until resolved."""

    status_code = 409
    default_code = "settlement_unconfirmed"


# --- what is settled: a stay or an outpatient visit ------------------------------------------------


@dataclass
class Encounter:
    kind: str
    stay: Any
    visit: Any
    person: Any
    insutype: str
    mdtrt_id: str
    insuplc_admdvs: str
    med_type: str
    cert_type: str
    cert_no: str

    @property
    def inpatient(self) -> bool:
        return self.kind == Settlement.Kind.INPATIENT

    @property
    def subject(self) -> str:
        return f"stay:{self.stay.pk}" if self.inpatient else f"visit:{self.visit.pk}"

    @property
    def label(self) -> str:
        return f"住院 {self.stay.ipt_no}" if self.inpatient else f"门诊 {self.visit.visit_no}"

    @property
    def infno_settle(self) -> str:
        return "2304" if self.inpatient else "2207"

    @property
    def infno_cancel(self) -> str:
        return "2305" if self.inpatient else "2208"

    def settlements(self):
        if self.inpatient:
            return Settlement.objects.filter(stay_id=self.stay.pk)
        return Settlement.objects.filter(visit_id=self.visit.pk)

    def lock(self):
        return locks.lock_encounter(stay_id=self.stay.pk if self.stay else None, visit_id=self._visit_pk())

    def _visit_pk(self):
        return self.visit.pk if self.visit is not None else None


def encounter_for_stay(stay) -> Encounter:
    from admission.selectors import active_registration

    registration = active_registration(stay)
    credential = None
    if registration is not None:
        credential = stay.person.credentials.filter(mdtrt_cert_type=registration.mdtrt_cert_type).first()
    return Encounter(
        kind=Settlement.Kind.INPATIENT,
        stay=stay,
        visit=None,
        person=stay.person,
        insutype=registration.insutype if registration else "",
        mdtrt_id=registration.mdtrt_id if registration else "",
        insuplc_admdvs=registration.insuplc_admdvs if registration else stay.person.insuplc_admdvs,
        med_type=stay.med_type,
        cert_type=registration.mdtrt_cert_type if registration else "",
        cert_no=(credential.number if credential else registration.mdtrt_cert_no) if registration else "",
    )


def encounter_for_visit(visit) -> Encounter:
    return Encounter(
        kind=Settlement.Kind.OUTPATIENT,
        stay=None,
        visit=visit,
        person=visit.person,
        insutype=visit.insutype,
        mdtrt_id=visit.mdtrt_id,
        insuplc_admdvs=visit.person.insuplc_admdvs,
        med_type=visit.med_type,
        cert_type=visit.mdtrt_cert_type,
        cert_no=visit.mdtrt_cert_no,
    )


def encounter_of(settlement: Settlement) -> Encounter:
    return (
        encounter_for_stay(settlement.stay) if settlement.stay_id else encounter_for_visit(settlement.visit)
    )


def settle_cutoff(enc: Encounter, mid: bool) -> datetime.date:
    """A mid-stay settlement covers the days before today; a final one, everything to the discharge day."""
    today = timezone.localdate()
    if mid:
        return today - datetime.timedelta(days=1)
    if enc.inpatient and enc.stay.discharged_at:
        return max(timezone.localtime(enc.stay.discharged_at).date(), today)
    return today if enc.inpatient else enc.visit.visit_date


def settled_to(enc: Encounter) -> datetime.date | None:
    """The last day an active mid-stay settlement of the stay covers."""
    if not enc.inpatient:
        return None
    return (
        enc.settlements()
        .filter(is_final=False, status__in=Settlement.ACTIVE)
        .order_by("-covers_to")
        .values_list("covers_to", flat=True)
        .first()
    )


# --- fee lines: the window's uploads go through here, in chunks, each chunk an intent ---------------


def _lines(enc: Encounter, up_to: datetime.date | None = None):
    """The encounter's fee lines (fees.FeeLine); a stay's up to a day, a visit's all of them."""
    if enc.inpatient:
        rows = FeeLine.objects.filter(stay_id=enc.stay.pk)
        if up_to is not None:
            rows = rows.filter(charged_on__lte=up_to)
        return rows
    return FeeLine.objects.filter(visit_id=enc.visit.pk)


def pending_lines(enc: Encounter | None = None, up_to: datetime.date | None = None) -> list:
    """THE selection of fee lines still to send (issue 20: the window's settle path and the 20-minute
    sync both read it): not the center's yet, and not kept out of the upload (unmapped, FEE-1). With
    `enc`, that encounter's lines (one queryset); without, [inpatient, outpatient] hospital-wide."""
    rows = FeeLine.objects.filter(
        upload_status__in=(FeeLine.UploadStatus.PENDING, FeeLine.UploadStatus.REJECTED)
    )
    if enc is None:
        return [rows.filter(stay__isnull=False), rows.filter(visit__isnull=False)]
    if enc.inpatient:
        rows = rows.filter(stay_id=enc.stay.pk)
        return [rows.filter(charged_on__lte=up_to) if up_to is not None else rows]
    return [rows.filter(visit_id=enc.visit.pk)]


def _not_uploaded(enc: Encounter, up_to: datetime.date | None = None):
    return pending_lines(enc, up_to)[0]


def encounters_with_pending_lines() -> list[str]:
    """Subjects (stay:1, visit:2) with lines not yet acknowledged, registered at the center; the sync
    cycle's work list, oldest line first."""
    inpatient, outpatient = registered_pending_lines()
    stays = inpatient.order_by().values_list("stay_id", flat=True).distinct()
    visits = outpatient.order_by().values_list("visit_id", flat=True).distinct()
    return [f"stay:{pk}" for pk in sorted(stays)] + [f"visit:{pk}" for pk in sorted(visits)]


def registered_pending_lines() -> list:
    """pending_lines() of encounters registered at the center (a self-pay stay's lines never go)."""
    inpatient, outpatient = pending_lines()
    return [
        inpatient.filter(stay__registrations__status="registered", stay__registrations__mdtrt_id__gt=""),
        outpatient.exclude(visit__mdtrt_id=""),
    ]


def encounter_for_subject(subject: str) -> Encounter:
    kind, _, pk = subject.partition(":")
    if kind == "stay":
        from admission.models import Stay

        return encounter_for_stay(Stay.objects.select_related("person").get(pk=pk))
    from settlement.models import OutpatientVisit

    return encounter_for_visit(OutpatientVisit.objects.select_related("person").get(pk=pk))


def _mark_uploaded(enc: Encounter, rows) -> None:
    rows.update(upload_status=FeeLine.UploadStatus.UPLOADED, upload_message="")


def unsettled_lines(enc: Encounter, up_to: datetime.date):
    """The lines a settlement cut off at `up_to` covers: those no active mid-stay settlement paid."""
    rows = _lines(enc, up_to)
    last = settled_to(enc)
    return rows.filter(charged_on__gt=last) if last is not None else rows


def unsettled_total(enc: Encounter, up_to: datetime.date, *, sent_only: bool = True) -> Decimal:
    """What a settlement cut off at `up_to` declares (medfee_sumamt), refund lines negative. The center
    holds only the lines it was sent: an unmapped item (never sent, FEE-1) is the patient's, outside the
    declared total (`sent_only=False`: everything, for a settlement the patient pays himself)."""
    rows = unsettled_lines(enc, up_to)
    if sent_only:
        rows = rows.exclude(upload_status=FeeLine.UploadStatus.NOT_SENT)
    return rules.money(rows.aggregate(total=Sum("amount"))["total"] or 0)


def link_lines(enc: Encounter, settlement: Settlement) -> int:
    """The settlement that paid each line (fees.FeeLine.settlement): the encounter's lines up to its
    cut-off no other active settlement holds; a resettlement takes over its original's lines."""
    if settlement.resettlement_of_id:
        return FeeLine.objects.filter(settlement_id=settlement.resettlement_of_id).update(
            settlement=settlement
        )
    return _lines(enc, settlement.covers_to).filter(settlement__isnull=True).update(settlement=settlement)


def engine_lines(rows) -> list[rules.FeeLine]:
    """The one adapter from stored fee lines to the engine's lines: the terms stored on each line at
    entry (class, SET-2 share for this person, payment standard), never today's catalog. Refunds are
    netted against their originals; a line the patient pays fully (after the notice, unmapped, class C,
    FEE-6, no approval, RX-7, consented) goes in as not payable; the engine splits the rest."""
    rows = list(rows)
    refunded: dict[str, Decimal] = {}
    for line in rows:
        if line.init_feedetl_sn:
            refunded[line.init_feedetl_sn] = refunded.get(line.init_feedetl_sn, Decimal(0)) + line.quantity
    lines = []
    for line in rows:
        if line.init_feedetl_sn:
            continue
        net = line.quantity + refunded.get(line.feedetl_sn, Decimal(0))  # refunds are negative
        if net <= 0:
            continue
        if line.self_pay_reason in FULL_SELF_PAY or not line.insurance_class:
            lines.append(
                rules.FeeLine(
                    rules.InsuranceClass.C, quantity=net, unit_price=line.unit_price, not_payable=True
                )
            )
            continue
        lines.append(
            rules.FeeLine(
                rules.InsuranceClass(line.insurance_class),
                quantity=net,
                unit_price=line.unit_price,
                b_self_pay_ratio=line.b_self_pay_ratio,
                price_cap=line.price_cap,
            )
        )
    return lines


def _feedetail(enc: Encounter, line) -> dict[str, Any]:
    """One 2301/2204 row: the national code only (an unmapped line is never sent), the hospital's
    self-pay decision as hosp_appr_flag (CENTER-INTERFACE part 2 §P2.1)."""
    from center.payloads import fee_line

    return fee_line(
        feedetl_sn=line.feedetl_sn,
        init_feedetl_sn=line.init_feedetl_sn or None,
        mdtrt_id=enc.mdtrt_id,
        drord_no=line.order.drord_no if line.order_id else "",
        psn_no=enc.person.psn_no,
        med_type=enc.med_type,
        charged_at=line.charged_at,
        med_list_codg=line.med_list_codg,
        medins_list_codg=line.hospital_item.medins_list_codg,
        amount=line.amount,
        quantity=line.quantity,
        unit_price=line.unit_price,
        ordering_department=(line.ordering_department.insurance_code, line.ordering_department.name),
        ordering_doctor=(line.ordering_doctor.insurance_code, line.ordering_doctor.name),
        executing_department=line.executing_department.insurance_code,
        hosp_appr_flag=line.hosp_appr_flag or "0",
        tcmdrug_used_way=line.tcmdrug_used_way,
        external_lab=line.external_lab,
        discharge_medication=line.discharge_medication,
        chrg_bchno="" if enc.inpatient else outpatient_batch(enc.visit),
    )


def outpatient_batch(visit) -> str:
    return f"B{visit.visit_no}"


def lines_upload(
    *,
    actor: Any,
    enc: Encounter,
    up_to: datetime.date | None = None,
    only_sns: list[str] | None = None,
    chunk_size: int | None = None,
) -> int:
    """2301/2204: the encounter's lines not yet at the center, in chunks of UPLOAD_CHUNK (or
    `chunk_size`; `only_sns` restricts to those serials: the sync splits a refused chunk with it). Lines
    whose earlier upload has an unknown outcome are first checked against what the center holds (5204),
    so the center never receives a feedetl_sn twice. Returns the number of lines sent."""
    if not enc.mdtrt_id:
        return 0
    if not locks.holds_encounter_calls(enc.subject):
        with locks.encounter_calls(enc.subject):
            return lines_upload(actor=actor, enc=enc, up_to=up_to, only_sns=only_sns, chunk_size=chunk_size)
    reconcile_unconfirmed_lines(actor, enc)
    related = ("hospital_item", "order", "ordering_department", "ordering_doctor", "executing_department")
    rows = _not_uploaded(enc, up_to).filter(upload_msgid="")
    if only_sns is not None:
        rows = rows.filter(feedetl_sn__in=only_sns)
    pending = list(rows.select_related(*related).order_by("id"))
    infno = "2301" if enc.inpatient else "2204"
    size = max(1, min(chunk_size or UPLOAD_CHUNK, UPLOAD_CHUNK))
    for chunk, feedetail in _pieces(enc, pending, size):
        ids = [line.pk for line in chunk]
        with transaction.atomic(durable=True):
            intent = intents.intent_record(
                infno=infno,
                subject=enc.subject,
                psn_no=enc.person.psn_no,
                insuplc_admdvs=enc.insuplc_admdvs,
                context={"mdtrt_id": enc.mdtrt_id, "feedetl_sn": [line.feedetl_sn for line in chunk]},
            )
            FeeLine.objects.filter(pk__in=ids).update(upload_msgid=intent.msgid)
        upload = transactions.upload_fees if enc.inpatient else transactions.upload_outpatient_fees
        try:
            answer = upload(
                center(),
                feedetail=feedetail,
                insuplc_admdvs=enc.insuplc_admdvs,
                actor=actor,
                msgid=intent.msgid,
            )
        except (CenterRejected, CenterUnavailable) as error:
            # Refused or never delivered: the center holds none of the chunk; the lines may go again.
            FeeLine.objects.filter(pk__in=ids).update(upload_msgid="")
            resolution = (
                CenterIntent.Resolution.REFUSED
                if isinstance(error, CenterRejected)
                else CenterIntent.Resolution.NOT_DELIVERED
            )
            intents.intent_failed(intent.msgid, resolution, error.message)
            error.feedetl_sns = [line.feedetl_sn for line in chunk]  # the message refused (sync splits it)
            raise
        except (CenterTimeout, CenterGarbled) as error:
            intents.intent_unknown(intent.msgid, error.message)
            raise
        _mark_uploaded(enc, FeeLine.objects.filter(pk__in=ids))
        fee_services.center_answer_record(answer or [], ids)  # the center's per-line split, kept
        intents.intent_done(intent.msgid)
    return len(pending)


def _pieces(enc: Encounter, lines: list, size: int):
    """Consecutive messages of at most `size` lines whose input stays within MAX_INPUT_CHARS (a long
    line — many characters in names — makes a message of fewer lines)."""
    chunk, feedetail, used = [], [], len('{"feedetail": []}')
    for line in lines:
        detail = _feedetail(enc, line)
        cost = len(json.dumps(detail, ensure_ascii=False, default=str)) + 2
        if chunk and (len(chunk) == size or used + cost > MAX_INPUT_CHARS):
            yield chunk, feedetail
            chunk, feedetail, used = [], [], len('{"feedetail": []}')
        chunk.append(line)
        feedetail.append(detail)
        used += cost
    if chunk:
        yield chunk, feedetail


def reconcile_unconfirmed_lines(actor: Any, enc: Encounter) -> None:
    """Lines sent whose answer never came: the center's 5204 says which it holds."""
    unconfirmed = _not_uploaded(enc).exclude(upload_msgid="")
    msgids = set(unconfirmed.values_list("upload_msgid", flat=True))
    if not msgids:
        return
    rows = transactions.query_fees(
        center(),
        psn_no=enc.person.psn_no,
        mdtrt_id=enc.mdtrt_id,
        insuplc_admdvs=enc.insuplc_admdvs,
        actor=actor,
    )
    held = {row["feedetl_sn"] for row in rows}
    confirmed = list(unconfirmed.filter(feedetl_sn__in=held).values_list("pk", flat=True))
    _mark_uploaded(enc, FeeLine.objects.filter(pk__in=confirmed))
    # The reply that carried the center's per-line answer was lost: 5204 repeats it (issue 17).
    fee_services.center_answer_record(rows, confirmed)
    _not_uploaded(enc).exclude(upload_msgid="").update(upload_msgid="")
    for msgid in msgids:
        intents.intent_done(msgid, CenterIntent.Resolution.FOUND, "按 5204 查询结果确认中心持有的明细")


# --- the hospital's own calculation: an explanation and a cross-check, never a blocker ---------------


def local_facts(enc: Encounter, *, use_personal_account: bool, covers_to: datetime.date):
    """(facts, None) or (None, why): no local policy for the person's region or type does not stop a
    settlement; the center's answer is authoritative then."""
    try:
        if enc.inpatient:
            facts = selectors.stay_settlement_facts(
                enc.stay, use_personal_account=use_personal_account, on_date=covers_to
            )
        else:
            facts = selectors.visit_settlement_facts(enc.visit, use_personal_account=use_personal_account)
    except DomainError as error:
        return None, f"{NO_LOCAL_POLICY}（{error.message}）"
    return facts, None


def compare(local: rules.SettlementResult, setlinfo: dict[str, Any]) -> list[dict[str, str]]:
    """Fields where the hospital's calculation differs from the center's by more than 0.01."""
    differences = []
    for field, center_name in CENTER_FIELD_NAMES.items():
        theirs = setlinfo.get(center_name)
        if theirs is None:
            continue
        ours = getattr(local, field)
        if abs(Decimal(theirs) - ours) > Decimal("0.01"):
            differences.append(
                {"field": field, "center_field": center_name, "local": str(ours), "center": str(theirs)}
            )
    # Each further fund layer the center answers (issue 18): 大额, 大病, 公务员补助, 医疗救助.
    for center_name in LAYER_FIELDS:
        theirs = setlinfo.get(center_name)
        if theirs is None:
            continue
        ours = local.center_fields.get(center_name, rules.ZERO)
        if abs(Decimal(str(theirs)) - ours) > Decimal("0.01"):
            differences.append(
                {"field": center_name, "center_field": center_name, "local": str(ours), "center": str(theirs)}
            )
    return differences


def settlement_data(enc: Encounter, *, total: Decimal, use_personal_account: bool, mid: bool) -> dict:
    data = transactions.settlement_data(
        psn_no=enc.person.psn_no,
        mdtrt_id=enc.mdtrt_id,
        insutype=enc.insutype,
        medfee_sumamt=total,
        cert_type=enc.cert_type,
        cert_no=enc.cert_no,
        acct_used=use_personal_account,
        mid_setl=mid,
    )
    if not enc.inpatient:
        data["chrg_bchno"] = outpatient_batch(enc.visit)
        data["med_type"] = enc.med_type
    return data


# --- settle -------------------------------------------------------------------------------------------


def checked_key(idempotency_key: str) -> str:
    key = (idempotency_key or "").strip()
    if not key:
        raise DomainError("结算请求须带 Idempotency-Key。", code="idempotency_key_required")
    if len(key) > Settlement.IDEMPOTENCY_KEY_MAX:
        raise DomainError(
            f"Idempotency-Key 不能超过 {Settlement.IDEMPOTENCY_KEY_MAX} 个字符（现为 {len(key)}）。",
            code="idempotency_key_too_long",
        )
    return key


def settle(
    *,
    actor: Any,
    enc: Encounter,
    idempotency_key: str,
    use_personal_account: bool = True,
    mid: bool = False,
    resettlement_of: Settlement | None = None,
) -> Settlement:
    """Settle the encounter through the center. The same key always gives the same outcome."""
    key = checked_key(idempotency_key)
    with locks.encounter_calls(enc.subject):
        return _settle(actor, enc, key, use_personal_account, mid, resettlement_of)


def _settle(actor, enc: Encounter, key: str, use_personal_account: bool, mid: bool, resettlement_of):
    existing = Settlement.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return replay(existing, enc)
    if not enc.mdtrt_id:
        raise DomainError(
            f"{enc.label} 未在医保中心登记，不能联网结算。",
            code="not_registered",
            rule="ADM-1",
            status_code=409,
        )
    covers_to = resettlement_of.covers_to if resettlement_of else settle_cutoff(enc, mid)
    refuse_while_in_flight(enc)
    lines_upload(actor=actor, enc=enc, up_to=covers_to)
    facts, note = local_facts(enc, use_personal_account=use_personal_account, covers_to=covers_to)
    total = unsettled_total(enc, covers_to)
    pending, created = _open_pending(
        actor, enc, key, use_personal_account, mid, covers_to, resettlement_of, note
    )
    if not created:
        return replay(pending, enc)
    data = settlement_data(enc, total=total, use_personal_account=use_personal_account, mid=mid)
    return _call_settle(actor, enc, pending, data, facts)


def refuse_while_in_flight(enc: Encounter) -> None:
    busy = enc.settlements().filter(status__in=Settlement.IN_FLIGHT).first()
    if busy is not None:
        raise ConflictError(
            f"{enc.label} 有一笔“{busy.get_status_display()}”的结算（{busy.medins_setl_id}），{UNCONFIRMED}。"
            "完成前不能再次结算、撤销或全自费结算；系统每分钟自动核实，也可点击“立即核实”。",
            code="settlement_in_progress",
            rule="SET-9",
            errors={"settlement": [str(busy.pk)]},
        )


def _open_pending(actor, enc, key, use_personal_account, mid, covers_to, resettlement_of, note):
    """Step 1: lock, check, record the pending settlement and its intent; concurrent callers wait on
    the lock and then find it (same key) or are refused (another key)."""
    try:
        with transaction.atomic(durable=True):
            enc.lock()
            same_key = Settlement.objects.filter(idempotency_key=key).first()
            if same_key is not None:
                return same_key, False
            refuse_while_in_flight(enc)
            _check_settleable(enc, mid, covers_to, resettlement_of)
            if resettlement_of is not None:
                original = locks.lock_settlement(resettlement_of.pk)
                _transition(original, Settlement.Status.RESETTLING, actor)
            intent = intents.intent_record(
                infno=enc.infno_settle,
                subject=enc.subject,
                psn_no=enc.person.psn_no,
                insuplc_admdvs=enc.insuplc_admdvs,
                context={"mdtrt_id": enc.mdtrt_id},
            )
            pending = Settlement.objects.create(
                kind=enc.kind,
                stay=enc.stay,
                visit=enc.visit,
                person=enc.person,
                insutype=enc.insutype,
                med_type=enc.med_type,
                is_final=not mid,
                covers_to=covers_to,
                idempotency_key=key,
                medins_setl_id=intent.msgid,
                msgid=intent.msgid,
                insuplc_admdvs=enc.insuplc_admdvs,
                mdtrt_id=enc.mdtrt_id,
                resettlement_of=resettlement_of,
                use_personal_account=use_personal_account,
                local_calculation={"note": note} if note else {},
                created_by=actor,
                updated_by=actor,
            )
            CenterIntent.objects.filter(pk=intent.pk).update(subject=f"settlement:{pending.pk}")
            return pending, True
    except IntegrityError as error:
        same_key = Settlement.objects.filter(idempotency_key=key).first()
        if same_key is not None:
            return same_key, False
        raise ConflictError(
            f"{enc.label} 正在结算或已结算。", code="already_settled", rule="SET-9"
        ) from error


def _check_settleable(enc: Encounter, mid: bool, covers_to: datetime.date, resettlement_of) -> None:
    active = enc.settlements().filter(status__in=Settlement.ACTIVE)
    if enc.inpatient:
        from admission.models import Stay

        stay = Stay.objects.get(pk=enc.stay.pk)
        final = active.filter(is_final=True).exclude(pk=getattr(resettlement_of, "pk", None)).first()
        if final is not None:
            raise ConflictError(
                f"住院 {stay.ipt_no} 已结算（{final.medins_setl_id}），不能重复结算；"
                "如需更正请先撤销（SET-9）。",
                code="already_settled",
                rule="SET-9",
            )
        if resettlement_of is None and not mid and stay.status != Stay.Status.DISCHARGED:
            raise ConflictError(
                f"住院 {stay.ipt_no} 当前“{stay.get_status_display()}”，须出院后结算（中途结算除外）。",
                code="stay_not_discharged",
                rule="ADM-10",
            )
        if mid and stay.status not in Stay.OPEN_STATUSES:
            raise ConflictError("中途结算只适用于在院患者。", code="stay_not_open")
        if mid and not unsettled_lines(enc, covers_to).exists():
            raise ConflictError(
                f"{covers_to:%Y-%m-%d} 及以前没有未结算的费用，无需中途结算。",
                code="nothing_to_settle",
                rule="SET-8",
            )
        return
    from settlement.models import OutpatientVisit

    visit = OutpatientVisit.objects.get(pk=enc.visit.pk)
    if active.exists() or visit.status == OutpatientVisit.Status.SETTLED:
        raise ConflictError(
            f"门诊 {visit.visit_no} 已结算，不能重复结算（SET-9）。", code="already_settled", rule="SET-9"
        )
    if visit.status != OutpatientVisit.Status.OPEN:
        raise ConflictError("该就诊已撤销。", code="visit_closed")


def _call_settle(actor, enc: Encounter, pending: Settlement, data: dict, facts) -> Settlement:
    """Steps 2 and 3."""
    call = transactions.settle if enc.inpatient else transactions.settle_outpatient
    try:
        reply = call(center(), data=data, insuplc_admdvs=enc.insuplc_admdvs, actor=actor, msgid=pending.msgid)
    except CenterRejected as error:
        close_failed(actor, pending, error, CenterIntent.Resolution.REFUSED)
        raise
    except CenterUnavailable as error:
        close_failed(actor, pending, error, CenterIntent.Resolution.NOT_DELIVERED)
        raise
    except (CenterTimeout, CenterGarbled) as error:
        intents.intent_unknown(pending.msgid, error.message)
        from settlement import recovery

        return recovery.settlement_resolve(actor=actor, settlement=pending, raise_unresolved=True)
    return record_settled(actor, pending.pk, reply, facts=facts)


def record_settled(actor, settlement_pk: int, reply: dict, *, facts=None, resolution=None) -> Settlement:
    """Step 3, also used by recovery: the center's answer, payers, accumulators, statuses. A crash here
    leaves the intent open; recovery then records the same answer from 5203."""
    try:
        with transaction.atomic(durable=True):
            first = Settlement.objects.select_related("stay", "visit").get(pk=settlement_pk)
            enc = encounter_of(first)
            enc.lock()
            settlement = locks.lock_settlement(settlement_pk)
            if settlement.status != Settlement.Status.PENDING:
                return settlement  # recorded already (by the window or by recovery)
            if facts is None and not settlement.local_calculation.get("note"):
                facts, note = local_facts(
                    enc, use_personal_account=settlement.use_personal_account, covers_to=settlement.covers_to
                )
                if note:
                    settlement.local_calculation = {"note": note}
            record_center_answer(
                actor=actor,
                settlement=settlement,
                reply=reply,
                facts=facts,
                insutype=enc.insutype,
                mdtrt_id=enc.mdtrt_id,
                insuplc_admdvs=enc.insuplc_admdvs,
            )
            _after_settled(actor, enc, settlement)
            link_lines(enc, settlement)
            intents.intent_done(settlement.msgid, resolution or CenterIntent.Resolution.ANSWERED)
            return settlement
    except Exception as error:  # the center has settled; our books did not follow: recovery will
        logger.exception("recording settlement %s failed", settlement_pk)
        intents.intent_unknown(Settlement.objects.get(pk=settlement_pk).msgid, f"本院记录失败：{error}")
        raise SettlementUnconfirmed(
            f"医保中心已应答，本院记录未完成：{UNCONFIRMED}。请勿收取现金或重复结算。",
            rule="SET-9",
            errors={"settlement": [str(settlement_pk)]},
        ) from error


def _after_settled(actor, enc: Encounter, settlement: Settlement) -> None:
    if settlement.is_final and enc.inpatient and not settlement.resettlement_of_id:
        from admission import services as admission_services

        admission_services.stay_mark_settled(actor=actor, stay_id=enc.stay.pk)
    if not enc.inpatient:
        visit_transition(enc.visit.pk, "settled")
    if settlement.resettlement_of_id:
        original = locks.lock_settlement(settlement.resettlement_of_id)
        _transition(original, Settlement.Status.RESETTLED, actor)
        SelfPayRefund.objects.create(
            original=original,
            resettlement=settlement,
            amount=max(original.cash_pay - settlement.cash_pay, rules.ZERO),
            receipt_no=f"TK{timezone.localtime():%Y%m%d%H%M%S}{settlement.pk:06d}",
            created_by=actor,
            updated_by=actor,
        )


def visit_transition(visit_pk: int, to: str) -> None:
    from settlement.models import OutpatientVisit

    visit = OutpatientVisit.objects.select_for_update().get(pk=visit_pk)
    if to not in OutpatientVisit.ALLOWED_TRANSITIONS[OutpatientVisit.Status(visit.status)]:
        raise ConflictError(
            f"门诊 {visit.visit_no} 当前“{visit.get_status_display()}”，"
            f"不能变更为“{OutpatientVisit.Status(to).label}”。",
            code="invalid_transition",
        )
    visit.status = to
    visit.save(update_fields=["status", "updated_at"])


def _transition(settlement: Settlement, to: str, actor) -> None:
    if to not in Settlement.ALLOWED_TRANSITIONS[Settlement.Status(settlement.status)]:
        raise ConflictError(
            f"结算 {settlement.medins_setl_id} 当前“{settlement.get_status_display()}”，"
            f"不能变更为“{Settlement.Status(to).label}”。",
            code="invalid_transition",
            rule="SET-9",
        )
    settlement.status = to
    settlement.updated_by = actor
    settlement.save(update_fields=["status", "updated_by", "updated_at"])


def close_failed(actor, pending: Settlement, error: CenterError, resolution: str) -> None:
    """The center holds nothing of this settlement: close it, and give a resettled original back."""
    with transaction.atomic(durable=True):
        settlement = locks.lock_settlement(pending.pk)
        if settlement.status != Settlement.Status.PENDING:
            return
        settlement.failure = {"code": error.code, "message": error.message, "rule": error.rule or "SET-10"}
        settlement.reason = f"{error.code}: {error.message}"[:300]
        settlement.save(update_fields=["failure", "reason", "updated_at"])
        _transition(settlement, Settlement.Status.FAILED, actor)
        if settlement.resettlement_of_id:
            _transition(
                locks.lock_settlement(settlement.resettlement_of_id), Settlement.Status.SETTLED, actor
            )
        intents.intent_failed(settlement.msgid, resolution, error.message)


def wait_while_in_flight(settlement: Settlement, status: str) -> Settlement:
    """A second request for a settlement whose call is under way (not yet past its grace) waits for the
    first one's answer, so both tell the clerk the same truth."""
    deadline = time.monotonic() + intents.in_flight_grace().total_seconds()
    settlement.refresh_from_db()
    msgid = settlement.msgid if status == Settlement.Status.PENDING else settlement.reversal_msgid
    while settlement.status == status and time.monotonic() < deadline:
        intent = intents.intent_for(msgid)
        if intent is None or intent.status != CenterIntent.Status.OPEN:
            break  # answered, or its outcome is known to be unknown: no use waiting
        time.sleep(0.1)
        settlement.refresh_from_db()
    return settlement


def replay(existing: Settlement, enc: Encounter) -> Settlement:
    """The same key again: the same outcome — the settlement, its recorded failure, or 'unconfirmed'."""
    same_subject = (existing.stay_id == enc.stay.pk) if enc.inpatient else (existing.visit_id == enc.visit.pk)
    if not same_subject:
        raise ConflictError("该 Idempotency-Key 已用于另一笔结算。", code="idempotency_key_reused")
    existing = wait_while_in_flight(existing, Settlement.Status.PENDING)
    if existing.status == Settlement.Status.PENDING:
        raise SettlementUnconfirmed(
            f"{enc.label} 的结算 {existing.medins_setl_id}：{UNCONFIRMED}。请勿收取现金或重复结算。",
            rule="SET-9",
            errors={"settlement": [str(existing.pk)]},
        )
    if existing.status == Settlement.Status.FAILED:
        failure = existing.failure or {}
        raise DomainError(
            failure.get("message") or existing.reason or "本次结算未成功。",
            code=failure.get("code") or "settlement_failed",
            rule=failure.get("rule") or "SET-10",
            status_code=409,
        )
    return existing


# --- recording the center's answer --------------------------------------------------------------------


def record_center_answer(
    *, actor, settlement: Settlement, reply: dict, facts, insutype: str, mdtrt_id: str, insuplc_admdvs: str
) -> Settlement:
    """Inside the caller's transaction, the settlement row locked: the center's amounts, identifiers and
    payer rows, the comparison with the hospital's calculation, the accumulators."""
    setlinfo = reply["setlinfo"]
    _apply_center_amounts(settlement, setlinfo)
    settlement.status = Settlement.Status.SETTLED
    settlement.insutype = insutype or settlement.insutype
    settlement.mdtrt_id = mdtrt_id
    settlement.insuplc_admdvs = insuplc_admdvs
    settlement.setl_id = str(setlinfo.get("setl_id") or "")
    settlement.clr_type = str(setlinfo.get("clr_type") or "")
    settlement.clr_way = str(setlinfo.get("clr_way") or "")
    settlement.clr_optins = str(setlinfo.get("clr_optins") or "")
    settlement.center_answer = {k: str(v) if isinstance(v, Decimal) else v for k, v in setlinfo.items()}
    if facts is not None:
        settlement.local_calculation = selectors.result_as_json(facts.result, facts.policy)
        settlement.mismatch = compare(facts.result, setlinfo)
        settlement.needs_review = bool(settlement.mismatch)
    else:  # no local policy: the center is authoritative; the office sees it listed
        settlement.local_calculation = settlement.local_calculation or {"note": NO_LOCAL_POLICY}
        settlement.mismatch = []
        settlement.needs_review = True
    settlement.settled_at = timezone.now()
    settlement.updated_by = actor
    settlement.save()
    write_funds(settlement, reply.get("setldetail") or [])
    if facts is not None:
        _apply_accumulators(settlement, facts)
    if settlement.account_balance_after is not None and settlement.insutype:
        from insured import services as insured_services

        insured_services.enrollment_balance_from_center(
            person_id=settlement.person_id,
            insutype=settlement.insutype,
            balance=settlement.account_balance_after,
        )
    return settlement


def _apply_center_amounts(settlement: Settlement, setlinfo: dict[str, Any]) -> None:
    for field, center_name in CENTER_FIELD_NAMES.items():
        value = setlinfo.get(center_name)
        setattr(settlement, field, rules.money(Decimal(value)) if value is not None else rules.ZERO)
    # SET-8 identity: the center may leave psn_part_amt out (5203 names it psn_pay); derive it.
    if setlinfo.get("psn_part_amt") is None:
        settlement.personal_burden = settlement.total - settlement.fund_pay_total - settlement.hospital_share
    ratio = setlinfo.get("pool_prop_selfpay")
    settlement.fund_ratio = Decimal(str(ratio)) if ratio is not None else Decimal("0")
    balance = setlinfo.get("balc")
    settlement.account_balance_after = (
        rules.money(Decimal(str(balance))) if balance not in (None, "") else None
    )


def write_funds(settlement: Settlement, setldetail: list[dict]) -> None:
    """Payers by fund type as the center names them (setldetail); a center that sends no detail gets
    rows derived from its amounts, named from the fund-type code table."""
    from settlement.selectors import fund_type_name

    rows = [
        SettlementFund(
            settlement=settlement,
            fund_pay_type=str(d.get("fund_pay_type")),
            fund_pay_type_name=str(
                d.get("fund_pay_type_name") or fund_type_name(str(d.get("fund_pay_type")))
            ),
            fund_payamt=rules.money(Decimal(d.get("fund_payamt") or 0)),
            inscp_scp_amt=rules.money(Decimal(d.get("inscp_scp_amt") or 0)),
        )
        for d in setldetail
    ]
    if not rows:
        insutype = settlement.insutype
        for code, amount in (
            (f"{insutype}100", settlement.fund_pay),
            (f"{insutype}200", settlement.personal_account_pay),
        ):
            if amount:
                rows.append(
                    SettlementFund(
                        settlement=settlement,
                        fund_pay_type=code,
                        fund_pay_type_name=fund_type_name(code),
                        fund_payamt=amount,
                    )
                )
    SettlementFund.objects.bulk_create(rows)


def _apply_accumulators(settlement: Settlement, facts) -> None:
    """The center's answer moves the hospital's counter for the policy's care-type counter and year
    (locked last, one entry per settlement): the basic fund's payment, the deductible when the policy
    counts it per year, and each further layer's payment (the center's setldetail row for its code)
    and deductible. The reversal takes back exactly the entry."""
    accumulator = locks.lock_accumulator(
        person_id=settlement.person_id,
        insutype=settlement.insutype or facts.insutype,
        period_start=facts.period_start,
        care_type=facts.counter or "inpatient",
    )
    deductible = abs(settlement.deductible_paid) if facts.counts_year_deductible else rules.ZERO
    fund = abs(settlement.fund_pay)
    paid_by_code = {f.fund_pay_type: f.fund_payamt for f in settlement.funds.all()}
    layer_deltas = {}
    for layer in facts.policy.layers:
        paid = paid_by_code.get(layer.code, facts.result.fund_layers.get(layer.code, rules.ZERO))
        layer_deductible = facts.result.layer_deductibles.get(layer.code, rules.ZERO)
        if paid or layer_deductible:
            layer_deltas[layer.code] = {"paid": str(paid), "deductible": str(layer_deductible)}
    accumulator.deductible_used = max(accumulator.deductible_used + deductible, rules.ZERO)
    accumulator.fund_paid = max(accumulator.fund_paid + fund, rules.ZERO)
    accumulator.layers = _add_layers(accumulator.layers, layer_deltas, 1)
    accumulator.save()
    AccumulatorEntry.objects.create(
        accumulator=accumulator,
        settlement=settlement,
        deductible_delta=deductible,
        fund_delta=fund,
        layer_deltas=layer_deltas,
    )


def _add_layers(current: dict, deltas: dict, sign: int) -> dict:
    totals = {code: dict(values) for code, values in (current or {}).items()}
    for code, delta in (deltas or {}).items():
        row = totals.setdefault(code, {"paid": "0", "deductible": "0"})
        for key in ("paid", "deductible"):
            value = Decimal(row.get(key, "0")) + sign * Decimal(delta.get(key, "0"))
            row[key] = str(max(value, rules.ZERO))
    return totals


# --- reverse (SET-9) ------------------------------------------------------------------------------------


def reverse(*, actor: Any, settlement: Settlement, reason: str) -> Settlement:
    """SET-9: the whole settlement is cancelled at the center (2305/2208) and recorded as a counter-entry
    carrying the center's own answer; one reversal at a time, latest settlement first."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("撤销结算须填写原因。", code="reason_required", rule="SET-9")
    with locks.encounter_calls(encounter_of(settlement).subject):
        return _reverse(actor, settlement, reason)


def _reverse(actor: Any, settlement: Settlement, reason: str) -> Settlement:
    settlement = wait_while_in_flight(settlement, Settlement.Status.REVERSING)
    if settlement.status == Settlement.Status.REVERSED:
        return settlement.reversed_by  # the same request again: the same outcome
    enc = encounter_of(settlement)
    if settlement.mode == Settlement.Mode.SELF_PAY:
        return _record_reversal(actor, settlement.pk, reason, cancel=None)
    with transaction.atomic(durable=True):
        enc.lock()
        locked = locks.lock_settlement(settlement.pk)
        if locked.status == Settlement.Status.REVERSING:
            raise _reversal_elsewhere(locked)
        if locked.status == Settlement.Status.REVERSED:
            return locked.reversed_by  # another clerk's identical reversal got there first
        if locked.status != Settlement.Status.SETTLED or locked.reversal_of_id:
            raise ConflictError(
                f"结算 {locked.medins_setl_id} 当前“{locked.get_status_display()}”，"
                "只有已结算的记录可以撤销。",
                code="not_reversible",
                rule="SET-9",
            )
        later = (
            enc.settlements()
            .filter(status__in=Settlement.ACTIVE, created_at__gt=locked.created_at)
            .exclude(pk=locked.pk)
            .first()
        )
        if later is not None:
            raise ConflictError(
                f"请先撤销之后的结算 {later.medins_setl_id}（撤销须按结算的倒序进行）。",
                code="reverse_latest_first",
                rule="SET-9",
            )
        intent = intents.intent_record(
            infno=enc.infno_cancel,
            subject=f"settlement:{locked.pk}",
            psn_no=enc.person.psn_no,
            insuplc_admdvs=locked.insuplc_admdvs,
            context={"mdtrt_id": locked.mdtrt_id, "setl_id": locked.setl_id, "reason": reason},
        )
        locked.reversal_msgid = intent.msgid
        locked.save(update_fields=["reversal_msgid", "updated_at"])
        _transition(locked, Settlement.Status.REVERSING, actor)
    call = transactions.cancel_settlement if enc.inpatient else transactions.cancel_outpatient_settlement
    try:
        answer = call(
            center(),
            mdtrt_id=locked.mdtrt_id,
            setl_id=locked.setl_id,
            psn_no=enc.person.psn_no,
            insuplc_admdvs=locked.insuplc_admdvs,
            actor=actor,
            msgid=intent.msgid,
        )
    except (CenterRejected, CenterUnavailable) as error:
        reversal_abandon(actor, locked.pk, error.message)
        if isinstance(error, CenterRejected):
            raise DomainError(
                f"医保中心拒绝撤销结算：{error.message}", code="center_refused_reversal", rule="SET-9"
            ) from error
        raise
    except (CenterTimeout, CenterGarbled) as error:
        intents.intent_unknown(intent.msgid, error.message)
        from settlement import recovery

        return recovery.reversal_resolve(actor=actor, settlement=locked, raise_unresolved=True)
    return _record_reversal(actor, locked.pk, reason, cancel=answer)


def _reversal_elsewhere(locked: Settlement) -> DomainError:
    """Another clerk's reversal of the same settlement got there first: tell what it became."""
    if locked.status == Settlement.Status.REVERSED:
        return ConflictError(
            f"结算 {locked.medins_setl_id} 已由他人撤销。", code="already_reversed", rule="SET-9"
        )
    return SettlementUnconfirmed(
        f"结算 {locked.medins_setl_id} 正在撤销，结果待确认（正在与医保中心核实）。",
        rule="SET-9",
        errors={"settlement": [str(locked.pk)]},
    )


def reversal_abandon(actor, settlement_pk: int, message: str, resolution: str = "") -> None:
    """The center did not cancel: the settlement stands."""
    with transaction.atomic(durable=True):
        locked = locks.lock_settlement(settlement_pk)
        if locked.status == Settlement.Status.REVERSING:
            _transition(locked, Settlement.Status.SETTLED, actor)
        intents.intent_failed(locked.reversal_msgid, resolution or CenterIntent.Resolution.REFUSED, message)


def record_reversal(
    actor, settlement_pk: int, reason: str, cancel: dict | None, resolution=None
) -> Settlement:
    return _record_reversal(actor, settlement_pk, reason, cancel, resolution)


def _record_reversal(
    actor, settlement_pk: int, reason: str, cancel: dict | None, resolution=None
) -> Settlement:
    """The counter-entry: the center's cancellation (its setl_id and negative amounts) when there is one,
    the original's amounts negated otherwise (self-pay); accumulators restored exactly; the encounter
    reopens."""
    with transaction.atomic(durable=True):
        first = Settlement.objects.get(pk=settlement_pk)
        enc = encounter_of(first)
        enc.lock()
        original = locks.lock_settlement(settlement_pk)
        if original.status == Settlement.Status.REVERSED:
            return original.reversed_by
        if original.status not in (Settlement.Status.SETTLED, Settlement.Status.REVERSING):
            raise ConflictError("只有已结算的记录可以撤销。", code="not_reversible", rule="SET-9")
        amounts = {field: -getattr(original, field) for field in AMOUNT_FIELDS}
        setlinfo = (cancel or {}).get("setlinfo") or {}
        for field, center_name in CENTER_FIELD_NAMES.items():
            if setlinfo.get(center_name) is not None:
                amounts[field] = rules.money(Decimal(setlinfo[center_name]))
        if setlinfo.get("psn_part_amt") is None:
            amounts["personal_burden"] = (
                amounts["total"] - amounts["fund_pay_total"] - amounts["hospital_share"]
            )
            amounts["cash_pay"] = amounts["personal_burden"] - amounts["personal_account_pay"]
        counter = Settlement.objects.create(
            kind=original.kind,
            mode=original.mode,
            status=Settlement.Status.REVERSAL,
            stay=original.stay,
            visit=original.visit,
            person=original.person,
            insutype=original.insutype,
            med_type=original.med_type,
            is_final=original.is_final,
            covers_to=original.covers_to,
            reversal_of=original,
            setl_id=str(setlinfo.get("setl_id") or ""),
            mdtrt_id=original.mdtrt_id,
            msgid=original.reversal_msgid,
            medins_setl_id=original.reversal_msgid or next_msgid(),
            insuplc_admdvs=original.insuplc_admdvs,
            fund_ratio=original.fund_ratio,
            center_answer={k: str(v) if isinstance(v, Decimal) else v for k, v in setlinfo.items()},
            account_balance_after=(
                rules.money(Decimal(str(setlinfo["balc"])))
                if setlinfo.get("balc") not in (None, "")
                else None
            ),
            reason=reason[:300],
            settled_at=timezone.now(),
            created_by=actor,
            updated_by=actor,
            **amounts,
        )
        details = (cancel or {}).get("setldetail")
        if details:
            write_funds(counter, details)
        else:
            SettlementFund.objects.bulk_create(
                SettlementFund(
                    settlement=counter,
                    fund_pay_type=f.fund_pay_type,
                    fund_pay_type_name=f.fund_pay_type_name,
                    fund_payamt=-f.fund_payamt,
                    inscp_scp_amt=-f.inscp_scp_amt,
                )
                for f in original.funds.all()
            )
        for entry in original.accumulator_entries.all():
            accumulator = locks.lock_accumulator_row(entry.accumulator_id)
            accumulator.deductible_used = max(
                accumulator.deductible_used - entry.deductible_delta, rules.ZERO
            )
            accumulator.fund_paid = max(accumulator.fund_paid - entry.fund_delta, rules.ZERO)
            accumulator.layers = _add_layers(accumulator.layers, entry.layer_deltas, -1)
            accumulator.save()
            AccumulatorEntry.objects.create(
                accumulator=accumulator,
                settlement=counter,
                deductible_delta=-entry.deductible_delta,
                fund_delta=-entry.fund_delta,
                layer_deltas={
                    code: {key: str(-Decimal(value)) for key, value in delta.items()}
                    for code, delta in (entry.layer_deltas or {}).items()
                },
            )
        original.reason = reason[:300]
        original.save(update_fields=["reason", "updated_at"])
        _transition(original, Settlement.Status.REVERSED, actor)
        FeeLine.objects.filter(settlement=original).update(settlement=None)  # SET-9: payable again
        if counter.account_balance_after is not None and original.insutype:
            from insured import services as insured_services

            insured_services.enrollment_balance_from_center(
                person_id=original.person_id,
                insutype=original.insutype,
                balance=counter.account_balance_after,
            )
        if original.is_final and enc.inpatient:
            from admission import services as admission_services

            admission_services.stay_reopen_for_settlement(actor=actor, stay_id=enc.stay.pk)
        if not enc.inpatient:
            visit_transition(enc.visit.pk, "open")
        if original.reversal_msgid:
            intents.intent_done(original.reversal_msgid, resolution or CenterIntent.Resolution.ANSWERED)
        return counter


def reversal_reason(settlement: Settlement) -> str:
    intent = intents.intent_for(settlement.reversal_msgid)
    return (intent.context.get("reason") if intent else "") or "撤销结算"
