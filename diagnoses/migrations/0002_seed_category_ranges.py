"""Seed RX-2's disease-category ranges (ICD-10 3-character categories, inclusive), effective 2000-01-01.

Specified diseases (特定病种, 30 days) are the regulation's six (000 §4 二.3). The chronic and acute sets
are this installation's defaults, editable by admins as later-dated ranges; a code in no range is a
general illness (一般疾病).

Left out on purpose:
- K29 (gastritis and duodenitis): one category holds acute (K29.0–K29.1) and chronic (K29.3–K29.5)
  gastritis; matching is by three characters, so it stays a general illness.
- Chronic hepatitis K73 is a specified disease (肝炎), not merely chronic.
"""

from django.db import migrations

START = "2000-01-01"

RANGES = [
    # code_from, code_to, category, specified disease, note
    ("B15", "B19", "specified", "肝炎", "病毒性肝炎"),
    ("K73", "K73", "specified", "肝炎", "慢性肝炎，不可归类在他处者"),
    ("A15", "A19", "specified", "结核病", "结核病"),
    ("F20", "F39", "specified", "精神病", "精神分裂症、分裂型和妄想性障碍；心境［情感］障碍"),
    ("C00", "C97", "specified", "恶性肿瘤", "恶性肿瘤"),
    ("E10", "E14", "specified", "糖尿病", "糖尿病"),
    ("I20", "I25", "specified", "冠心病", "缺血性心脏病"),
    ("I10", "I15", "chronic", "", "高血压性疾病"),
    ("E03", "E03", "chronic", "", "甲状腺功能减退症"),
    ("E05", "E05", "chronic", "", "甲状腺毒症［甲状腺功能亢进症］"),
    ("E78", "E78", "chronic", "", "脂蛋白代谢紊乱和其他脂血症"),
    ("G20", "G20", "chronic", "", "帕金森病"),
    ("G40", "G40", "chronic", "", "癫痫"),
    ("I48", "I48", "chronic", "", "心房纤颤和扑动"),
    ("I50", "I50", "chronic", "", "心力衰竭"),
    ("I69", "I69", "chronic", "", "脑血管病后遗症"),
    ("J44", "J44", "chronic", "", "慢性阻塞性肺病"),
    ("J45", "J45", "chronic", "", "哮喘"),
    ("K74", "K74", "chronic", "", "肝纤维化和肝硬化"),
    ("M05", "M06", "chronic", "", "类风湿性关节炎"),
    ("M10", "M10", "chronic", "", "痛风"),
    ("M45", "M45", "chronic", "", "强直性脊柱炎"),
    ("M80", "M81", "chronic", "", "骨质疏松"),
    ("N18", "N18", "chronic", "", "慢性肾病"),
    ("N40", "N40", "chronic", "", "前列腺增生"),
    ("A00", "A09", "acute", "", "肠道传染病"),
    ("J00", "J06", "acute", "", "急性上呼吸道感染"),
    ("J09", "J18", "acute", "", "流行性感冒和肺炎"),
    ("J20", "J22", "acute", "", "其他急性下呼吸道感染"),
    ("K35", "K37", "acute", "", "急性阑尾炎及阑尾炎"),
    ("N30", "N30", "acute", "", "膀胱炎"),
    ("N39", "N39", "acute", "", "泌尿系统其他疾患（含部位未特指的泌尿道感染 N39.0）"),
    ("S00", "T14", "acute", "", "损伤"),
]


def seed(apps, schema_editor):
    DiseaseCategoryRange = apps.get_model("diagnoses", "DiseaseCategoryRange")
    for code_from, code_to, category, disease, note in RANGES:
        DiseaseCategoryRange.objects.get_or_create(
            code_from=code_from,
            code_to=code_to,
            effective_from=START,
            defaults={"category": category, "specified_disease": disease, "note": note},
        )


class Migration(migrations.Migration):
    dependencies = [("diagnoses", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
