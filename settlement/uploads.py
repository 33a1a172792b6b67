"""What the 20-minute sync sends besides fee lines (issue 20, SYNC-1): discharges (2402) and inpatient
settlement lists (4101), each as an intent before the call, under the encounter's call lock.

State lives in the intents: a 2402 or 4101 is at the center when its intent is done (or, for a 2402
sent by the window before issue 20, when the exchange log holds its accepted message). A discharge
whose reply was lost is checked with 5201 (inhosp_stas) before anything is sent again; a settlement
list is re-sent with the same msgid, which the center answers from its record of that message.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from center import intents, payloads, transactions
from center.client import CenterGarbled, CenterRejected, CenterTimeout, CenterUnavailable
from center.models import CenterExchange, CenterIntent
from settlement import flow, locks
from settlement.models import Settlement


def _done(infno: str, subject) -> Exists:
    return Exists(CenterIntent.objects.filter(infno=infno, subject=subject, status=CenterIntent.Status.DONE))


def discharges_pending() -> list[int]:
    """Stays discharged by the hospital, registered at the center, whose 2402 is not acknowledged."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Concat

    from admission.models import InsuranceRegistration, Stay

    registered = InsuranceRegistration.objects.filter(
        stay=OuterRef("pk"), status=InsuranceRegistration.Status.REGISTERED
    ).exclude(mdtrt_id="")
    sent_by_window = CenterExchange.objects.filter(
        infno="2402", status=CenterExchange.Status.OK, subject=OuterRef("ipt_subject")
    )
    rows = (
        Stay.objects.filter(status__in=[Stay.Status.DISCHARGED, Stay.Status.SETTLED])
        .annotate(
            ipt_subject=Concat(Value("ipt:"), "ipt_no", output_field=CharField()),
            stay_subject=Concat(Value("stay:"), "pk", output_field=CharField()),
        )
        .filter(Exists(registered))
        .exclude(Exists(sent_by_window))
        .exclude(_done("2402", OuterRef("stay_subject")))
        .order_by("discharged_at", "pk")
    )
    return list(rows.values_list("pk", flat=True))


def discharge_upload(*, actor: Any, stay_id: int) -> str:
    """2402 for one stay: first asks the center (5201) whether it already holds the discharge (a lost
    reply, or the window's call), so it is never sent twice. Returns "sent" or "found"."""
    from admission.models import Stay
    from admission.selectors import active_registration

    stay = Stay.objects.select_related("person", "department").get(pk=stay_id)
    subject = f"stay:{stay.pk}"
    with locks.encounter_calls(subject):
        registration = active_registration(stay)
        if registration is None or not registration.mdtrt_id:
            return "none"
        visits = transactions.query_visits(
            flow.center(),
            psn_no=stay.person.psn_no,
            insuplc_admdvs=registration.insuplc_admdvs,
            begntime="",
            endtime="",
            actor=actor,
        )
        held = next((v for v in visits if str(v.get("mdtrt_id")) == registration.mdtrt_id), None)
        with transaction.atomic(durable=True):
            intent = intents.intent_record(
                infno="2402",
                subject=subject,
                psn_no=stay.person.psn_no,
                insuplc_admdvs=registration.insuplc_admdvs,
                context={"mdtrt_id": registration.mdtrt_id},
            )
        if held is not None and str(held.get("inhosp_stas")) == "0":
            intents.intent_done(intent.msgid, CenterIntent.Resolution.FOUND, "5201：中心已办理出院")
            return "found"
        main = stay.diagnoses.filter(stage="discharge", is_main=True).first()
        dscginfo = payloads.discharge(
            mdtrt_id=registration.mdtrt_id,
            psn_no=stay.person.psn_no,
            insutype=registration.insutype,
            endtime=stay.discharged_at or timezone.now(),
            dscg_way=stay.discharge_way or "1",
            main_diagnosis=(main.code, main.name) if main else None,
            department=(stay.department.insurance_code, stay.department.name),
        )
        _send(
            intent.msgid,
            lambda: transactions.discharge(
                flow.center(),
                dscginfo=dscginfo,
                insuplc_admdvs=registration.insuplc_admdvs,
                actor=actor,
                subject=f"ipt:{stay.ipt_no}",
                msgid=intent.msgid,
            ),
        )
        return "sent"


def _send(msgid: str, call):
    try:
        result = call()
    except (CenterRejected, CenterUnavailable) as error:
        resolution = (
            CenterIntent.Resolution.REFUSED
            if isinstance(error, CenterRejected)
            else CenterIntent.Resolution.NOT_DELIVERED
        )
        intents.intent_failed(msgid, resolution, error.message)
        raise
    except (CenterTimeout, CenterGarbled) as error:
        intents.intent_unknown(msgid, error.message)
        raise
    return result


