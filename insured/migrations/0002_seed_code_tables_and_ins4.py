"""Seed the national code tables (psn_cert_type, insutype), local person types and the INS-4 table.

INS-4 values are the regulation's (seed 000 §2 一–五; the seed quotes 福建省医疗保障领域信用管理暂行办法,
in force from 2020-06-01): a later change is a new row with a later effective_from, never an edit.
Bands are [loss_min, loss_max): "3000元(含)以上" belongs to the upper band.
"""

import datetime
from decimal import Decimal

from django.db import migrations

CERTIFICATE_TYPES = [
    # code, name, format kind
    ("01", "居民身份证（户口簿）", "ric"),
    ("02", "中国人民解放军军官证", "other"),
    ("03", "中国人民武装警察警官证", "other"),
    ("04", "香港特区护照/港澳居民来往内地通行证", "hk_macau_permit"),
    ("05", "澳门特区护照/港澳居民来往内地通行证", "hk_macau_permit"),
    ("06", "台湾居民来往大陆通行证", "taiwan_permit"),
    ("07", "外国人永久居留证", "foreign_permanent"),
    ("08", "外国人护照", "passport"),
    ("09", "残疾人证", "other"),
    ("10", "军烈属证明", "other"),
    ("11", "外国人就业证", "other"),
    ("12", "外交官证", "other"),
    ("13", "使（领）馆人员身份证明", "other"),
    ("14", "香港特区居民身份证", "other"),
    ("15", "台湾居民身份证", "other"),
    ("16", "澳门特区居民身份证", "other"),
    ("17", "港澳台居民居住证", "ric"),
    ("90", "社会保障卡", "other"),
    ("99", "其他身份证件", "other"),
]

INSURANCE_TYPES = [
    # code, name, is_basic, has_personal_account
    ("310", "职工基本医疗保险", True, True),
    ("320", "公务员医疗补助", False, False),
    ("330", "大额医疗费用补助", False, False),
    ("340", "离休人员医疗保障", True, False),
    ("350", "一至六级残疾军人医疗补助", False, False),
    ("370", "企业补充医疗保险", False, False),
    ("390", "城乡居民基本医疗保险", True, False),
    ("392", "城乡居民大病医疗保险", False, False),
    ("510", "生育保险", False, False),
]

PERSON_TYPES = [
    ("11", "在职职工"),
    ("21", "退休人员"),
    ("31", "离休人员"),
    ("41", "城乡居民（成年）"),
    ("42", "城乡居民（未成年）"),
    ("43", "在校大学生"),
    ("51", "灵活就业人员"),
]

SOURCE = "000 §2 参保人员违规行为处理办法"
D = Decimal
# category, loss_min, loss_max, changed, restricted, interview, monitoring, judicial, months
INS4 = [
    ("I", D("3000"), None, True, True, False, False, False, 24),
    ("I", D("2000"), D("3000"), True, True, False, False, False, 12),
    ("I", D("1000"), D("2000"), True, False, False, False, False, 6),
    ("I", D("0"), D("1000"), False, False, True, True, False, None),
    ("II", D("0"), None, True, True, False, False, False, 24),
    ("III", D("3000"), None, True, False, False, False, False, 6),
    ("III", D("0"), D("3000"), False, False, True, True, False, None),
    ("IV", D("0"), None, False, False, True, True, False, None),
    ("V", D("0"), None, False, False, False, False, True, None),
]
EFFECTIVE_FROM = datetime.date(2020, 6, 1)


def seed(apps, schema_editor):
    certificate_type = apps.get_model("insured", "CertificateType")
    insurance_type = apps.get_model("insured", "InsuranceType")
    person_type = apps.get_model("insured", "PersonType")
    policy = apps.get_model("insured", "SanctionPolicy")
    for order, (code, name, kind) in enumerate(CERTIFICATE_TYPES):
        certificate_type.objects.update_or_create(
            code=code, defaults={"name": name, "format_kind": kind, "sort_order": order}
        )
    for order, (code, name, basic, account) in enumerate(INSURANCE_TYPES):
        insurance_type.objects.update_or_create(
            code=code,
            defaults={"name": name, "is_basic": basic, "has_personal_account": account, "sort_order": order},
        )
    for order, (code, name) in enumerate(PERSON_TYPES):
        person_type.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order})
    for category, low, high, changed, restricted, interview, monitoring, judicial, months in INS4:
        policy.objects.update_or_create(
            category=category,
            loss_min=low,
            effective_from=EFFECTIVE_FROM,
            defaults={
                "loss_max": high,
                "settlement_changed": changed,
                "scope_restricted": restricted,
                "interview": interview,
                "key_monitoring": monitoring,
                "judicial_referral": judicial,
                "duration_months": months,
                "source": SOURCE,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("insured", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
