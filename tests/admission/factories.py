"""Building blocks for admission tests: a ward with beds, a doctor, diagnosis codes, a confirmed card
read, hospital items mapped to a catalog, and an admitted stay."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from admission import charges, services
from admission.models import Order, Stay
from diagnoses.models import DiagnosisCode
from drug_catalog.models import CatalogItem, CatalogVersion, HospitalItem
from hospital.models import Practitioner, Ward
from insured.models import CardRead, Credential
from tests.factories import BedFactory, DepartmentFactory, PractitionerFactory, UserFactory, WardFactory
from tests.insured.factories import make_person, make_reader

CODES = {
    "J18.9": "肺炎",
    "J18": "肺炎，病原体未特指",
    "I10": "特发性（原发性）高血压",
    "E11.9": "2型糖尿病不伴有并发症",
    "S72.0": "股骨颈骨折",
    "K35.9": "急性阑尾炎",
    "I25.1": "动脉粥样硬化性心脏病",
}


@dataclass
class Hospital:
    department: object
    ward: object
    beds: list
    doctor: object
    clerk: object


def make_hospital(beds: int = 4) -> Hospital:
    department = DepartmentFactory(name="呼吸内科")
    ward = WardFactory(department=department, name="呼吸内科一病区")
    return Hospital(
        department=department,
        ward=ward,
        beds=[BedFactory(ward=ward, number=f"{n + 1:02d}") for n in range(beds)],
        doctor=PractitionerFactory(department=department, name="张建国"),
        clerk=UserFactory(username=f"clerk_{department.pk}"),
    )


def home_hospital() -> Hospital:
    """The department and ward of the permission-matrix users (tests/admission/conftest.py): a matrix
    stay admitted here is "their own", so the matrix checks roles and the scope tests check objects."""
    department = DepartmentFactory(code="MX01", name="矩阵内科")
    ward = Ward.objects.filter(code="MXW01").first() or WardFactory(
        code="MXW01", department=department, name="矩阵内科病区"
    )
    beds = list(ward.beds.all()) or [BedFactory(ward=ward, number=f"{n + 1:02d}") for n in range(4)]
    doctor = Practitioner.objects.filter(staff_no="MXD01").first() or PractitionerFactory(
        staff_no="MXD01", department=department, name="矩阵主治"
    )
    return Hospital(department, ward, beds, doctor, UserFactory(username="clerk_matrix"))


def give_practitioner(user, role, hospital: Hospital) -> None:
    """Make a doctor or nurse user a practitioner of `hospital` (a nurse works on its ward)."""
    if role == "doctor":
        PractitionerFactory(user=user, department=hospital.department)
    elif role == "nurse":
        PractitionerFactory(
            user=user, department=hospital.department, ward=hospital.ward, kind=Practitioner.Kind.NURSE
        )


def make_codes() -> None:
    for code, name in CODES.items():
        DiagnosisCode.objects.get_or_create(
            kind="icd10",
            code=code,
            effective_from=datetime.date(2000, 1, 1),
            defaults={"name": name, "source": "gnuhealth"},
        )


def confirmed_read(person, clerk) -> CardRead:
    credential = person.credentials.filter(mdtrt_cert_type=Credential.Type.SOCIAL_SECURITY_CARD).first()
    return CardRead.objects.create(
        person=person,
        credential=credential,
        reader=make_reader(),
        read_by=clerk,
        confirmed_at=timezone.now(),
        confirmed_by=clerk,
    )


def make_catalog_items() -> dict[str, HospitalItem]:
    """Hospital items mapped (approved) to a small national catalog exercising FEE-1/FEE-6/SET-2."""
    version, _ = CatalogVersion.objects.get_or_create(
        region="610000",
        code="ADM-T",
        defaults={"name": "住院测试目录", "effective_from": datetime.date(2020, 1, 1)},
    )
    spec = [
        # hospital code, name, price, national code, type, class, cap, bureau, extra
        ("H-BED", "床位费（三人间）", "40", "001102000010000", "service", "A", "35", "40", {}),
        ("H-CT", "CT 平扫", "150", "210300001", "service", "B", None, "160",
         {"b_self_pay_ratio": Decimal("0.08")}),
        ("H-CHK", "健康体检", "300", "110200005", "service", "C", None, None, {"non_payable": True}),
        ("H-AMX", "阿莫西林胶囊 0.25g*24粒", "2.88", "XJ01CAA040A001", "western", "A", None, None,
         {"pack_size": Decimal(24), "dosage_form": "胶囊剂", "min_unit": "粒"}),
        ("H-ALB", "人血白蛋白 10g", "380", "XB05BAA010B001", "western", "B", None, None,
         {"restricted": True, "restriction_text": "限抢救"}),
    ]  # fmt: skip
    items = {}
    for hcode, name, price, code, item_type, klass, cap, bureau, extra in spec:
        CatalogItem.objects.get_or_create(
            version=version,
            code=code,
            defaults={
                "name": name,
                "item_type": item_type,
                "insurance_class": klass,
                "price_cap": Decimal(cap) if cap else None,
                "bureau_price": Decimal(bureau) if bureau else None,
                **extra,
            },
        )
        items[hcode] = HospitalItem.objects.get_or_create(
            medins_list_codg=hcode,
            defaults={
                "name": name,
                "price": Decimal(price),
                "med_list_codg": code,
                "mapping_status": HospitalItem.MappingStatus.APPROVED,
                "mapped_from": datetime.date(2020, 1, 1),
            },
        )[0]
    items["H-SELF"] = HospitalItem.objects.get_or_create(
        medins_list_codg="H-SELF", defaults={"name": "院内自制膏方", "price": Decimal("88")}
    )[0]
    return items


def admit(hospital: Hospital, person=None, *, bed=0, diagnoses=("J18.9",), read=True, **kwargs) -> Stay:
    make_codes()
    person = person or make_person()
    result = services.stay_admit(
        actor=hospital.clerk,
        person=person,
        department=hospital.department,
        ward=hospital.ward,
        bed=hospital.beds[bed] if bed is not None else None,
        attending_doctor=hospital.doctor,
        diagnoses=[services.DiagnosisInput(code) for code in diagnoses],
        card_read=confirmed_read(person, hospital.clerk) if read else None,
        **kwargs,
    )
    return result.stay


def order(hospital: Hospital, stay: Stay, item: HospitalItem, **kwargs) -> Order:
    return charges.order_create(
        actor=hospital.clerk, stay=stay, hospital_item=item, doctor=hospital.doctor, **kwargs
    )


def charge(hospital, stay, the_order, quantity="1", at=None, **kwargs):
    at = at or stay.admitted_at + datetime.timedelta(hours=2)
    return charges.charges_post(
        actor=hospital.clerk,
        stay=stay,
        lines=[charges.ChargeInput(order=the_order, quantity=Decimal(quantity), charged_at=at, **kwargs)],
    )
