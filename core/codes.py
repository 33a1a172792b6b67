"""Chinese names of the national codes pages and documents show (the API keeps the codes)."""

from __future__ import annotations

# 医疗类别 (med_type)
MED_TYPE_NAMES = {
    "11": "普通门诊",
    "12": "门诊挂号",
    "13": "急诊",
    "14": "门诊慢特病",
    "21": "普通住院",
    "22": "外伤住院",
    "23": "转外诊治住院",
    "24": "急诊转住院",
    "28": "日间手术",
    "51": "生育门诊",
    "52": "生育住院",
}
# 险种类型 (insutype): the insured app's code table wins where it has the row.
INSUTYPE_NAMES = {"310": "职工基本医疗保险", "390": "城乡居民基本医疗保险", "340": "离休人员医疗保障"}
# 医保目录类别 (chrgitm_lv)
CLASS_NAMES = {"A": "甲类", "B": "乙类", "C": "丙类"}


def med_type_name(code: str) -> str:
    return MED_TYPE_NAMES.get(code or "", code or "")


def class_name(code: str) -> str:
    """甲类/乙类/丙类; a line without a class (unmapped) is 未对照."""
    return CLASS_NAMES.get(code or "", code or "未对照")
