"""Demo settlements for `make run`, after the demo stays (admission.demo)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from settlement.models import Settlement


def load(log=print) -> None:
    """The after-notice demo stay settled through the center (issue 17); SET-10: the last discharged
    demo stay was paid in cash while the center was down; the clerk can re-settle it at the window."""
    from admission.models import Stay
    from settlement.services import stay_settle_self_pay

    if Settlement.objects.filter(mode=Settlement.Mode.SELF_PAY).exists():
        return
    after_notice_settle(log)
    stay = Stay.objects.filter(status=Stay.Status.DISCHARGED).order_by("-pk").first()
    clerk = get_user_model().objects.filter(username="clerk").first()
    if stay is None or clerk is None:
        return
    stay_settle_self_pay(
        actor=clerk, stay=stay, idempotency_key=f"demo-self-pay-{stay.pk}", reason="医保中心网络故障（演示）"
    )
    log(f"结算演示数据：住院 {stay.ipt_no} 按全自费结算（SET-10），可在窗口重新结算")


def after_notice_settle(log=print) -> Settlement | None:
    """ADM-10 (issue 17): the demo stay whose patient stayed on after the discharge notice, settled
    through the center: its after-notice lines went to 2301 with hosp_appr_flag 2, and the center's
    per-line split (kept on each line) equals the hospital's."""
    from admission.models import Stay
    from center.client import CenterError
    from core.errors import DomainError
    from settlement.services import stay_settle

    stay = (
        Stay.objects.filter(status=Stay.Status.DISCHARGED, charges__self_pay_reason="after_notice")
        .distinct()
        .order_by("pk")
        .first()
    )
    clerk = get_user_model().objects.filter(username="clerk").first()
    if stay is None or clerk is None:
        return None
    try:
        settlement = stay_settle(actor=clerk, stay=stay, idempotency_key=f"demo-after-notice-{stay.pk}")
    except (CenterError, DomainError) as error:
        log(f"结算演示数据：住院 {stay.ipt_no}（出院通知后费用）未能结算：{error.message}")
        return None
    log(
        f"结算演示数据：住院 {stay.ipt_no} 出院通知后费用按自费上传（hosp_appr_flag 2），"
        f"已联网结算 {settlement.medins_setl_id}，基金支付 {settlement.fund_pay}"
    )
    return settlement
