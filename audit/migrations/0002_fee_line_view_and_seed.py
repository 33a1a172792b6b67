"""The audit's one fee-line view, the rule catalogue with its parameters, the doctor-points scheme
(seed 001 篇三, Lishui), indicator thresholds and the nightly schedule (02:00).

`audit_fee_line` is the single relation the rules scan: today a UNION ALL of admission's ChargeLine
and settlement's OutpatientCharge (billed lines only: refunded lines and their counter-lines, and
cancelled stays/visits, are left out). When the unified fee-line table lands, only this view changes.
"""

import datetime

from django.db import migrations

VIEW = """
CREATE OR REPLACE VIEW audit_fee_line AS
SELECT 'I'::text AS kind, c.id AS line_id, 'I' || c.id AS line_key, c.feedetl_sn, c.stay_id,
       NULL::bigint AS visit_id, c.stay_id AS encounter_id, s.person_id, c.charged_at, c.charged_on,
       c.ordering_department_id AS department_id, c.ordering_doctor_id AS doctor_id, c.hospital_item_id,
       hi.name AS item_name, c.med_list_codg, c.item_type, c.insurance_class, c.quantity, c.unit_price,
       c.amount, c.over_limit_amount, (c.self_pay_reason <> '') AS self_pay, c.order_id, c.hosp_appr_flag,
       c.entered_by_id
FROM admission_chargeline c
JOIN admission_stay s ON s.id = c.stay_id
JOIN drug_catalog_hospitalitem hi ON hi.id = c.hospital_item_id
WHERE c.quantity > 0 AND s.status <> 'cancelled'
  -- refunded lines out: one hashed set of the (few) refunded serials per statement, read through the
  -- partial unique index; NOT EXISTS here made the planner expect ~no rows and nest loops over millions
  AND c.feedetl_sn NOT IN (SELECT r.init_feedetl_sn FROM admission_chargeline r WHERE r.init_feedetl_sn <> '')
UNION ALL
SELECT 'O'::text, o.id, 'O' || o.id, o.feedetl_sn, NULL::bigint, o.visit_id, o.visit_id, v.person_id,
       o.charged_at, v.visit_date, v.department_id, v.doctor_id, o.hospital_item_id, o.name, o.med_list_codg,
       coalesce(pi.item_type, 'service'), o.insurance_class, o.quantity, o.unit_price, o.amount,
       CASE WHEN o.price_cap IS NOT NULL AND o.unit_price > o.price_cap
            THEN round((o.unit_price - o.price_cap) * o.quantity, 2) ELSE 0 END,
       (o.self_pay_reason <> ''), NULL::bigint, '', NULL::integer
FROM settlement_outpatientcharge o
JOIN settlement_outpatientvisit v ON v.id = o.visit_id
LEFT JOIN prescriptions_prescriptionitem pi ON pi.id = o.prescription_item_id
WHERE o.quantity > 0 AND v.status <> 'cancelled'
"""

