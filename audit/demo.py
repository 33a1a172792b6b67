"""Demo violations for the audit engine, planted on the demo stays after admission's demo has run
(`make run` → seed_demo_stays). The demo already holds a ghost bed (ADM-5) and a split admission
(ADM-8); this adds duplicate and over-frequency charges (FEE-3), an out-of-scope item billed to the
fund (FEE-6: an unmapped item) and a burst of card reads (CARD-BURST). Rows go straight to their
tables, as an import from the HIS would put them; the office then starts a batch by hand
(审核批次 → 立即运行).
Idempotent: nothing is added when the marker order exists.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from admission.models import Order, Stay
from drug_catalog.models import HospitalItem
from fees.models import FeeLine
from insured.models import CardRead

MARKER = "AUDDEMO"


def _duplicate(stay: Stay, line: FeeLine, n: int, *, same_moment: bool) -> None:
    order = Order.objects.create(
        stay=stay,
        drord_no=f"{MARKER}{n:04d}",
        kind=Order.Kind.TEMPORARY,
        hospital_item=line.hospital_item,
        content=f"{line.hospital_item.name}（演示：重复医嘱）",
        doctor=line.ordering_doctor,
        department=line.ordering_department,
        ordered_at=line.charged_at - datetime.timedelta(minutes=1),
    )
    when = line.charged_at if same_moment else line.charged_at + datetime.timedelta(hours=6)
    FeeLine.objects.create(
        stay=stay,
        person_id=stay.person_id,
        feedetl_sn=f"{MARKER}{stay.pk:06d}{n:04d}",
        order=order,
        hospital_item=line.hospital_item,
        name=line.name,
        med_list_codg=line.med_list_codg,
        item_type=line.item_type,
        insurance_class=line.insurance_class,
        b_self_pay_ratio=line.b_self_pay_ratio,
        price_cap=line.price_cap,
        bureau_price=line.bureau_price,
        quantity=line.quantity,
        unit_price=line.unit_price,
        amount=line.amount,
        full_self_pay_amount=line.full_self_pay_amount,
        over_limit_amount=line.over_limit_amount,
        pre_self_pay_amount=line.pre_self_pay_amount,
        in_scope_amount=line.in_scope_amount,
        self_pay_reason=line.self_pay_reason,
        hosp_appr_flag=line.hosp_appr_flag,
        charged_at=when,
        charged_on=timezone.localtime(when).date(),
        ordering_department=line.ordering_department,
        ordering_doctor=line.ordering_doctor,
        executing_department=line.executing_department,
        entered_by=line.entered_by,
    )


def seed(log) -> None:
    if Order.objects.filter(drord_no__startswith=MARKER).exists():
        log("稽核演示疑点：已存在（未变化）")
        return
    stays = list(Stay.objects.filter(status__in=Stay.OPEN_STATUSES, charges__isnull=False).distinct()[:6])
    planted = 0
    for n, stay in enumerate(stays):
        bed = stay.charges.filter(hospital_item__name__startswith="床位费", quantity__gt=0).order_by(
            "charged_at"
        )
        line = bed.first() or stay.charges.filter(quantity__gt=0).order_by("charged_at").first()
        if line is None:
            continue
        # Even stays: the same bed charge twice at one moment (FEE-3); odd: twice a day (FEE-3 frequency).
        _duplicate(stay, line, n, same_moment=n % 2 == 0)
        planted += 1
    # FEE-6: an unmapped hospital item billed as if insured (no self-pay reason).
    check = HospitalItem.objects.filter(mapping_status="unmapped").order_by("pk").first()
    if check and stays:
        stay = stays[0]
        line = stay.charges.filter(quantity__gt=0).order_by("charged_at").first()
        order = Order.objects.create(
            stay=stay,
            drord_no=f"{MARKER}9001",
            kind=Order.Kind.TEMPORARY,
            hospital_item=check,
            content=check.name,
            doctor=stay.attending_doctor,
            department=stay.department,
            ordered_at=line.charged_at,
        )
        FeeLine.objects.create(
            stay=stay,
            person_id=stay.person_id,
            feedetl_sn=f"{MARKER}9001",
            order=order,
            hospital_item=check,
            name=check.name,
            med_list_codg="",
            item_type="service",
            quantity=Decimal(1),
            unit_price=check.price,
            amount=check.price.quantize(Decimal("0.01")),
            # planted: billed as if in scope (the audit's FEE-6 finds it); never sent to the center
            in_scope_amount=check.price.quantize(Decimal("0.01")),
            upload_status=FeeLine.UploadStatus.NOT_SENT,
            charged_at=line.charged_at,
            charged_on=line.charged_on,
            ordering_department=stay.department,
            ordering_doctor=stay.attending_doctor,
            executing_department=stay.department,
        )
        planted += 1
    # CARD-BURST: one person's card read five times within the hour.
    read = CardRead.objects.order_by("read_at").first()
    clerk = get_user_model().objects.filter(username="clerk").first()
    if read and clerk:
        base = timezone.now() - datetime.timedelta(days=1)
        for minutes in range(0, 50, 10):
            extra = CardRead.objects.create(
                person=read.person, credential=read.credential, reader=read.reader, read_by=clerk
            )
            CardRead.objects.filter(pk=extra.pk).update(read_at=base + datetime.timedelta(minutes=minutes))
        planted += 1
    log(f"稽核演示疑点：已植入 {planted} 处违规样例，可在“审核批次”立即运行后于“审核疑点”查看")
