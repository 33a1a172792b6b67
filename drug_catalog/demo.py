"""Demo catalog: several hundred items of the 陕西 2026 catalog, imported through the real importer.

Each base entry expands into its usual specifications, so search and ranking have realistic
neighbours; the entries include what the prescription rules need (restricted, approval, nutritional,
herbal limits, class C, non-payable, sex and age limits, a bed fee with both ceilings).
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

from django.contrib.auth import get_user_model

from drug_catalog.models import HospitalItem
from drug_catalog.services import COLUMNS, catalog_import

REGION = "610000"
VERSION = ("SX2026", "陕西省医保目录（2026 版，演示）", datetime.date(2026, 1, 1))

# code prefix, name, type, dosage form, [(spec, pack, min unit, unit price)], class, b ratio, extra
BASE = [
    (
        "XJ01CAA040A0010",
        "阿莫西林胶囊",
        "western",
        "胶囊剂",
        [("0.25g*24粒", 24, "粒", "0.12"), ("0.5g*12粒", 12, "粒", "0.21")],
        "A",
        "",
        {},
    ),
    (
        "XJ01DCA030A0010",
        "头孢呋辛酯片",
        "western",
        "片剂",
        [("0.25g*12片", 12, "片", "1.10"), ("0.125g*24片", 24, "片", "0.62")],
        "B",
        "0.10",
        {},
    ),
    ("XJ01FAA090A0010", "阿奇霉素片", "western", "片剂", [("0.25g*6片", 6, "片", "1.85")], "A", "", {}),
    (
        "XA10BAA005A0010",
        "盐酸二甲双胍缓释片",
        "western",
        "片剂",
        [("0.5g*30片", 30, "片", "0.35"), ("0.5g*60片", 60, "片", "0.33")],
        "A",
        "",
        {},
    ),
    ("XA10BBA165A0010", "格列美脲片", "western", "片剂", [("2mg*30片", 30, "片", "0.90")], "B", "0.10", {}),
    (
        "XA10AEA040B0010",
        "甘精胰岛素注射液",
        "western",
        "注射剂",
        [("3ml:300单位", 1, "支", "82.00")],
        "B",
        "0.10",
        {"restricted": "是", "restriction_text": "限中、长效胰岛素难以控制的1型或2型糖尿病"},
    ),
    ("XC08CAA010A0010", "苯磺酸氨氯地平片", "western", "片剂", [("5mg*28片", 28, "片", "0.28")], "A", "", {}),
    ("XC09CAA010A0010", "氯沙坦钾片", "western", "片剂", [("50mg*14片", 14, "片", "1.20")], "B", "0.05", {}),
    (
        "XC10AAA050A0010",
        "阿托伐他汀钙片",
        "western",
        "片剂",
        [("20mg*7片", 7, "片", "0.80"), ("10mg*14片", 14, "片", "0.45")],
        "A",
        "",
        {},
    ),
    ("XB01ACA060A0010", "阿司匹林肠溶片", "western", "片剂", [("100mg*30片", 30, "片", "0.15")], "A", "", {}),
    (
        "XB01ACA040A0010",
        "硫酸氢氯吡格雷片",
        "western",
        "片剂",
        [("75mg*7片", 7, "片", "2.10")],
        "B",
        "0.10",
        {},
    ),
    (
        "XA02BCA010A0010",
        "奥美拉唑肠溶胶囊",
        "western",
        "胶囊剂",
        [("20mg*14粒", 14, "粒", "0.40")],
        "A",
        "",
        {},
    ),
    ("XN02BEA010A0010", "对乙酰氨基酚片", "western", "片剂", [("0.5g*12片", 12, "片", "0.10")], "A", "", {}),
    ("XR06AEA070A0010", "氯雷他定片", "western", "片剂", [("10mg*6片", 6, "片", "0.95")], "B", "0.10", {}),
    (
        "XB05BAA010B0010",
        "人血白蛋白",
        "western",
        "注射剂",
        [("10g:50ml", 1, "瓶", "380.00")],
        "B",
        "0.20",
        {
            "restricted": "是",
            "restriction_text": "限抢救、重症或因肝硬化、癌症引起胸腹水，且白蛋白低于30g/L",
            "approval_required": "是",
            "approval_valid_days": "5",
        },
    ),
    (
        "XB05BAA020B0010",
        "复方氨基酸注射液(18AA)",
        "western",
        "注射剂",
        [("250ml:12.5g", 1, "瓶", "28.00")],
        "B",
        "0.10",
        {
            "restricted": "是",
            "restriction_text": "限经营养风险筛查明确具有营养风险的住院患者",
            "outpatient_self_pay": "是",
        },
    ),
    (
        "XG03DAA040B0010",
        "黄体酮注射液",
        "western",
        "注射剂",
        [("1ml:20mg", 1, "支", "3.20")],
        "A",
        "",
        {"sex_limit": "女"},
    ),
    (
        "XG04CAA020A0010",
        "盐酸坦索罗辛缓释胶囊",
        "western",
        "胶囊剂",
        [("0.2mg*10粒", 10, "粒", "3.80")],
        "B",
        "0.10",
        {"sex_limit": "男"},
    ),
    (
        "XJ05AHA020A0010",
        "奥司他韦胶囊",
        "western",
        "胶囊剂",
        [("75mg*10粒", 10, "粒", "4.50")],
        "B",
        "0.10",
        {"max_days": "5", "max_quantity": "2"},
    ),
    (
        "ZA04BAA0010",
        "连花清瘟胶囊",
        "patent",
        "胶囊剂",
        [("0.35g*24粒", 24, "粒", "0.60"), ("0.35g*36粒", 36, "粒", "0.58")],
        "A",
        "",
        {},
    ),
    ("ZA09AAA0030", "复方丹参滴丸", "patent", "滴丸剂", [("27mg*180丸", 180, "丸", "0.15")], "A", "", {}),
    ("ZA01AAB0120", "感冒清热颗粒", "patent", "颗粒剂", [("12g*10袋", 10, "袋", "1.20")], "A", "", {}),
    ("ZA12BAL0230", "六味地黄丸", "patent", "丸剂", [("200丸", 200, "丸", "0.08")], "B", "0.10", {}),
    ("ZA06CAT0010", "安宫牛黄丸", "patent", "丸剂", [("3g*1丸", 1, "丸", "398.00")], "C", "", {}),
    (
        "T000100164",
        "黄芪",
        "herbal",
        "饮片",
        [("片", 1, "g", "0.12")],
        "A",
        "",
        {"herbal_daily_dose_limit": "30"},
    ),
    (
        "T000200350",
        "当归",
        "herbal",
        "饮片",
        [("片", 1, "g", "0.25")],
        "A",
        "",
        {"herbal_daily_dose_limit": "15"},
    ),
    (
        "T000500078",
        "西洋参",
        "herbal",
        "饮片",
        [("片", 1, "g", "1.60")],
        "A",
        "",
        {"single_herb_self_pay": "是"},
    ),
    (
        "T000500079",
        "红参",
        "herbal",
        "饮片",
        [("片", 1, "g", "2.20")],
        "A",
        "",
        {"single_herb_self_pay": "是"},
    ),
    (
        "XR05XAB080A0010",
        "小儿氨酚黄那敏颗粒",
        "western",
        "颗粒剂",
        [("6g*10袋", 10, "袋", "0.45")],
        "A",
        "",
        {"age_max": "14"},
    ),
    (
        "XJ01AAA120B0010",
        "注射用替加环素",
        "western",
        "注射剂",
        [("50mg", 1, "瓶", "398.00")],
        "B",
        "0.10",
        {
            "restricted": "是",
            "restriction_text": "限复杂性腹腔感染的二线用药",
            "min_hospital_tier": "3",
            "max_days": "14",
        },
    ),
    (
        "T000300112",
        "冬虫夏草",
        "herbal",
        "饮片",
        [("原形", 1, "g", "260.00")],
        "C",
        "",
        {"non_payable": "是"},
    ),
    (
        "001102000010000",
        "床位费（三人间）",
        "service",
        "",
        [("床日", 1, "日", "35.00")],
        "A",
        "",
        {"price_cap": "30.00", "bureau_price": "35.00"},
    ),
    (
        "001101000010000",
        "普通门诊诊查费",
        "service",
        "",
        [("次", 1, "次", "10.00")],
        "A",
        "",
        {"bureau_price": "10.00"},
    ),
    (
        "002202010010000",
        "血常规（五分类）",
        "service",
        "",
        [("次", 1, "次", "20.00")],
        "A",
        "",
        {"bureau_price": "20.00"},
    ),
    (
        "210300001",
        "X线计算机体层(CT)平扫",
        "service",
        "",
        [("每部位", 1, "部位", "150.00")],
        "B",
        "0.08",
        {"bureau_price": "160.00"},
    ),
    ("110200005", "健康体检", "service", "", [("次", 1, "次", "300.00")], "C", "", {"non_payable": "是"}),
    (
        "C14010101",
        "一次性使用无菌注射器",
        "consumable",
        "",
        [("5ml", 1, "支", "0.50"), ("10ml", 1, "支", "0.70")],
        "A",
        "",
        {},
    ),
    (
        "C03110201",
        "冠状动脉药物洗脱支架",
        "consumable",
        "",
        [("3.0*18mm", 1, "个", "700.00")],
        "B",
        "0.30",
        {"price_cap": "650.00"},
    ),
    ("F00000001", "空调费", "facility", "", [("日", 1, "日", "5.00")], "C", "", {"non_payable": "是"}),
]
# Manufacturers multiply each drug into the several items a real catalog lists under one name.
MAKERS = [
    "",
    "（华北制药）",
    "（石药集团）",
    "（扬子江药业）",
    "（齐鲁制药）",
    "（国药集团）",
    "（修正药业）",
    "（白云山）",
]


# Columns every entry describes positionally; the rest (limits, flags) come from its `extra`.
DESCRIBED = {
    "code",
    "name",
    "generic_name",
    "item_type",
    "dosage_form",
    "specification",
    "pack_size",
    "unit",
    "min_unit",
    "insurance_class",
    "b_self_pay_ratio",
}


def demo_rows() -> list[dict[str, str]]:
    rows = []
    for prefix, name, item_type, form, specs, klass, ratio, extra in BASE:
        makers = MAKERS if item_type in {"western", "patent"} else [""]
        for m_index, maker in enumerate(makers):
            for s_index, (spec, pack, min_unit, _price) in enumerate(specs):
                rows.append(
                    {
                        "code": f"{prefix}{m_index:02d}{s_index:02d}",
                        "name": name + maker,
                        "generic_name": name,
                        "item_type": item_type,
                        "dosage_form": form,
                        "specification": spec,
                        "pack_size": str(pack),
                        "unit": "盒" if item_type in {"western", "patent"} else min_unit,
                        "min_unit": min_unit,
                        "insurance_class": klass,
                        "b_self_pay_ratio": ratio,
                        **{column: extra.get(column, "") for column in COLUMNS if column not in DESCRIBED},
                    }
                )
    return rows


def demo_csv() -> bytes:
    rows = demo_rows()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    columns = list(COLUMNS)
    writer.writerow([COLUMNS[c][1] for c in columns])
    for row in rows:
        writer.writerow([row[c] for c in columns])
    return buffer.getvalue().encode("utf-8")


def seed(log) -> None:
    actor = get_user_model().objects.filter(username="admin").first()
    code, name, start = VERSION
    report = catalog_import(
        actor=actor,
        content=demo_csv(),
        filename="demo.csv",
        region=REGION,
        version_code=code,
        version_name=name,
        effective_from=start,
    )
    if report.errors:
        raise RuntimeError(f"demo catalog invalid: {report.errors[:3]}")
    log(
        f"医保目录：{report.version.name}，{report.version.item_count} 条"
        + ("（未变化）" if report.unchanged else "")
    )
    log(f"院内收费项目与目录对照：{seed_hospital_items(actor)} 项")


# The hospital's own items that are not (yet) mapped: self-made preparations, new items.
UNMAPPED = [
    ("YN-ZJ-001", "院内制剂·止咳合剂", "100ml", "18.00", HospitalItem.MappingStatus.UNMAPPED, ""),
    ("YN-ZJ-002", "院内制剂·清热解毒颗粒", "10g*10袋", "26.00", HospitalItem.MappingStatus.UNMAPPED, ""),
    ("YN-XM-001", "中医定向透药治疗", "次", "45.00", HospitalItem.MappingStatus.UNMAPPED, ""),
    (
        "YN-XM-002",
        "康复训练（院内项目）",
        "次",
        "60.00",
        HospitalItem.MappingStatus.PENDING,
        "001102000010000",
    ),
    ("YN-HC-001", "一次性负压引流装置", "套", "128.00", HospitalItem.MappingStatus.REJECTED, "C14010101"),
]
REJECT_REASONS = {"YN-HC-001": "对照目录编码与耗材类别不符（中心审核意见）"}


def seed_hospital_items(actor) -> int:
    """Each demo catalog entry's first item as a hospital charge item, mapped and approved by the
    center; drugs are charged per minimum unit (片、粒、支). Plus a few unmapped and pending ones."""
    start = VERSION[2]
    count = 0
    for n, (prefix, name, item_type, _form, specs, _klass, _ratio, _extra) in enumerate(BASE, start=1):
        spec, _pack, min_unit, price = specs[0]
        HospitalItem.objects.update_or_create(
            medins_list_codg=f"H{n:05d}",
            defaults={
                "name": name if item_type in {"service", "facility"} else f"{name} {spec}",
                "specification": min_unit,
                "price": Decimal(price),
                "med_list_codg": f"{prefix}0000",
                "mapping_status": HospitalItem.MappingStatus.APPROVED,
                "mapped_from": start,
                "updated_by": actor,
            },
        )
        count += 1
    for code, name, spec, price, status, target in UNMAPPED:
        HospitalItem.objects.update_or_create(
            medins_list_codg=code,
            defaults={
                "name": name,
                "specification": spec,
                "price": Decimal(price),
                "med_list_codg": target,
                "mapping_status": status,
                "reject_reason": REJECT_REASONS.get(code, ""),
                "updated_by": actor,
            },
        )
        count += 1
    return count