BED = ["001102"]
# code, name, category, level, cites, params, points, description
RULES = [
    ("FEE-3", "重复收费", "policy", "definite", "RULES FEE-3；seed 002/003", {}, 2,
     "同一就诊、同一项目、同一时间收费多次（不同医嘱重复计费）。"),
    ("FEE-3-DAY", "超每日频次收费（床位、分级护理、每日一次项目）", "policy", "definite", "RULES FEE-3；seed 003",
     {"groups": [
         {"label": "床位费", "prefixes": BED, "max_per_day": 1},
         {"label": "分级护理费", "prefixes": ["001201", "001202", "001203", "001204"], "max_per_day": 1},
         {"label": "住院诊查费", "prefixes": ["001103"], "max_per_day": 1},
     ]}, 1, "按国家编码前缀分组的每日限量（参数可在后台维护）。"),
    ("FEE-3-STAY", "床位费超住院天数", "policy", "definite", "RULES FEE-3", {"prefixes": BED}, 1,
     "出院时床位费日数超过住院天数（入院当日计、出院当日不计）。"),
    ("FEE-1", "超医保支付标准记入基金", "policy", "definite", "RULES FEE-1", {}, 1,
     "单价高于医保支付标准而超出部分未列自付。"),
    ("FEE-1-BUREAU", "超物价核定价格收费", "policy", "definite", "RULES FEE-1", {}, 2,
     "单价高于物价部门核定价格（超标准收费）。"),
    ("FEE-6", "超医保支付范围记入基金", "policy", "definite", "RULES FEE-6", {}, 1,
     "基金不予支付、丙类或未对照项目未按自费处理。"),
    ("FEE-2", "无医嘱收费", "management", "high", "RULES FEE-2；AUD-3", {}, 1,
     "医嘱已作废、收费早于开嘱或晚于停嘱。"),
    ("CAT-SEX", "限性别项目", "medical", "definite", "目录限定支付（性别）", {}, 1, "限男性/女性项目用于另一性别。"),
    ("CAT-AGE", "限年龄项目", "medical", "definite", "目录限定支付（年龄）", {}, 1, "限定年龄段项目用于年龄段外患者。"),
    ("ADM-5", "挂床住院", "management", "definite", "RULES ADM-5（001 §15）", {"absences": 2}, 2,
     "两次查房无假不在床即认定挂床。"),
    ("ADM-8", "分解住院", "management", "high", "RULES ADM-8（000 §4 三.3）", {"window_days": 10}, 2,
     "出院后规定天数内因同类疾病再次入院。"),
    ("ADM-7", "住院天数超标准", "medical", "suspicious", "RULES ADM-7（001 §10）", {"standard_days": 16, "factor": 2}, 0,
     "单次住院超过平均住院日标准的倍数（三级 16 天，二级 21 天）。"),
    ("ADM-FREQ", "高频住院", "medical", "suspicious", "AUD-3 高频住院（seed 003）", {"admissions": 3, "days": 90}, 0,
     "同一患者在规定天数内住院达到次数。"),
    ("CARD-BURST", "频繁刷卡", "management", "suspicious", "AUD-3 连续/频繁刷卡（seed 003）", {"reads": 4, "minutes": 60}, 0,
     "同一参保人短时间内多次刷卡就医。"),
    ("CARD-GROUP", "聚集刷卡（一人刷多卡）", "management", "high", "AUD-3 一人多卡（seed 003）",
     {"persons": 15, "minutes": 10}, 0, "同一操作员短时间内为多名参保人刷卡。"),
    ("DOC-LOAD", "医师工作量异常", "medical", "suspicious", "AUD-3 医师工作量异常（seed 003）",
     {"patients_per_day": 60}, 0, "医师单日开单患者数超过上限。"),
    ("RX-1", "处方药品超过品种数", "medical", "definite", "RULES RX-1", {}, 1, "复用处方审核 RX-1。"),
    ("RX-2", "处方超天数", "medical", "definite", "RULES RX-2", {}, 1, "复用处方审核 RX-2。"),
    ("RX-3", "出院带药超量", "medical", "definite", "RULES RX-3", {}, 1, "复用处方审核 RX-3。"),
]  # fmt: skip
SINCE = datetime.date(2020, 1, 1)
POINTS_SOURCE = "seed 001 篇三（丽水市医师医保服务协议积分制）阈值；各违规类型分值为院内默认，可在后台调整"
THRESHOLDS = [(2, "reminder", None), (4, "suspension", 3), (6, "suspension", 12), (12, "termination", 24)]
# indicator, warn, alarm, higher_is_worse, source
INDICATORS = [
    ("out_of_scope_pct", "8", "10", True, "AUD-6/FEE-7 自费（目录外）费用占比"),
    ("personal_burden_pct", "30", "35", True, "AUD-6 个人负担占比"),
    ("self_pay_drug_pct", "8", "10", True, "FEE-7 自费药品占比"),
    ("average_stay_days", "14", "16", True, "ADM-7 平均住院日（三级 ≤16 天）"),
    ("referral_pct", "2.5", "3", True, "ADM-11 转诊率 < 3 %"),  # alarm_when_equal below
]


def seed(apps, schema_editor):
    AuditRule = apps.get_model("audit", "AuditRule")
    RuleParameter = apps.get_model("audit", "RuleParameter")
    PointsRule = apps.get_model("audit", "PointsRule")
    PointsPolicy = apps.get_model("audit", "PointsPolicy")
    PointsThreshold = apps.get_model("audit", "PointsThreshold")
    IndicatorThreshold = apps.get_model("audit", "IndicatorThreshold")
    for order, (code, name, category, level, cites, params, points, description) in enumerate(RULES):
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
    PointsPolicy.objects.get_or_create(effective_from=SINCE, defaults={"source": POINTS_SOURCE})
    for points, measure, months in THRESHOLDS:
        PointsThreshold.objects.get_or_create(
            points=points,
            effective_from=SINCE,
            defaults={"measure": measure, "months": months, "source": "seed 001 篇三 第五条"},
        )
    for indicator, warn, alarm, worse, source in INDICATORS:
        IndicatorThreshold.objects.get_or_create(
            indicator=indicator,
            effective_from=SINCE,
            defaults={
                "warn": warn,
                "alarm": alarm,
                "higher_is_worse": worse,
                "alarm_when_equal": indicator == "referral_pct",
                "source": source,
            },
        )
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.get_or_create(
        name="夜间智能审核（AUD-2）",
        defaults={"task": "audit.tasks.nightly_audit", "crontab": crontab, "enabled": True},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_audit_engine"),
        # The view pins the columns it reads: it comes after every migration that changes them.
        ("admission", "0005_diagnosis_corrections"),
        ("settlement", "0009_seed_fund_pay_types"),
        ("prescriptions", "0003_profile_names_without_seed_numbers"),
        ("insured", "0004_roster_import_queue"),
        ("drug_catalog", "0004_catalog_import_attempts"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunSQL(VIEW, "DROP VIEW IF EXISTS audit_fee_line"),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
