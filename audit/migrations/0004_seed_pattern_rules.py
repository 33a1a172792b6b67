"""Seven more audit rules (issue 21): RX-5/RX-6 re-run the prescription check on saved prescriptions;
FEE-2-ORDER, ADM-CLUSTER, AMT-SAME, STOCK and FEE-5 (audit/rules_sql_patterns.py), with their
parameters as versioned rows; and the FEE-5 positive-rate indicator's thresholds (lower is worse)."""

import datetime

from django.db import migrations

SINCE = datetime.date(2020, 1, 1)
POINTS_SOURCE = "院内默认分值（seed 001 篇三 未逐项规定），可在后台调整"
# code, name, category, level, cites, params, points, description
RULES = [
    ("RX-5", "限定支付药品超适应症或未审批", "medical", "definite", "RULES RX-5", {}, 1,
     "复用处方审核 RX-5：限定支付药品未确认适应症或未经医院审批而记入基金。"),
    ("RX-6", "须审批药品无有效审批", "medical", "definite", "RULES RX-6（000 §4 二.5）", {}, 1,
     "复用处方审核 RX-6：蛋白类等须医保办审批的药品无审批或审批已超有效期。"),
    ("FEE-2-ORDER", "有医嘱无收费", "management", "suspicious", "RULES FEE-2；AUD-3 医嘱与收费不符",
     {"grace_hours": 1}, 0, "出院时仍有未作废医嘱没有任何对应收费（开立后规定小时内停止的视为更正）。"),
    ("ADM-CLUSTER", "集中入院", "management", "high", "AUD-3 短时间集中入院（seed 003）",
     {"admissions": 8, "minutes": 120}, 0, "同一科室在规定分钟内收治多名不同参保人。"),
    ("AMT-SAME", "报销金额雷同", "management", "suspicious", "AUD-3 报销金额雷同（seed 003）",
     {"persons": 5, "tolerance": 1, "days": 30, "min_amount": 1000}, 0,
     "同一科室规定天数内多名参保人基金支付金额相差不超过容差。"),
    ("STOCK", "进销存与收费不符", "management", "high", "AUD-3 进销存不符（seed 002/003）", {"tolerance": 0}, 1,
     "药房当日发药量少于收费数量（按院内项目、计费单位）。"),
    ("FEE-5", "检查检验阳性率偏低", "medical", "suspicious", "RULES FEE-5（001 §21）",
     {"min_price": 100, "prefixes": ["2103", "2104", "2105"], "min_rate_tier2": 65, "min_rate_tier3": 70,
      "min_exams": 20}, 0,
     "科室当月大型设备检查及 100 元以上检验的阳性率低于二级 65 %、三级 70 %。"),
]  # fmt: skip


def seed(apps, schema_editor):
    AuditRule = apps.get_model("audit", "AuditRule")
    RuleParameter = apps.get_model("audit", "RuleParameter")
    PointsRule = apps.get_model("audit", "PointsRule")
    IndicatorThreshold = apps.get_model("audit", "IndicatorThreshold")
    for order, (code, name, category, level, cites, params, points, description) in enumerate(RULES, 19):
        rule, _ = AuditRule.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "category": category,
                "level": level,
                "cites": cites,
                "description": description,
                "sort_order": order,
            },
        )
        RuleParameter.objects.get_or_create(
            rule=rule, effective_from=SINCE, defaults={"values": params, "source": cites}
        )
        if points:
            PointsRule.objects.get_or_create(
                rule=rule, effective_from=SINCE, defaults={"points": points, "source": POINTS_SOURCE}
            )
    IndicatorThreshold.objects.get_or_create(
        indicator="positive_rate_pct",
        effective_from=SINCE,
        defaults={
            "warn": "75",
            "alarm": "70",
            "higher_is_worse": False,
            "source": "FEE-5 阳性率：三级医院 ≥ 70 %（二级医院改为 65 %），001 §21",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_stock_movements_and_exam_results")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
