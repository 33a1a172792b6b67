"""Audit fixtures: stays, orders, fee lines and card reads written straight to their tables (the rules read
tables, not services), on a small catalog (tests.admission.factories) plus sex/age-limited items."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from admission.models import MedicalRecord, Order, Stay, StayDiagnosis, WardRound
from audit.models import ExamResult, StockMovement
from drug_catalog.models import CatalogItem, CatalogVersion, HospitalItem
from fees.models import FeeLine
from insured.models import CardRead
from settlement.models import Settlement
from tests.admission.factories import make_catalog_items
from tests.factories import DepartmentFactory, PractitionerFactory, UserFactory, WardFactory
from tests.insured.factories import make_person, make_reader

TZ = ZoneInfo("Asia/Shanghai")
_serial = itertools.count(1)
START = datetime.date(2026, 3, 1)
END = datetime.date(2026, 3, 31)


def at(day: int, hour: int = 9, minute: int = 0, month: int = 3) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=TZ)


@dataclass
class World:
    department: object
    ward: object
    doctor: object
    items: dict
    person: object


def make_world() -> World:
    items = make_catalog_items()
    version = CatalogVersion.objects.get(code="ADM-T")
    extra = [
        ("H-PSA", "前列腺特异抗原测定", "250403010", {"sex_limit": "1"}),
        ("H-NURSE", "一级护理", "001201000010000", {}),
        ("H-KID", "小儿推拿", "450000001", {"age_max": 14}),
    ]
    for hcode, name, code, limits in extra:
        CatalogItem.objects.get_or_create(
            version=version,
            code=code,
            defaults={"name": name, "item_type": "service", "insurance_class": "A", **limits},
        )
        items[hcode] = HospitalItem.objects.get_or_create(
            medins_list_codg=hcode,
            defaults={
                "name": name,
                "price": Decimal("30"),
                "med_list_codg": code,
                "mapping_status": HospitalItem.MappingStatus.APPROVED,
                "mapped_from": datetime.date(2020, 1, 1),
            },
        )[0]
    department = DepartmentFactory(name="心血管内科")
    return World(
        department=department,
        ward=WardFactory(department=department),
        doctor=PractitionerFactory(department=department, name="李明"),
        items=items,
        person=make_person(name="王五"),
    )


def make_stay(
    w: World, *, person=None, admitted=None, discharged=None, status=None, diagnosis="I25.1"
) -> Stay:
    person = person or w.person
    record, _ = MedicalRecord.objects.get_or_create(
        person=person, defaults={"medrcdno": f"MR{person.pk:06d}"}
    )
    n = next(_serial)
    stay = Stay.objects.create(
        ipt_no=f"ZY{n:06d}",
        record=record,
        person=person,
        department=w.department,
        ward=w.ward,
        attending_doctor=w.doctor,
        admitted_at=admitted or at(2),
        discharged_at=discharged,
        status=status or ("discharged" if discharged else "admitted"),
    )
    if diagnosis:
        StayDiagnosis.objects.create(
            stay=stay, stage="admission", order=1, code=diagnosis, name="诊断", is_main=True,
            department=w.department, doctor=w.doctor, diagnosed_at=stay.admitted_at,
        )  # fmt: skip
    return stay


def make_order(
    w: World, stay: Stay, item: str, *, ordered_at=None, status="active", stopped_at=None
) -> Order:
    n = next(_serial)
    return Order.objects.create(
        stay=stay, drord_no=f"YZ{n:06d}", kind="long", hospital_item=w.items[item], content=item,
        doctor=w.doctor, department=w.department, ordered_at=ordered_at or stay.admitted_at, status=status,
        stopped_at=stopped_at,
    )  # fmt: skip


def charge(
    w: World, stay: Stay, item: str, when: datetime.datetime, *, qty="1", price=None, order=None,
    over_limit="0", self_pay_reason="", refund_of=None,
) -> FeeLine:  # fmt: skip
    hospital_item = w.items[item]
    price = Decimal(price if price is not None else hospital_item.price)
    qty = Decimal(qty)
    n = next(_serial)
    amount = (qty * price).quantize(Decimal("0.01"))
    # fees.FeeLine's split adds up to the amount: a self-paid line fully, else over-limit + in scope
    full = amount if self_pay_reason else Decimal("0.00")
    over = Decimal("0.00") if self_pay_reason else Decimal(over_limit)
    return FeeLine.objects.create(
        stay=stay, person_id=stay.person_id, feedetl_sn=f"FD{n:08d}",
        init_feedetl_sn=refund_of.feedetl_sn if refund_of else "",
        order=order or (refund_of.order if refund_of else make_order(w, stay, item)),
        hospital_item=hospital_item, name=hospital_item.name,
        med_list_codg=hospital_item.med_list_codg, item_type="service", quantity=qty, unit_price=price,
        amount=amount, full_self_pay_amount=full, over_limit_amount=over,
        in_scope_amount=amount - full - over,
        self_pay_reason=self_pay_reason, charged_at=when, charged_on=when.astimezone(TZ).date(),
        ordering_department=w.department, ordering_doctor=w.doctor, executing_department=w.department,
    )  # fmt: skip


def absent(stay: Stay, when: datetime.datetime, finding: str = "absent") -> WardRound:
    return WardRound.objects.create(stay=stay, inspected_at=when, finding=finding)


def card_read(person, when: datetime.datetime, operator=None) -> CardRead:
    read = CardRead.objects.create(
        person=person,
        credential=person.credentials.first(),
        reader=make_reader(),
        read_by=operator or UserFactory(username="clerk_audit"),
    )
    CardRead.objects.filter(pk=read.pk).update(read_at=when)  # read_at is auto_now_add
    read.refresh_from_db()
    return read


def settle(stay: Stay, fund_pay: str, when: datetime.datetime, total: str = "5000.00") -> Settlement:
    """A settled final settlement of a stay; the identities hold: total = in_scope, burden = total − fund,
    cash = burden."""
    total, fund = Decimal(total), Decimal(fund_pay)
    n = next(_serial)
    return Settlement.objects.create(
        kind="inpatient", status="settled", stay=stay, person=stay.person, med_type="21",
        covers_to=when.astimezone(TZ).date(), medins_setl_id=f"AUDSETL{n:08d}", total=total, in_scope=total,
        fund_pay=fund, fund_pay_total=fund, personal_burden=total - fund, cash_pay=total - fund,
        use_personal_account=False, settled_at=when,
    )  # fmt: skip


def stock_move(w: World, item: str, direction: str, qty: str, when: datetime.datetime) -> StockMovement:
    n = next(_serial)
    return StockMovement.objects.create(
        serial=f"KC{n:08d}", hospital_item=w.items[item], direction=direction, quantity=Decimal(qty),
        moved_at=when, moved_on=when.astimezone(TZ).date(), store="中心药房",
    )  # fmt: skip


def exam_result(line: FeeLine, positive: bool) -> ExamResult:
    return ExamResult.objects.create(
        feedetl_sn=line.feedetl_sn,
        positive=positive,
        reported_at=line.charged_at + datetime.timedelta(hours=2),
    )
