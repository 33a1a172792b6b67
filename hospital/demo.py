"""Demo structure of a tier-3 hospital: departments, wards, beds, doctors and nurses."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model

from hospital.models import Bed, Department, Practitioner, Ward

REGION = settings.HOSPITAL["REGION_CODE"]

# code, name, national category (caty), wards as (code, name, beds)
DEPARTMENTS = [
    ("0301", "心血管内科", "A03.04", [("W301", "心内一病区", 40)]),
    ("0302", "内分泌科", "A03.06", [("W302", "内分泌病区", 32)]),
    ("0303", "呼吸与危重症医学科", "A03.01", [("W303", "呼吸病区", 36)]),
    ("0401", "普通外科", "A04.01", [("W401", "普外一病区", 45), ("W402", "普外二病区", 30)]),
    ("0402", "骨科", "A04.03", [("W403", "骨科病区", 42)]),
    ("0501", "妇产科", "A05", [("W501", "产科病区", 28)]),
    ("0701", "儿科", "A07", [("W701", "儿科病区", 30)]),
    ("2001", "急诊医学科", "A20", [("W2001", "急诊留观", 12)]),
    ("3001", "医学检验科", "A30", []),
    ("3201", "医学影像科", "A32", []),
]

# staff no, name, kind, title, department code, login username (or None); nurses work on one ward
PRACTITIONERS = [
    ("D0001", "张建国", "doctor", "chief", "0301", "doctor"),
    ("D0002", "陈立华", "doctor", "associate_chief", "0302", None),
    ("D0003", "周文斌", "doctor", "attending", "0303", None),
    ("D0004", "吴海涛", "doctor", "chief", "0401", None),
    ("D0005", "郑晓东", "doctor", "attending", "0402", None),
    ("D0006", "孙丽娟", "doctor", "associate_chief", "0501", None),
    ("D0007", "何静", "doctor", "attending", "0701", None),
    ("D0008", "马志强", "doctor", "resident", "2001", None),
    ("N0001", "刘护士", "nurse", "head_nurse", "0301", "nurse"),
    ("N0002", "黄敏", "nurse", "nurse", "0401", None),
]
NURSE_WARDS = {"N0001": "W301", "N0002": "W401"}


def seed(log) -> None:
    departments = {}
    ward_count = bed_count = 0
    for code, name, caty, wards in DEPARTMENTS:
        kind = Department.Kind.MEDICAL_TECH if code.startswith("3") else Department.Kind.CLINICAL
        department, _ = Department.objects.update_or_create(
            code=code,
            defaults={"name": name, "insurance_code": f"{REGION}{code}", "category_code": caty, "kind": kind},
        )
        departments[code] = department
        for ward_code, ward_name, beds in wards:
            ward, _ = Ward.objects.update_or_create(
                code=ward_code, defaults={"name": ward_name, "department": department}
            )
            ward_count += 1
            existing = set(ward.beds.values_list("number", flat=True))
            Bed.objects.bulk_create(
                [Bed(ward=ward, number=f"{n:02d}") for n in range(1, beds + 1) if f"{n:02d}" not in existing]
            )
            bed_count += beds
    users = get_user_model().objects
    for staff_no, name, kind, title, dept, username in PRACTITIONERS:
        prefix = "D" if kind == "doctor" else "N"
        Practitioner.objects.update_or_create(
            staff_no=staff_no,
            defaults={
                "name": name,
                "kind": kind,
                "title": title,
                "department": departments[dept],
                "ward": Ward.objects.filter(code=NURSE_WARDS.get(staff_no, "")).first(),
                "insurance_code": f"{prefix}{REGION}{staff_no[1:]:0>6}",
                "user": users.filter(username=username).first() if username else None,
            },
        )
    log(
        f"医院：{len(DEPARTMENTS)} 个科室，{ward_count} 个病区，"
        f"{bed_count} 张床位，{len(PRACTITIONERS)} 名医护人员"
    )
