"""Catalog test data: a small catalog version in force for the hospital's province, hospital items."""

import datetime
from decimal import Decimal

import factory

from drug_catalog import selectors
from drug_catalog.models import HospitalItem
from drug_catalog.services import catalog_import

HEADER = "医保目录编码,名称,类别,医保类别,规格\n"
NATIONAL = [
    ("XJ01CAA040A00100000", "阿莫西林胶囊", "western", "A", "0.25g*24粒"),
    ("XJ01CAA040A00100100", "阿莫西林胶囊", "western", "A", "0.5g*12粒"),
    ("XA10BAA005A00100000", "盐酸二甲双胍缓释片", "western", "A", "0.5g*30片"),
    ("001102000010000", "床位费", "service", "A", "日"),
]


def make_catalog(*, effective_from=datetime.date(2020, 1, 1)):
    """The province's catalog in force today, with the items above."""
    content = HEADER + "".join(",".join(row) + "\n" for row in NATIONAL)
    report = catalog_import(
        actor=None,
        content=content.encode(),
        filename="national.csv",
        region=selectors.catalog_region(),
        version_code="T2020",
        version_name="测试目录",
        effective_from=effective_from,
    )
    assert not report.errors, report.errors
    return report.version


class HospitalItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HospitalItem

    medins_list_codg = factory.Sequence(lambda n: f"YN{n:06d}")
    name = factory.Sequence(lambda n: f"院内项目{n}")
    specification = "0.25g*24粒"
    price = Decimal("12.5000")