def settlement_lists_pending() -> list[int]:
    """Inpatient settlements made with the center whose 4101 list is not acknowledged."""
    rows = (
        Settlement.objects.filter(
            kind=Settlement.Kind.INPATIENT,
            mode=Settlement.Mode.CENTER,
            status__in=[Settlement.Status.SETTLED, Settlement.Status.REVERSED],
            reversal_of__isnull=True,
        )
        .exclude(setl_id="")
        .annotate(list_subject=_subject_expr())
        .exclude(_done("4101", OuterRef("list_subject")))
        .order_by("settled_at", "pk")
    )
    return list(rows.values_list("pk", flat=True))


def _subject_expr():
    from django.db.models import CharField, Value
    from django.db.models.functions import Concat

    return Concat(Value("settlement:"), "pk", output_field=CharField())


def _settlement_list(settlement: Settlement) -> dict:
    stay = settlement.stay
    funds = [(f.fund_pay_type, str(f.fund_payamt)) for f in settlement.funds.all()]
    diagnoses = [
        (d.code, d.name, d.is_main) for d in stay.diagnoses.filter(stage="discharge").order_by("order")
    ]
    return payloads.settlement_list(
        mdtrt_id=settlement.mdtrt_id,
        setl_id=settlement.setl_id,
        psn_no=settlement.person.psn_no,
        psn_name=settlement.person.name,
        insuplc_admdvs=settlement.insuplc_admdvs,
        hi_type=settlement.insutype,
        adm_time=stay.admitted_at,
        dscg_time=stay.discharged_at,
        department=(stay.department.insurance_code, stay.department.name),
        amounts={
            "medfee_sumamt": str(settlement.total),
            "fund_pay_sumamt": str(settlement.fund_pay_total),
            "acct_pay": str(settlement.personal_account_pay),
            "psn_cashpay": str(settlement.cash_pay),
            "psn_selfpay": str(settlement.full_self_pay),
            "psn_ownpay": str(settlement.over_limit_self_pay),
        },
        funds=funds,
        diagnoses=diagnoses,
        fixmedins=(settings.HOSPITAL["CODE"], settings.HOSPITAL["NAME"]),
        setl_period=(
            timezone.localtime(stay.admitted_at).date(),
            settlement.covers_to or timezone.localdate(),
        ),
    )


def settlement_list_upload(*, actor: Any, settlement_id: int) -> str:
    """4101 for one settlement. The center keeps one list per setl_id and answers a second upload of
    it with the same setl_list_id, so an earlier unanswered 4101 is settled by sending again (a new
    msgid; the earlier intent is closed with what the center answered). Returns setl_list_id."""
    settlement = Settlement.objects.select_related("stay__department", "person").get(pk=settlement_id)
    subject = f"settlement:{settlement.pk}"
    with locks.encounter_calls(f"stay:{settlement.stay_id}"):
        previous = CenterIntent.objects.filter(infno="4101", subject=subject)
        done = previous.filter(status=CenterIntent.Status.DONE).first()
        if done is not None:
            return str(done.context.get("setl_list_id") or "")
        unresolved = list(
            previous.filter(status__in=[CenterIntent.Status.OPEN, CenterIntent.Status.UNKNOWN]).values_list(
                "msgid", flat=True
            )
        )
        with transaction.atomic(durable=True):
            intent = intents.intent_record(
                infno="4101",
                subject=subject,
                psn_no=settlement.person.psn_no,
                insuplc_admdvs=settlement.insuplc_admdvs,
                context={"mdtrt_id": settlement.mdtrt_id, "setl_id": settlement.setl_id},
            )
        setl_list = _settlement_list(settlement)
        setl_list_id = _send(
            intent.msgid,
            lambda: transactions.upload_settlement_list(
                flow.center(),
                setl_list=setl_list,
                insuplc_admdvs=settlement.insuplc_admdvs,
                actor=actor,
                msgid=intent.msgid,
            ),
        )
        CenterIntent.objects.filter(pk=intent.pk).update(
            context={**intent.context, "setl_list_id": setl_list_id}
        )
        intents.intent_done(intent.msgid)
        for msgid in unresolved:
            intents.intent_done(msgid, CenterIntent.Resolution.FOUND, f"重传得中心清单号 {setl_list_id}")
        return setl_list_id


def discharge_resolve(*, actor: Any, intent: CenterIntent) -> None:
    """Recovery of a 2402 whose reply was lost: 5201 says whether the center discharged the visit; if
    not, the intent is closed and the next sync cycle sends the discharge again."""
    from admission.models import Stay

    stay = Stay.objects.select_related("person").get(pk=intent.subject.partition(":")[2])
    visits = transactions.query_visits(
        flow.center(),
        psn_no=stay.person.psn_no,
        insuplc_admdvs=intent.insuplc_admdvs,
        begntime="",
        endtime="",
        actor=actor,
    )
    mdtrt_id = intent.context.get("mdtrt_id")
    held = next((v for v in visits if str(v.get("mdtrt_id")) == mdtrt_id), None)
    if held is not None and str(held.get("inhosp_stas")) == "0":
        intents.intent_done(intent.msgid, CenterIntent.Resolution.FOUND, "5201：中心已办理出院")
    else:
        intents.intent_failed(
            intent.msgid, CenterIntent.Resolution.NOT_FOUND, "5201：中心未办理出院，下次同步重传"
        )
