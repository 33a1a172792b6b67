"""fund_pay_type names from the national dictionary (CENTER-INTERFACE.md §7.2, HN 表307 / JX 表277)."""

from django.db import migrations

FUND_PAY_TYPES = [
    ("310100", "城镇职工基本医疗保险统筹基金"),
    ("310200", "城镇职工基本医疗保险个人账户基金"),
    ("320100", "公务员医疗补助基金"),
    ("330100", "大额医疗费用补助基金"),
    ("340100", "离休人员医疗保障基金"),
    ("350100", "一至六级残疾军人医疗补助基金"),
    ("370100", "企业补充医疗保险基金"),
    ("390100", "城乡居民基本医疗保险基金"),
    ("390200", "城乡居民大病医疗保险基金"),
    ("510100", "生育基金"),
    ("610100", "医疗救助基金"),
    ("999997", "其他基金"),
]


def seed(apps, schema_editor):
    FundPayType = apps.get_model("settlement", "FundPayType")
    for code, name in FUND_PAY_TYPES:
        FundPayType.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("settlement", "0008_settle_flow_intents_and_fund_types")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
