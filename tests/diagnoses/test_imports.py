"""The center's code-table files: per-row validation, all-or-nothing, idempotent by digest, dated editions."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from core.errors import DomainError
from diagnoses import selectors
from diagnoses.models import CodeTableImport, DiagnosisCode
from diagnoses.services import code_table_import

pytestmark = pytest.mark.django_db
EDITION = datetime.date(2026, 1, 1)
JUNE = datetime.date(2026, 6, 1)
ICD10_HEADER = "诊断代码,诊断名称,类目代码,类目名称,备注"
ICD10_ROWS = [
    "E11,2型糖尿病,E11,2型糖尿病,",
    "E11.900,2型糖尿病不伴有并发症,E11,2型糖尿病,",
    "E11.901,2型糖尿病性酮症,E11,2型糖尿病,",
    "I10.x00,原发性高血压,I10,特发性（原发性）高血压,",
]


def _csv(*rows, header=ICD10_HEADER) -> bytes:
    return "\n".join([header, *rows, ""]).encode()


def _import(content, kind="icd10", start=EDITION, filename="icd10.csv"):
    return code_table_import(actor=None, content=content, filename=filename, kind=kind, effective_from=start)


def test_center_file_is_imported_with_counts():
    report = _import(_csv(*ICD10_ROWS))
    record = report.record
    assert not report.errors and not report.unchanged
    assert (record.outcome, record.row_count, record.created_count) == ("applied", 4, 4)
    code = DiagnosisCode.objects.get(code="E11.900")
    assert (code.name, code.category_code, code.source, code.effective_from) == (
        "2型糖尿病不伴有并发症",
        "E11",
        "center",
        EDITION,
    )
    assert (code.name_pinyin, code.name_initials) == ("xingtangniaobingbubanyoubingfazheng", "xtnbbbybfz")
    assert DiagnosisCode.objects.get(code="I10.x00").name == "原发性高血压"


def test_a_bad_row_rejects_the_whole_file_with_row_numbers():
    content = _csv(
        ICD10_ROWS[0],
        "E11.900,,E11,2型糖尿病,",  # row 3: no name
        "11E.9,错误编码,,,",  # row 4: not an ICD-10 code
        "E12.000,营养不良相关性糖尿病,E11,2型糖尿病,",  # row 5: category of another code
        "e11,2型糖尿病（重复）,,,",  # row 6: E11 again
        "E1#,非法字符,,,",  # row 7
    )
    report = _import(content)
    assert report.errors == [
        {"row": 3, "field": "诊断名称", "message": "诊断名称：必填。"},
        {
            "row": 4,
            "field": "诊断代码",
            "message": "诊断代码：编码 11E.9 应以 3 位 ICD-10 类目开头，如 E11.900。",
        },
        {"row": 5, "field": "类目代码", "message": "类目代码：类目 E11 与编码 E12.000 不符。"},
        {"row": 6, "field": "诊断代码", "message": "诊断代码：编码 E11 与第 2 行重复。"},
        {"row": 7, "field": "诊断代码", "message": "诊断代码：编码 E1# 含有不允许的字符。"},
    ]
    assert not DiagnosisCode.objects.exists()
    rejected = CodeTableImport.objects.get()
    assert (rejected.outcome, rejected.error_count, rejected.row_count) == ("rejected", 5, 6)


def test_missing_columns_and_empty_files_are_reported():
    assert _import(b"code,name\nE11,x\n").errors == [
        {"row": 1, "field": "诊断代码", "message": "缺少必需的列：诊断代码/diag_code"},
        {"row": 1, "field": "诊断名称", "message": "缺少必需的列：诊断名称/diag_name"},
    ]
    assert _import(_csv()).errors == [{"row": 1, "field": "", "message": "文件中没有编码。"}]


def test_the_same_file_again_writes_nothing():
    first = _import(_csv(*ICD10_ROWS))
    stamps = dict(DiagnosisCode.objects.values_list("code", "updated_at"))
    again = _import(_csv(*ICD10_ROWS))
    assert again.unchanged and again.record == first.record
    assert dict(DiagnosisCode.objects.values_list("code", "updated_at")) == stamps
    assert CodeTableImport.objects.count() == 1


def test_a_corrected_file_updates_in_place_and_drops_missing_codes():
    _import(_csv(*ICD10_ROWS))
    corrected = _csv(ICD10_ROWS[0], "E11.900,2型糖尿病不伴并发症,E11,2型糖尿病,更正名称", ICD10_ROWS[3])
    record = _import(corrected).record
    assert (record.created_count, record.updated_count, record.unchanged_count, record.removed_count) == (
        0,
        1,
        2,
        1,
    )
    assert DiagnosisCode.objects.get(code="E11.900").note == "更正名称"
    assert not DiagnosisCode.objects.filter(code="E11.901").exists()
    assert DiagnosisCode.objects.count() == 3  # never duplicated


def test_a_new_edition_closes_the_older_one_on_its_start():
    _import(_csv(*ICD10_ROWS), start=datetime.date(2025, 1, 1))
    newer = _import(_csv("E11,2型糖尿病,,,", "E11.900,2型糖尿病不伴有并发症（新版）,,,"), start=EDITION)
    assert newer.record.closed_count == 4
    old = selectors.lookup(["E11.900", "E11.901"], on_date=datetime.date(2025, 12, 31))
    new = selectors.lookup(["E11.900", "E11.901"], on_date=EDITION)
    assert old["E11.900"].name == "2型糖尿病不伴有并发症" and old["E11.901"].code == "E11.901"
    assert new["E11.900"].name.endswith("（新版）")
    assert new["E11.901"].code == "E11"  # not in the new edition: the nearest code it has


def test_an_older_edition_imported_later_ends_where_the_newer_begins():
    _import(_csv(*ICD10_ROWS), start=EDITION)
    _import(_csv("E11,2型糖尿病,,,"), start=datetime.date(2025, 1, 1))
    older = DiagnosisCode.objects.get(code="E11", effective_from=datetime.date(2025, 1, 1))
    assert older.effective_to == EDITION
    assert DiagnosisCode.objects.get(code="E11", effective_from=EDITION).effective_to is None


def test_a_center_edition_must_start_after_the_bootstrap():
    with pytest.raises(DomainError) as refused:
        _import(_csv(*ICD10_ROWS), start=datetime.date(2000, 1, 1))
    assert refused.value.code == "edition_too_early"


def test_icd9cm3_file_derives_the_category():
    header = "手术操作代码,手术操作名称,备注"
    report = _import(
        _csv("36.1001,主动脉-冠状动脉旁路移植术,", "36.0600x001,冠状动脉支架置入术,", header=header),
        kind="icd9cm3",
    )
    assert not report.errors
    stent = DiagnosisCode.objects.get(code="36.0600x001")
    assert (stent.kind, stent.category_code) == ("icd9cm3", "36")
    bad = _import(_csv("E11.9,不是手术编码,", header=header), kind="icd9cm3", start=JUNE)
    assert bad.errors[0]["message"] == "手术操作代码：编码 E11.9 应以 2 位数字类目开头，如 36.1001。"


def test_tcm_file_splits_diseases_and_syndromes():
    header = "病证代码,病证名称,病证类别(病/证)"
    report = _import(
        _csv("A01.01.01.01.,感冒,病", "B01.01.01.,风寒束表证,证", "A04.02.01.,消渴病,", header=header),
        kind="tcm_disease",
        filename="tcm.csv",
    )
    assert not report.errors
    kinds = dict(DiagnosisCode.objects.values_list("code", "kind"))
    assert kinds == {
        "A01.01.01.01.": "tcm_disease",
        "B01.01.01.": "tcm_syndrome",
        "A04.02.01.": "tcm_disease",
    }
    bad = _import(_csv("A01.01.01.01.,感冒,症", header=header), kind="tcm_disease", start=JUNE)
    assert bad.errors == [
        {"row": 2, "field": "病证类别", "message": "病证类别：应为“病”或“证”，而不是“症”。"}
    ]


def test_xlsx_file():
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["诊断代码", "诊断名称", "类目代码", "类目名称", "备注"])
    sheet.append(["E11.900", "2型糖尿病不伴有并发症", "E11", "2型糖尿病", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = _import(buffer.getvalue(), filename="icd10.xlsx")
    assert not report.errors and DiagnosisCode.objects.get().code == "E11.900"


def test_import_code_table_command(tmp_path):
    path = tmp_path / "icd10.csv"
    path.write_bytes(_csv(*ICD10_ROWS))
    out = io.StringIO()
    call_command("import_code_table", str(path), kind="icd10", effective_from=EDITION, stdout=out)
    assert "新增 4" in out.getvalue()
    call_command("import_code_table", str(path), kind="icd10", effective_from=EDITION, stdout=out)
    assert "未作改动" in out.getvalue()
    path.write_bytes(_csv("E11.900,,,,"))
    err = io.StringIO()
    with pytest.raises(CommandError, match="共 1 处错误"):
        call_command("import_code_table", str(path), kind="icd10", effective_from=JUNE, stderr=err)
    assert "第 2 行：诊断名称：必填。" in err.getvalue()


def test_lookup_falls_back_to_the_nearest_shorter_code():
    _import(_csv("E11,2型糖尿病,,,", "E11.9,2型糖尿病不伴有并发症,,,"))
    found = selectors.lookup(["E11.900", "E11.9", "e11", "E12.000", "E11.0"], on_date=JUNE)
    assert {code: row.code for code, row in found.items()} == {
        "E11.900": "E11.9",
        "E11.9": "E11.9",
        "e11": "E11",
        "E11.0": "E11",
    }
    assert selectors.lookup(["E11.900"], on_date=datetime.date(2025, 12, 31)) == {}
    assert selectors.lookup("E11.900", on_date=JUNE)["E11.900"].code == "E11.9"  # a lone string


def test_lookup_is_one_query(django_assert_num_queries):
    _import(_csv(*ICD10_ROWS))
    with django_assert_num_queries(1):
        found = selectors.lookup(["E11.900", "E11.999", "I10.x00", "Z99"], on_date=JUNE)
    assert sorted(found) == ["E11.900", "E11.999", "I10.x00"]
