"""ID numbers (python-stdnum cn.ric, cn/loc regions) and the person/certificate match (INS-1)."""

import datetime

import pytest

from insured.identity import (
    CertificateError,
    FormatKind,
    GenderCode,
    check_certificate,
    check_person_facts,
    make_ric,
)
from insured.regions import current_region, region_name

VALID = make_ric("610103", datetime.date(1980, 1, 1), 123, GenderCode.MALE)


def test_valid_number_gives_birth_date_gender_and_region():
    facts = check_certificate(FormatKind.RIC, VALID)
    assert facts.birth_date == datetime.date(1980, 1, 1)
    assert facts.gender == GenderCode.MALE
    assert facts.birth_region == "610103"


def test_wrong_check_digit():
    wrong = VALID[:-1] + ("0" if VALID[-1] != "0" else "1")
    with pytest.raises(CertificateError, match="校验位"):
        check_certificate(FormatKind.RIC, wrong)


def test_impossible_birth_date():
    first17 = "61010319800231123"  # 31 February
    from stdnum.cn import ric

    with pytest.raises(CertificateError, match="出生日期不存在"):
        check_certificate(FormatKind.RIC, first17 + ric.calc_check_digit(first17 + "0"))


def test_future_birth_date():
    number = make_ric("610103", datetime.date(2030, 1, 1), 1, GenderCode.MALE)
    with pytest.raises(CertificateError, match="晚于今天"):
        check_certificate(FormatKind.RIC, number, today=datetime.date(2026, 11, 24))


def test_unknown_region_prefix():
    number = make_ric("999999", datetime.date(1980, 1, 1), 1, GenderCode.MALE)
    with pytest.raises(CertificateError, match="地区代码"):
        check_certificate(FormatKind.RIC, number)


def test_birth_date_and_gender_mismatch():
    facts = check_certificate(FormatKind.RIC, VALID)
    errors = check_person_facts(facts, birth_date=datetime.date(1980, 1, 2), gender="2")
    assert set(errors) == {"birth_date", "gender"}
    assert "1980-01-01" in errors["birth_date"]
    assert check_person_facts(facts, birth_date=datetime.date(1980, 1, 1), gender="1") == {}


@pytest.mark.parametrize(
    ("kind", "number", "ok"),
    [
        (FormatKind.HK_MACAU_PERMIT, "H12345678", True),
        (FormatKind.HK_MACAU_PERMIT, "X12345678", False),
        (FormatKind.PASSPORT, "E12345678", True),
        (FormatKind.PASSPORT, "E1", False),
        (FormatKind.TAIWAN_PERMIT, "12345678", True),
        (FormatKind.FOREIGN_PERMANENT, "USA123456789012", True),
    ],
)
def test_other_certificate_formats(kind, number, ok):
    if ok:
        assert check_certificate(kind, number).number == number
    else:
        with pytest.raises(CertificateError):
            check_certificate(kind, number)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("120101", "天津市和平区"),
        ("610100", "陕西省西安市"),
        ("450100", "广西壮族自治区南宁市"),
        ("150400", "内蒙古自治区赤峰市"),
        ("331100", "浙江省丽水市"),
        ("350200", "福建省厦门市"),
        ("330100", "浙江省杭州市"),
    ],
)
def test_every_seed_region_is_in_the_maintained_table(code, name):
    assert current_region(code) is not None
    assert region_name(code) == name
