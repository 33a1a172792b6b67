"""Roster import: validated per row, all-or-nothing, idempotent (Excel and CSV)."""

import datetime
import io

import pytest
from openpyxl import Workbook

from core.roles import Role
from insured.identity import GenderCode, make_ric
from insured.models import Enrollment, InsuredPerson, RosterImport
from insured.roster import roster_import

pytestmark = pytest.mark.django_db
HEADER = [
    "人员编号",
    "证件类型",
    "证件号码",
    "姓名",
    "联系电话",
    "参保地区划",
    "险种",
    "人员类别",
    "参保日期",
    "个人账户余额",
    "允许直接结算",
    "单位名称",
    "社保卡号",
    "卡识别码",
]


def _row(n, balance="100.00", certno=None, insutype="310"):
    certno = certno or make_ric(
        "610103", datetime.date(1970, 1, 1) + datetime.timedelta(days=n), n, GenderCode.MALE
    )
    return [
        f"61010099{n:012d}",
        "01",
        certno,
        f"导入{n}",
        "13800000000",
        "610100",
        insutype,
        "11" if insutype == "310" else "41",
        "2020-01-01",
        balance if insutype == "310" else "",
        "是",
        "某单位",
        f"B{n:011d}",
        f"SN{n:06d}",
    ]


def _csv(rows):
    lines = [",".join(HEADER)] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def _xlsx(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_clean_csv_imports_and_reimport_updates_without_duplicates():
    content = _csv([_row(1), _row(2, insutype="390")])
    first = roster_import(actor=None, content=content, filename="roster.csv")
    assert first.outcome == RosterImport.Outcome.APPLIED and first.persons_created == 2
    changed = roster_import(
        actor=None, content=_csv([_row(1, balance="555.55"), _row(2, insutype="390")]), filename="roster.csv"
    )
    assert (changed.persons_created, changed.persons_updated) == (0, 2)
    assert InsuredPerson.objects.filter(psn_no__startswith="61010099").count() == 2
    enrollment = Enrollment.objects.get(person__psn_no=_row(1)[0])
    assert str(enrollment.balance) == "555.55"
    assert Enrollment.objects.filter(person__psn_no=_row(1)[0]).count() == 1


def test_one_bad_row_imports_nothing_and_reports_row_field_message():
    bad = _row(3)
    bad[2] = bad[2][:-1] + ("0" if bad[2][-1] != "0" else "1")  # wrong check digit
    record = roster_import(actor=None, content=_xlsx([_row(1), bad, _row(4)]), filename="roster.xlsx")
    assert record.outcome == RosterImport.Outcome.REJECTED
    assert record.errors == [{"row": 3, "field": "certno", "message": "身份证号码校验位不正确，请核对证件。"}]
    assert not InsuredPerson.objects.filter(psn_no__startswith="61010099").exists()


def test_missing_columns_and_bad_values_are_listed():
    record = roster_import(actor=None, content="姓名\n张三\n".encode(), filename="x.csv")
    assert record.outcome == RosterImport.Outcome.REJECTED
    assert {e["field"] for e in record.errors} >= {"psn_no", "certno", "insutype"}
    bad = _row(5)
    bad[8] = "2020/01/01"
    bad[6] = "999"
    record = roster_import(actor=None, content=_csv([bad]), filename="x.csv")
    assert {(e["field"], e["row"]) for e in record.errors} == {("start_date", 2), ("insutype", 2)}


def test_import_page_shows_the_error_report(client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = _row(6)
    bad[6] = "999"
    upload = SimpleUploadedFile("roster.csv", _csv([bad]), content_type="text/csv")
    response = client_for(Role.OFFICE).post("/insured/import/", {"file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert "未导入任何数据" in html and "未知的险种代码 999" in html
