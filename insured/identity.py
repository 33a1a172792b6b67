"""Certificate numbers (psn_cert_type / certno): pure checks, no database.

The resident identity card (居民身份证, 18 digits) is checked with python-stdnum's `cn.ric` (its ISO 7064
check digit and birth-date parsing) and its maintained `cn/loc` region table. We add what stdnum leaves
open: the birth date may not lie in the future or before 1900, and the sequence digit's parity fixes the
gender (odd = 男, even = 女).

Other certificate types have their own format check, chosen by the code table row's `format_kind`.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from enum import StrEnum

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric


class FormatKind(StrEnum):
    """How a certificate type's number is checked (a property of the psn_cert_type code table)."""

    RIC = "ric"  # 居民身份证 / 港澳台居民居住证: 18 digits, stdnum check
    HK_MACAU_PERMIT = "hk_macau_permit"  # 港澳居民来往内地通行证: H/M + 8 (or 10) digits
    TAIWAN_PERMIT = "taiwan_permit"  # 台湾居民来往大陆通行证: 8 digits (older: 10 digits)
    FOREIGN_PERMANENT = (
        "foreign_permanent"  # 外国人永久居留身份证: 3 letters + 12 digits, or 18 chars from 2023
    )
    PASSPORT = "passport"  # 护照: 5–17 letters/digits
    OTHER = "other"  # any printable number up to 50 characters

    @property
    def label(self) -> str:
        return FORMAT_LABELS[self]


FORMAT_LABELS = {
    FormatKind.RIC: "18位身份证号码（含校验位）",
    FormatKind.HK_MACAU_PERMIT: "H/M 开头加 8 位或 10 位数字",
    FormatKind.TAIWAN_PERMIT: "8 位或 10 位数字",
    FormatKind.FOREIGN_PERMANENT: "3 位字母加 12 位数字，或以 9 开头的 18 位",
    FormatKind.PASSPORT: "5–17 位字母或数字",
    FormatKind.OTHER: "不超过 50 个字符",
}

_PATTERNS = {
    FormatKind.HK_MACAU_PERMIT: re.compile(r"^[HM]\d{8}(\d{2})?$"),
    FormatKind.TAIWAN_PERMIT: re.compile(r"^\d{8}(\d{2})?$"),
    FormatKind.FOREIGN_PERMANENT: re.compile(r"^([A-Z]{3}\d{12}|9\d{16}[\dX])$"),
    FormatKind.PASSPORT: re.compile(r"^[A-Z0-9]{5,17}$"),
    FormatKind.OTHER: re.compile(r"^\S.{0,49}$"),
}

EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)


class GenderCode(StrEnum):
    """National gend code (1101 baseinfo.gend)."""

    MALE = "1"
    FEMALE = "2"


GENDER_LABELS = {GenderCode.MALE: "男", GenderCode.FEMALE: "女"}


class CertificateError(ValueError):
    """A certificate number failed its check; `message` is Chinese, `field` the offending input."""

    def __init__(self, message: str, *, field: str = "certno") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class CertificateFacts:
    """What a valid number tells about its holder (RIC only; None for other types)."""

    number: str
    birth_date: datetime.date | None = None
    gender: GenderCode | None = None
    birth_region: str | None = None


def normalise(number: str) -> str:
    return re.sub(r"[\s-]", "", number or "").upper()


def check_certificate(
    kind: FormatKind | str, number: str, *, today: datetime.date | None = None
) -> CertificateFacts:
    """Check `number` against the format of `kind`; return what it tells, or raise CertificateError."""
    kind = FormatKind(kind)
    number = normalise(number)
    if not number:
        raise CertificateError("证件号码不能为空。")
    if kind == FormatKind.RIC:
        return check_ric(number, today=today)
    if not _PATTERNS[kind].match(number):
        raise CertificateError(f"证件号码格式不正确，应为{kind.label}。")
    return CertificateFacts(number=number)


def check_ric(number: str, *, today: datetime.date | None = None) -> CertificateFacts:
    """Resident identity card: length, check digit, real and plausible birth date, known region prefix.

    stdnum's own `ric.validate` also demands that the region code was already assigned in the birth
    year; but a number is issued years after birth with the code current then (a person born 1980 in
    碑林区 holds 610103…, a code from 1983). We therefore accept a region code from stdnum's `cn/loc`
    table that was still in use in or after the birth year.
    """
    from insured.regions import region_versions

    number = normalise(number)
    today = today or datetime.date.today()
    if len(number) != 18:
        raise CertificateError("身份证号码应为 18 位。")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise CertificateError("身份证号码前 17 位必须是数字，末位为数字或 X。")
    if number[-1] != ric.calc_check_digit(number):
        raise CertificateError("身份证号码校验位不正确，请核对证件。")
    try:
        birth_date = ric.get_birth_date(number)
    except stdnum_errors.InvalidComponent as exc:
        raise CertificateError("身份证号码中的出生日期不存在。") from exc
    if birth_date > today:
        raise CertificateError("身份证号码中的出生日期晚于今天。")
    if birth_date < EARLIEST_BIRTH_DATE:
        raise CertificateError("身份证号码中的出生日期早于 1900 年，不可能。")
    versions = region_versions(number[:6])
    if not any(v.end_year is None or v.end_year >= birth_date.year for v in versions):
        raise CertificateError("身份证号码的地区代码（前 6 位）不存在。")
    gender = GenderCode.MALE if int(number[16]) % 2 == 1 else GenderCode.FEMALE
    return CertificateFacts(number=number, birth_date=birth_date, gender=gender, birth_region=number[:6])


def check_person_facts(
    facts: CertificateFacts, *, birth_date: datetime.date | None, gender: str | None
) -> dict[str, str]:
    """Stated birth date and gender against the ID number; returns {field: Chinese message} of mismatches."""
    errors: dict[str, str] = {}
    if facts.birth_date and birth_date and birth_date != facts.birth_date:
        errors["birth_date"] = (
            f"出生日期 {birth_date:%Y-%m-%d} 与身份证号码中的 {facts.birth_date:%Y-%m-%d} 不一致。"
        )
    if facts.gender and gender and str(gender) != facts.gender:
        expected = GENDER_LABELS[facts.gender]
        errors["gender"] = f"性别与身份证号码不一致（号码第 17 位表示{expected}）。"
    return errors


def ric_check_digit(first17: str) -> str:
    """The check digit for 17 digits (used by the demo data and the tests to build valid numbers)."""
    return ric.calc_check_digit(first17 + "0")


def make_ric(region: str, birth_date: datetime.date, sequence: int, gender: GenderCode) -> str:
    """A valid 18-digit number: `region`, `birth_date`, a 3-digit sequence whose parity matches `gender`."""
    sequence = sequence % 1000
    if (sequence % 2 == 1) != (gender == GenderCode.MALE):
        sequence = (sequence + 1) % 1000
    first17 = f"{region}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + ric_check_digit(first17)
