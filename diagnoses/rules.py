"""Pure rules over diagnosis codes: normalising a code, its fallback chain, and the RX-2 disease category.

No ORM, no services. The category ranges arrive as `CategoryRange`s read from the validity-dated
`DiseaseCategoryRange` table (seeded with RX-2's specified diseases and a default chronic/acute set).
The day-supply limits themselves are not here: they are a per-hospital profile (RX-2, seed 004).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


def icd10_category(code: str) -> str:
    """The ICD-10 category (3 characters): E11.900, E11.9 and E11 all give E11 (used by ADM-8, SET-5)."""
    return code.strip().upper().replace(".", "")[:3]


class RuleId(StrEnum):
    """Rule ids of this app; they never change meaning (RULES.md)."""

    RX_2 = "RX-2"
    DRG_1 = "DRG-1"


class DiseaseCategory(StrEnum):
    """RX-2's disease categories; a diagnosis outside every range is a general illness."""

    ACUTE = "acute"
    GENERAL = "general"
    CHRONIC = "chronic"
    SPECIFIED = "specified"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    DiseaseCategory.ACUTE: "急性病",
    DiseaseCategory.GENERAL: "一般疾病",
    DiseaseCategory.CHRONIC: "慢性病",
    DiseaseCategory.SPECIFIED: "特定病种(30天)",
}

ICD10_CATEGORY = re.compile(r"^[A-Z][0-9]{2}$")
_WHITESPACE = re.compile(r"\s+")
# The national editions write a lower-case x as placeholder and extension mark (I10.x00, J18.900x001);
# keep it as issued.
_EXTENSION_MARK = re.compile(r"(?<=[0-9.])X(?=[0-9])")
# An ICD-10 code written without its dot (E119, E11900), as some HIS send it.
_DOTLESS_ICD10 = re.compile(r"^([A-Z][0-9]{2})([0-9][0-9A-Zx]*)$")


def normalise_code(code: str) -> str:
    """A code as stored: full-width characters folded (Ｅ１１．９ from a Chinese IME), spaces removed,
    upper-case except the x extension mark, and the dot restored in a dotless ICD-10 code (E119 → E11.9)."""
    text = _WHITESPACE.sub("", unicodedata.normalize("NFKC", code or "")).upper()
    text = _EXTENSION_MARK.sub("x", text)
    return _DOTLESS_ICD10.sub(r"\1.\2", text)


def fallback_codes(code: str) -> list[str]:
    """The code, then ever shorter prefixes down to its category: E11.900 → E11.900, E11.90, E11.9, E11.

    The center's insurance edition extends the WHO codes by appending characters, so the nearest
    shorter code is the WHO code it refines. Prefixes ending in '.' or the x mark are skipped.
    """
    code = normalise_code(code)
    if "." not in code:
        return [code] if code else []
    category = code.split(".", 1)[0]
    candidates = [code]
    for end in range(len(code) - 1, len(category), -1):
        prefix = code[:end]
        if not prefix.endswith((".", "x")):
            candidates.append(prefix)
    candidates.append(category)
    return candidates


@dataclass(frozen=True)
class Rx2Category:
    """RX-2: the disease category of one diagnosis, and the specified disease's name to print."""

    category: str  # a DiseaseCategory value
    disease: str = ""  # 肝炎/结核病/精神病/恶性肿瘤/糖尿病/冠心病 for a specified disease, else ""
    range_label: str = ""  # the matching range, e.g. "E10–E14"; "" for a general illness

    @property
    def category_label(self) -> str:
        return DiseaseCategory(self.category).label


GENERAL_ILLNESS = Rx2Category(DiseaseCategory.GENERAL.value)


