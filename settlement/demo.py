"""Demo settlements for `make run`, after the demo stays (admission.demo)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from settlement.models import Settlement


def load(log=print) -> None:
    """The after-notice demo stay settled through the center (issue 17); SET-10: the last discharged
    demo stay was paid in cash while the center was down; the clerk can re-settle it at the window.
    Then the policy demo (issue 18)."""
    from admission.models import Stay
    from settlement.services import stay_settle_self_pay

    if not Settlement.objects.filter(mode=Settlement.Mode.SELF_PAY).exists():
        after_notice_settle(log)
        stay = Stay.objects.filter(status=Stay.Status.DISCHARGED).order_by("-pk").first()
        clerk = get_user_model().objects.filter(username="clerk").first()
        if stay is not None and clerk is not None:
            stay_settle_self_pay(
                actor=clerk,
                stay=stay,
                idempotency_key=f"demo-self-pay-{stay.pk}",
                reason="医保中心网络故障（演示）",
            )
            log(f"结算演示数据：住院 {stay.ipt_no} 按全自费结算（SET-10），可在窗口重新结算")
    load_policy_demo(log)


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


def load_policy_demo(log=print) -> dict:
    """Issue 18: a discharged stay, ready to settle at the window, for each person type whose policy
    differs — a 310 retiree with 大额 (330), a 390 child (under 18 on the discharge day), a 340 离休
    patient — and a 390 adult named for an outpatient visit the clerk registers at the window. Each is
    the first such demo person of the insured region 610100 (by psn_no); one who already has a stay
    is left as it is, so running it again changes nothing."""
    from django.utils import timezone

    from admission.demo import Seeder
    from admission.models import Stay
    from insured.models import InsuredPerson

    if not Stay.objects.exists():
        return {}  # the demo stays (and their wards, staff, items) come first
    today = timezone.localdate()
    local = (
        InsuredPerson.objects.filter(insuplc_admdvs="610100", enrollments__status="active")
        .exclude(sanctions__isnull=False)
        .exclude(enrollments__direct_settlement_allowed=False)
        .distinct()
        .order_by("psn_no")
    )

    def first(predicate, *, usable=lambda person: True):
        for person in local:
            enrollment = (
                person.enrollments.filter(status="active", is_basic=True)
                .select_related("insutype", "psn_type")
                .first()
            )
            if enrollment is None or not usable(person):
                continue
            if predicate(person, enrollment.insutype.code, enrollment.psn_type.code):
                return person
        return None

    def no_open_stay(person):
        """No stay, or a discharged/settled one to settle (an in-hospital person is passed over)."""
        return not person.stays.exclude(status__in=[Stay.Status.DISCHARGED, Stay.Status.SETTLED]).exists()

    wanted = [
        (
            "310 退休（有大额）",
            "W303",
            lambda p, insutype, psn_type: (
                insutype == "310"
                and psn_type == "21"
                and p.enrollments.filter(status="active", insutype__code="330").exists()
            ),
        ),
        ("390 少儿", "W701", lambda p, insutype, _: insutype == "390" and p.age_on(today) < 17),
        ("340 离休", "W301", lambda p, insutype, _: insutype == "340"),
    ]
    seeder = Seeder(log)
    chosen = {}
    for label, ward, predicate in wanted:
        person = first(predicate, usable=no_open_stay)
        if person is None:
            log(f"结算政策演示：没有合适的{label}参保人")
            continue
        existing = person.stays.order_by("-pk").first()
        if existing is not None:
            log(f"结算政策演示：{label} {person.name}（{person.psn_no}）住院 {existing.ipt_no}（已有）")
            chosen[label] = existing
            continue
        seeder.people = iter([person])
        stay = seeder.admit(ward, 3)
        seeder.charge_days(stay, 3, ward)
        seeder.custody(stay)
        stay.refresh_from_db()
        seeder.discharge(stay)
        chosen[label] = stay
        log(f"结算政策演示：{label} {person.name}（{person.psn_no}）住院 {stay.ipt_no} 已出院，可在窗口结算")
    adult = first(lambda p, insutype, _: insutype == "390" and 18 <= p.age_on(today) < 60)
    if adult is not None:
        chosen["390 成年"] = adult
        log(f"结算政策演示：390 成年 {adult.name}（{adult.psn_no}）可在门诊窗口读卡登记、收费并结算")
    return chosen
