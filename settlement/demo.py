"""Demo settlements for `make run`, after the demo stays (admission.demo)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from settlement.models import Settlement


def load(log=print) -> None:
    """SET-10: the last discharged demo stay was paid in cash while the center was down; the clerk can
    re-settle it at the window."""
    from admission.models import Stay
    from settlement.services import stay_settle_self_pay

    if Settlement.objects.filter(mode=Settlement.Mode.SELF_PAY).exists():
        return
    stay = Stay.objects.filter(status=Stay.Status.DISCHARGED).order_by("-pk").first()
    clerk = get_user_model().objects.filter(username="clerk").first()
    if stay is None or clerk is None:
        return
    stay_settle_self_pay(
        actor=clerk, stay=stay, idempotency_key=f"demo-self-pay-{stay.pk}", reason="医保中心网络故障（演示）"
    )
    log(f"结算演示数据：住院 {stay.ipt_no} 按全自费结算（SET-10），可在窗口重新结算")