@dataclass(frozen=True)
class CategoryRange:
    """One row of the category table: ICD-10 categories code_from..code_to (inclusive, 3 characters)."""

    code_from: str
    code_to: str
    category: str
    disease: str = ""

    @property
    def label(self) -> str:
        return self.code_from if self.code_from == self.code_to else f"{self.code_from}–{self.code_to}"

    @property
    def width(self) -> int:
        return category_number(self.code_to) - category_number(self.code_from)

    def covers(self, category: str) -> bool:
        return self.code_from <= category <= self.code_to

    def overlaps(self, other: CategoryRange) -> bool:
        return self.code_from <= other.code_to and other.code_from <= self.code_to


def category_number(category: str) -> int:
    """A 3-character ICD-10 category as a number (A00 → 0, B19 → 119), for widths and range indexes."""
    return (ord(category[0]) - ord("A")) * 100 + int(category[1:3])


def category_for(code: str, ranges: Iterable[CategoryRange]) -> Rx2Category:
    """RX-2: the disease category of an ICD-10 code, matched by its first three characters.

    E11, E11.9 and E11.900 all fall in E10–E14 (糖尿病, specified). A code in no range, or not shaped
    like an ICD-10 code, is a general illness. Pass ICD-10 diagnoses only: a TCM code (A01.01.01.01)
    starts like one. Ranges do not overlap (the table refuses it); given overlapping plain data
    anyway, the narrowest range wins.
    """
    category = normalise_code(code)[:3]
    if not ICD10_CATEGORY.match(category):
        return GENERAL_ILLNESS
    matching = [r for r in ranges if r.covers(category)]
    if not matching:
        return GENERAL_ILLNESS
    best = min(matching, key=lambda r: (r.width, r.code_from))
    disease = best.disease if best.category == DiseaseCategory.SPECIFIED else ""
    return Rx2Category(category=str(best.category), disease=disease, range_label=best.label)


# --- DRG-1: a diagnosis must fit the patient (病案首页 / 结算清单 coding accuracy) ----------------------


@dataclass(frozen=True)
class CodeRestriction:
    """One row of the plausibility table: ICD-10 categories code_from..code_to (inclusive) only for
    one sex and/or an age window in days (P00–P96: newborns up to 28 days; O00–O99: women)."""

    code_from: str
    code_to: str
    gender: str = ""  # "1" male, "2" female, "" either
    min_age_days: int | None = None
    max_age_days: int | None = None
    reason: str = ""

    def covers(self, category: str) -> bool:
        return self.code_from <= category <= self.code_to


@dataclass(frozen=True)
class Implausible:
    """Why a code does not fit the patient, with the rule id (DRG-1)."""

    code: str
    message: str
    rule: str = RuleId.DRG_1.value


GENDER_NAMES = {"1": "男性", "2": "女性"}


def _age_text(days: int) -> str:
    return f"{days} 天" if days < 366 else f"{days // 365} 岁"


def implausible(
    code: str, *, gender: str, age_days: int, restrictions: Iterable[CodeRestriction]
) -> Implausible | None:
    """DRG-1: the first restriction the code breaks for a patient of this sex and age (in days), or None.

    P23 先天性肺炎 for a 46-year-old → "新生儿疾病编码仅用于出生 28 天内的新生儿，患者 46 岁".
    """
    category = normalise_code(code)[:3]
    if not ICD10_CATEGORY.match(category):
        return None
    for row in restrictions:
        if not row.covers(category):
            continue
        if row.gender and gender in GENDER_NAMES and gender != row.gender:
            return Implausible(
                code, f"{code}：{row.reason}，患者为{GENDER_NAMES[gender]}（{RuleId.DRG_1.value}）。"
            )
        if row.max_age_days is not None and age_days > row.max_age_days:
            return Implausible(
                code, f"{code}：{row.reason}，患者 {_age_text(age_days)}（{RuleId.DRG_1.value}）。"
            )
        if row.min_age_days is not None and age_days < row.min_age_days:
            return Implausible(
                code, f"{code}：{row.reason}，患者 {_age_text(age_days)}（{RuleId.DRG_1.value}）。"
            )
    return None
