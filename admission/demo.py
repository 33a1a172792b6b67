"""Demo stays: a few dozen in every status, with orders and several days of charges, and one of each
problem the rules catch (ADM-2 custody, ADM-3 overdue and running formalities, ADM-4 trauma, ADM-5
ghost bed and no bed, ADM-6 absence, ADM-8 split admission, ADM-10 discharge blocked, SET-10 a stay
paid in cash while the center was down).

Runs through the real services, after the simulated center has started (`make run` order), so the
insured stays are registered at the center (2401) and can be settled from the window. Idempotent:
nothing is added when demo stays already exist.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from admission import charges, selectors, services
from admission.models import Order, Stay, WardRound
from core.errors import DomainError
from drug_catalog.models import HospitalItem
from hospital.models import Bed, Practitioner, Ward
from insured.demo import KNOWN
from insured.models import CardRead, CardReader, Credential, InsuredPerson

# ward code, diagnoses (main first), daily orders: (hospital item name fragment, quantity per day)
PROFILES = {
    "W301": (
        ["I25.1", "I10"],
        [("床位费", 1), ("阿司匹林肠溶片", 1), ("阿托伐他汀钙片", 1), ("硫酸氢氯吡格雷片", 1)],
    ),
    "W302": (["E11.9", "I10"], [("床位费", 1), ("盐酸二甲双胍缓释片", 2), ("甘精胰岛素注射液", 1)]),
    "W303": (["J18.9"], [("床位费", 1), ("头孢呋辛酯片", 2), ("血常规", 1)]),
    "W401": (["K35.8"], [("床位费", 1), ("一次性使用无菌注射器", 2), ("头孢呋辛酯片", 2)]),
    "W403": (["S72.0"], [("床位费", 1), ("X线计算机体层", 1), ("对乙酰氨基酚片", 2)]),
    "W701": (["J18.9"], [("床位费", 1), ("小儿氨酚黄那敏颗粒", 2), ("血常规", 1)]),
}
# (ward, days in hospital, status) — the ordinary stays; the problem cases are added below.
ORDINARY = [
    ("W301", 6, "admitted"),
    ("W301", 3, "admitted"),
    ("W301", 9, "admitted"),
    ("W302", 5, "admitted"),
    ("W302", 2, "admitted"),
    ("W303", 4, "admitted"),
    ("W303", 7, "admitted"),
    ("W303", 1, "admitted"),
    ("W401", 3, "admitted"),
    ("W401", 5, "admitted"),
    ("W403", 8, "admitted"),
    ("W403", 2, "admitted"),
    ("W701", 3, "admitted"),
    ("W701", 4, "admitted"),
    ("W302", 6, "discharge_ordered"),
    ("W303", 5, "discharge_ordered"),
    ("W301", 7, "discharged"),
    ("W303", 6, "discharged"),
    ("W401", 4, "discharged"),
    ("W701", 5, "discharged"),
]


class Seeder:
    def __init__(self, log):
        self.log = log
        self.now = timezone.now()
        user_model = get_user_model()
        self.clerk = user_model.objects.get(username="clerk")
        self.office = user_model.objects.get(username="office")
        self.reader = CardReader.objects.filter(kind="card").first() or CardReader.objects.first()
        known = {entry[0] for entry in KNOWN}  # the card-read demo people stay free for the window
        self.people = (
            p
            for p in InsuredPerson.objects.filter(
                enrollments__status="active", enrollments__is_basic=True, insuplc_admdvs__startswith="6101"
            )
            .exclude(psn_no__in=known)
            .exclude(sanctions__isnull=False)
            .distinct()
            .order_by("psn_no")
        )
        self.items = {item.name: item for item in HospitalItem.objects.filter(mapping_status="approved")}
        self.warnings = 0

    def item(self, fragment: str) -> HospitalItem | None:
        return next((item for name, item in self.items.items() if fragment in name), None)

    def read(self, person: InsuredPerson) -> CardRead:
        credential = person.credentials.filter(mdtrt_cert_type=Credential.Type.SOCIAL_SECURITY_CARD).first()
        return CardRead.objects.create(
            person=person,
            credential=credential,
            reader=self.reader,
            read_by=self.clerk,
            confirmed_at=self.now,
            confirmed_by=self.clerk,
        )

    def free_bed(self, ward: Ward) -> Bed | None:
        return selectors.free_beds(ward).first()

    def admit(
        self, ward_code: str, days: int, *, kind="normal", read=True, bed=True, diagnoses=None, trauma=None
    ):
        ward = Ward.objects.select_related("department").get(code=ward_code)
        person = next(self.people)
        doctor = Practitioner.objects.filter(department=ward.department, kind="doctor").first()
        admitted_at = self.now - datetime.timedelta(days=days, hours=3)
        result = services.stay_admit(
            actor=self.clerk,
            person=person,
            department=ward.department,
            ward=ward,
            bed=self.free_bed(ward) if bed else None,
            attending_doctor=doctor,
            diagnoses=[services.DiagnosisInput(c) for c in (diagnoses or PROFILES[ward_code][0])],
            kind=kind,
            med_type="22" if kind == "trauma" else ("24" if kind == "emergency" else "21"),
            admitted_at=admitted_at,
            card_read=self.read(person) if read else None,
            trauma=trauma,
        )
        self.warnings += sum(1 for w in result.warnings if "2401" in w["message"])
        return result.stay

    def charge_days(self, stay: Stay, days: int, ward_code: str) -> None:
        """Orders on the first day, then each day's charges (bed, drugs, tests) with the patient's
        signature on the daily list for every day but the last."""
        orders = []
        for fragment, per_day in PROFILES[ward_code][1]:
            item = self.item(fragment)
            if item is None:
                continue
            order = charges.order_create(
                actor=self.clerk,
                stay=stay,
                hospital_item=item,
                doctor=stay.attending_doctor,
                kind=Order.Kind.LONG_TERM,
                quantity=Decimal(per_day),
                frequency="qd",
                ordered_at=stay.admitted_at + datetime.timedelta(minutes=30),
            )
            orders.append((order, per_day))
        if not orders:
            return
        approved = {o.hospital_item.pk for o, _ in orders if o.hospital_item.name.startswith("甘精胰岛素")}
        for consented in {o.hospital_item for o, _ in orders if o.hospital_item.name.startswith("床位费")}:
            charges.consent_record(
                actor=self.clerk,
                stay=stay,
                hospital_item=consented,
                reason="床位费超医保支付标准部分自付",
                signer=stay.person.name,
            )
        for day in range(days + 1):
            at = stay.admitted_at + datetime.timedelta(days=day, hours=2)
            if at > self.now:
                break
            lines = [
                # RX-5: the restricted insulin was approved by the hospital (hosp_appr_flag 1).
                charges.ChargeInput(
                    order=o,
                    quantity=Decimal(q),
                    charged_at=at,
                    hosp_appr_flag="1" if o.hospital_item.pk in approved else "",
                )
                for o, q in orders
            ]
            try:
                charges.charges_post(actor=self.clerk, stay=stay, lines=lines)
            except DomainError as error:
                self.log(f"演示费用未录入（{stay.ipt_no}）：{error.message}")
                return
            if day < days:
                charges.daily_list_acknowledge(
                    actor=self.clerk, stay=stay, day=timezone.localtime(at).date(), signer=stay.person.name
                )

    def discharge(self, stay: Stay, days_ago: int = 0) -> None:
        at = self.now - datetime.timedelta(days=days_ago, hours=1)
        services.discharge_order(actor=self.clerk, stay=stay, ordered_at=at - datetime.timedelta(hours=2))
        services.stay_discharge(
            actor=self.clerk,
            stay=stay,
            discharge_way=Stay.DischargeWay.ORDERED,
            diagnoses=[services.DiagnosisInput(d.code) for d in stay.diagnoses.filter(stage="admission")],
            discharged_at=at,
        )

    def custody(self, stay: Stay) -> None:
        services.custody_record(
            actor=self.clerk, stay=stay, received_at=stay.admitted_at + datetime.timedelta(hours=4)
        )


def seed(log) -> None:
    if Stay.objects.exists():
        log(f"住院演示数据：已有 {Stay.objects.count()} 次住院（未变化）")
        return
    s = Seeder(log)
    discharged = []
    for n, (ward, days, status) in enumerate(ORDINARY):
        stay = s.admit(ward, days)
        s.charge_days(stay, days, ward)
        if n % 7 != 3:  # a few never handed the card in (ADM-2 list)
            s.custody(stay)
        if status in ("discharge_ordered", "discharged"):
            stay.refresh_from_db()
            if status == "discharged":
                s.discharge(stay)
                discharged.append(stay)
            else:
                services.discharge_order(actor=s.clerk, stay=stay)

    # ADM-3: emergency admissions without a card — one overdue, one still within 3 working days.
    s.admit("W2001", 7, kind="emergency", read=False, diagnoses=["I21.9"])
    s.admit("W2001", 0, kind="emergency", read=False, diagnoses=["J44.1"])
    # ADM-4: trauma, never by card swipe; the office must decide.
    s.admit(
        "W403",
        1,
        kind="trauma",
        read=False,
        diagnoses=["S72.0"],
        trauma=services.TraumaInput(
            injured_at=s.now - datetime.timedelta(days=1, hours=6),
            place="长安区某小区楼下",
            cause="by_others",
            description="与他人争执被推倒",
        ),
    )
    # ADM-5: two unexcused absences make a ghost bed; ADM-6: one absence is reported.
    ghost = s.admit("W303", 6)
    s.charge_days(ghost, 6, "W303")
    s.custody(ghost)
    for hours in (30, 6):
        services.round_record(
            actor=s.office,
            stay=ghost,
            finding=WardRound.Finding.ABSENT,
            inspected_at=s.now - datetime.timedelta(hours=hours),
        )
    absent_once = s.admit("W401", 3)
    s.custody(absent_once)
    services.round_record(
        actor=s.office, stay=absent_once, finding="absent", inspected_at=s.now - datetime.timedelta(hours=5)
    )
    # ADM-5: admitted without a bed (not payable, 3–5× fine record).
    s.admit("W301", 1, bed=False)
    # ADM-8: discharged 5 days ago with pneumonia, back today with pneumonia — one admission?
    first = s.admit("W303", 9, diagnoses=["J18.9"])
    s.charge_days(first, 4, "W303")
    s.custody(first)
    s.discharge(first, days_ago=5)
    services.stay_admit(
        actor=s.clerk,
        person=first.person,
        department=first.department,
        ward=first.ward,
        bed=s.free_bed(first.ward),
        attending_doctor=first.attending_doctor,
        diagnoses=[services.DiagnosisInput("J18.0")],
        admitted_at=s.now - datetime.timedelta(hours=5),
        card_read=s.read(first.person),
    )
    # ADM-10: discharge ordered but an order was never charged.
    blocked = s.admit("W401", 4)
    s.charge_days(blocked, 4, "W401")
    s.custody(blocked)
    ct = s.item("X线计算机体层")
    if ct:
        charges.order_create(actor=s.clerk, stay=blocked, hospital_item=ct, doctor=blocked.attending_doctor)
    services.discharge_order(actor=s.clerk, stay=blocked)

    # ADM-10 (issue 17): the patient stayed on two days after the discharge notice; those days' lines are
    # self-paid and reach the center as such (hosp_appr_flag 2). settlement.demo settles it through the
    # center, whose per-line split then equals ours.
    stayed_on = s.admit("W403", 5, diagnoses=["S72.0"])
    s.custody(stayed_on)
    services.discharge_order(
        actor=s.clerk, stay=stayed_on, ordered_at=s.now - datetime.timedelta(days=2, hours=6)
    )
    stayed_on.refresh_from_db()
    s.charge_days(stayed_on, 5, "W403")
    stayed_on.refresh_from_db()
    services.stay_discharge(
        actor=s.clerk,
        stay=stayed_on,
        discharge_way=Stay.DischargeWay.ORDERED,
        diagnoses=[services.DiagnosisInput("S72.0")],
        discharged_at=s.now - datetime.timedelta(minutes=30),
    )

    # SET-10's demo stay (paid in cash while the center was down) is settled by settlement.demo.

    counts = {label: Stay.objects.filter(status=code).count() for code, label in Stay.Status.choices}
    summary = "，".join(f"{label} {n}" for label, n in counts.items() if n)
    log(
        f"住院演示数据：{Stay.objects.count()} 次住院（{summary}）"
        + (f"；{s.warnings} 次未能在医保中心登记" if s.warnings else "")
    )
