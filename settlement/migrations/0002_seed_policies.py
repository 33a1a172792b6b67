"""Seed policy versions from the regulations' examples (SET-1, SET-4, SET-5, SET-6) and a local demo scheme.

Values quoted from seed 003 are marked with their rule id; the 610100 (西安) rows other than the
SET-1 example are demonstration values for this installation, editable by admins as new versions.
"""

from decimal import Decimal as D

from django.db import migrations

START = "2026-01-01"

POLICIES = [
    # name, region, insutype, care type, tier, deductible, period, year start (m, d), ratio, cap, extra
    (
        "SET-1 示例（seed 003）：职工住院",
        "610100",
        "310",
        "inpatient",
        3,
        D("500"),
        "year",
        (1, 1),
        D("0.70"),
        D("400000"),
        {},
    ),
    (
        "演示：职工住院（二级）",
        "610100",
        "310",
        "inpatient",
        2,
        D("400"),
        "year",
        (1, 1),
        D("0.85"),
        D("400000"),
        {},
    ),
    (
        "演示：职工普通门诊",
        "610100",
        "310",
        "outpatient",
        None,
        D("800"),
        "year",
        (1, 1),
        D("0.50"),
        D("3000"),
        {},
    ),
    (
        "SET-5 门诊慢特病（统筹 70%）",
        "610100",
        "310",
        "chronic_outpatient",
        None,
        D("0"),
        "year",
        (1, 1),
        D("0.70"),
        D("100000"),
        {},
    ),
    (
        "SET-5 门诊慢特病（城乡居民，统筹 70%）",
        "610100",
        "390",
        "chronic_outpatient",
        None,
        D("0"),
        "year",
        (1, 1),
        D("0.70"),
        D("50000"),
        {},
    ),
    (
        "演示：城乡居民住院（三级）",
        "610100",
        "390",
        "inpatient",
        3,
        D("1000"),
        "year",
        (1, 1),
        D("0.60"),
        D("200000"),
        {},
    ),
    (
        "演示：城乡居民住院（二级）",
        "610100",
        "390",
        "inpatient",
        2,
        D("600"),
        "year",
        (1, 1),
        D("0.70"),
        D("200000"),
        {},
    ),
    (
        "SET-4 杭州少儿门诊（三级，个人 60%）",
        "330100",
        "390",
        "outpatient",
        3,
        D("300"),
        "year",
        (9, 1),
        D("0.40"),
        None,
        {"referral_first_self_pay_ratio": D("0.10")},
    ),
    (
        "SET-4 杭州少儿门诊（二级及药店，个人 50%）",
        "330100",
        "390",
        "outpatient",
        2,
        D("300"),
        "year",
        (9, 1),
        D("0.50"),
        None,
        {"referral_first_self_pay_ratio": D("0.10")},
    ),
    (
        "SET-4 杭州少儿门诊（其他机构，个人 40%）",
        "330100",
        "390",
        "outpatient",
        1,
        D("300"),
        "year",
        (9, 1),
        D("0.60"),
        None,
        {"referral_first_self_pay_ratio": D("0.10")},
    ),
]


def seed(apps, schema_editor):
    PolicyParameter = apps.get_model("settlement", "PolicyParameter")
    PolicyBand = apps.get_model("settlement", "PolicyBand")
    for name, region, insutype, care, tier, deductible, period, (month, day), ratio, cap, extra in POLICIES:
        version, created = PolicyParameter.objects.get_or_create(
            insured_region=region,
            insurance_type=insutype,
            care_type=care,
            hospital_tier=tier,
            effective_from=START,
            defaults={
                "name": name,
                "deductible": deductible,
                "deductible_period": period,
                "year_start_month": month,
                "year_start_day": day,
                "fund_ratio": ratio,
                "annual_cap": cap,
                **extra,
            },
        )
    # The demo employees' tier-3 inpatient scheme pays in bands above 10 000 (分段).
    demo_banded, _ = PolicyParameter.objects.get_or_create(
        insured_region="610100",
        insurance_type="310",
        care_type="inpatient",
        hospital_tier=1,
        effective_from=START,
        defaults={
            "name": "演示：职工住院（一级，分段）",
            "deductible": D("200"),
            "fund_ratio": D("0.88"),
            "annual_cap": D("400000"),
        },
    )
    PolicyBand.objects.get_or_create(policy=demo_banded, lower=D("0"), upper=D("10000"), fund_ratio=D("0.88"))
    PolicyBand.objects.get_or_create(policy=demo_banded, lower=D("10000"), upper=None, fund_ratio=D("0.92"))


class Migration(migrations.Migration):
    dependencies = [("settlement", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
