"""Issue 19 (10): roster imports that scale and explain.

Files judged by content before parsing (junk, NUL, an over-long cell, empty, too large); a psn_no
repeated within a file refused with both rows; full-width digits read as ASCII; every attempt
recorded; the API answers refusals in the one error shape; a 20,000-row file runs as a Celery task
whose progress reaches 100 % and whose report names the planted bad rows."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from config.celery import app as celery_app
from core.roles import Role
from insured import roster
from insured.models import InsuredPerson, RosterImport
from insured.roster import roster_import
from tests.insured.test_roster import HEADER, _csv, _row, _xlsx

pytestmark = pytest.mark.django_db
KEYS = {"code", "message", "rule", "errors"}
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.fixture
def eager_celery():
    """Tasks run in-process (as the worker would run them), queued after the commit."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def _refusal(content: bytes, filename="roster.csv") -> RosterImport:
    record = roster_import(actor=None, content=content, filename=filename)
    assert record.outcome == RosterImport.Outcome.REJECTED
    assert not InsuredPerson.objects.filter(psn_no__startswith="61010099").exists()
    return record


@pytest.mark.parametrize(
    ("content", "row", "message"),
    [
        (b"", 0, "文件为空"),
        (bytes(range(256)) * 40, 1, "空字符（NUL）"),  # binary junk
        (b"\x89PNG\r\n\x1a\n" + b"\x01\x02" * 500, 2, "控制字符（U+001A）"),
        (b"PK\x03\x04" + b"junk" * 100, 0, "Excel 文件已损坏"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, 0, "不支持旧版 Excel（.xls）"),
        (",".join(HEADER).encode() + b"\n", 1, "文件中没有数据行"),
    ],
    ids=["empty", "binary", "png", "broken-xlsx", "xls", "header-only"],
)
def test_files_refused_by_content_with_a_chinese_reason(content, row, message):
    record = _refusal(content)
    assert record.error_count == 1
    assert record.errors[0]["row"] == row and message in record.errors[0]["message"]


def test_a_nul_byte_names_its_line():
    content = _csv([_row(1), _row(2)]).replace("导入2".encode(), "导入\x002".encode())
    record = _refusal(content)
    assert record.errors == [
        {"row": 3, "field": "", "message": "第 3 行含有空字符（NUL），不是文本文件；请上传 .xlsx 或 CSV。"}
    ]


def test_a_131072_character_cell_is_a_row_error_not_a_500():
    bad = _row(2)
    bad[3] = "名" * 131_072
    record = _refusal(_csv([_row(1), bad]))
    assert record.errors == [{"row": 3, "field": "name", "message": "单元格过长（131072 字，上限 1000）。"}]


def test_a_repeated_psn_no_or_certificate_in_one_file_is_refused_with_both_rows():
    first, again = _row(1), _row(2)
    again[0] = first[0]  # same psn_no, another person
    twin = _row(3)
    twin[2] = _row(4)[2]  # a certificate number that row 5 carries too
    record = _refusal(_csv([first, _row(5), again, twin, _row(4)]))
    assert [(e["row"], e["field"]) for e in record.errors] == [(4, "psn_no"), (6, "certno")]
    assert "与第 2 行重复" in record.errors[0]["message"]
    assert "与第 5 行重复" in record.errors[1]["message"]


def test_full_width_digits_update_the_same_person_instead_of_making_a_second():
    assert roster_import(actor=None, content=_csv([_row(7)]), filename="a.csv").persons_created == 1
    wide = [
        cell.translate(FULL_WIDTH) if i in (0, 2, 5, 6, 7, 8, 9) else cell for i, cell in enumerate(_row(7))
    ]
    wide[9] = "２００.５０"
    record = roster_import(actor=None, content=_csv([wide]), filename="b.csv")
    assert record.outcome == RosterImport.Outcome.APPLIED
    assert (record.persons_created, record.persons_updated) == (0, 1)
    assert InsuredPerson.objects.filter(psn_no__startswith="61010099").count() == 1
    assert str(InsuredPerson.objects.get(psn_no=_row(7)[0]).enrollments.get().balance) == "200.50"


def test_an_xlsx_named_csv_is_read_by_its_content():
    record = roster_import(actor=None, content=_xlsx([_row(8)]), filename="roster.csv")
    assert record.outcome == RosterImport.Outcome.APPLIED and record.persons_created == 1


def test_bounds_of_values_are_row_errors():
    long_name = _row(9)
    long_name[3] = "名" * 51
    huge_balance = _row(10)
    huge_balance[9] = "1e3"
    bad_date = _row(11)
    bad_date[8] = "0001-01-01"
    record = _refusal(_csv([long_name, huge_balance, bad_date]))
    assert [(e["row"], e["field"]) for e in record.errors] == [(2, "name"), (3, "balance"), (4, "start_date")]


def test_every_attempt_is_recorded_refusals_included(client_for):
    office = client_for(Role.OFFICE)
    before = RosterImport.objects.count()
    junk = SimpleUploadedFile("junk.csv", bytes(range(256)) * 4, content_type="text/csv")
    response = office.post("/insured/import/", {"file": junk})
    html = response.content.decode()
    assert response.status_code == 400 and "空字符（NUL）" in html
    good = SimpleUploadedFile("ok.csv", _csv([_row(12)]), content_type="text/csv")
    assert office.post("/insured/import/", {"file": good}).status_code == 200
    assert list(RosterImport.objects.order_by("pk").values_list("outcome", flat=True)[before:]) == [
        "rejected",
        "applied",
    ]


def test_empty_and_too_large_uploads_are_field_errors_with_the_limit(client_for, settings):
    office = client_for(Role.OFFICE)
    empty = office.post("/insured/import/", {"file": SimpleUploadedFile("e.csv", b"")})
    assert empty.status_code == 400 and "文件为空" in empty.content.decode()
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.csv", b"a," * (600 * 1024), content_type="text/csv")
    response = office.post("/insured/import/", {"file": big})
    assert response.status_code == 400 and "上限为 1 MB" in response.content.decode()


def test_api_refusals_use_the_one_error_shape(client_for):
    office = client_for(Role.OFFICE)
    for content in (b"", bytes(range(256)), _csv([_row(13), _row(13)])):
        upload = SimpleUploadedFile("r.csv", content, content_type="text/csv")
        response = office.post("/api/v1/insured/roster-imports/", {"file": upload})
        body = response.json()
        assert response.status_code == 400, content[:20]
        assert set(body) == KEYS and "ErrorDetail" not in str(body)
        assert body["errors"] and all(isinstance(m, str) for ms in body["errors"].values() for m in ms)
    assert body["code"] == "import_rejected"
    repeated = "与第 2 行重复（同一文件中每人只能出现一次）。"
    assert body["errors"] == {
        "rows.3.psn_no": [f"{_row(13)[0]} {repeated}"],
        "rows.3.certno": [f"{_row(13)[2]} {repeated}"],
    }


def test_a_large_file_is_queued_and_the_page_polls_its_progress(
    client_for, settings, eager_celery, django_capture_on_commit_callbacks
):
    settings.IMPORT_ASYNC_BYTES = 1024
    office = client_for(Role.OFFICE)
    upload = SimpleUploadedFile("big.csv", _csv([_row(n) for n in range(20, 40)]), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = office.post("/insured/import/", {"file": upload})
    record = RosterImport.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == f"/insured/import/{record.pk}/"
    assert record.outcome == RosterImport.Outcome.PENDING and len(queued) == 1
    waiting = office.get(f"/insured/import/{record.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="load delay:1s"' in waiting and "<progress" in waiting and "排队中" in waiting
    assert office.get("/insured/persons/").status_code == 200  # the page stays usable meanwhile
    queued[0]()  # the commit: the task runs (eagerly, as a worker would)
    record.refresh_from_db()
    assert (record.outcome, record.persons_created, record.content) == ("applied", 20, None)
    done = office.get(f"/insured/import/{record.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-get" not in done and 'value="100"' in done and "新增 20 人" in done


def test_20000_rows_run_as_a_task_to_100_percent_with_row_errors(
    client_for, eager_celery, django_capture_on_commit_callbacks, monkeypatch
):
    """The 2.9 MB roster of the issue: queued, checked row by row with progress, planted bad rows reported
    by row number; nothing written (all-or-nothing)."""
    rows = [_row(n) for n in range(1, 20_001)]
    rows[99][8] = "2020/01/01"  # file row 101: a date in the wrong format
    rows[4_999][6] = "999"  # file row 5,001: an unknown insurance type
    rows[19_999][0] = rows[0][0]  # file row 20,001: the psn_no of row 2 again
    content = _csv(rows)
    assert len(content) > 2_000_000
    reported: list[tuple[int, int]] = []
    original = roster._report

    def spy(record, done, total):
        reported.append((done, total))
        original(record, done, total)

    monkeypatch.setattr(roster, "_report", spy)
    upload = SimpleUploadedFile("roster-20000.csv", content, content_type="text/csv")
    office = client_for(Role.OFFICE)
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post("/insured/import/", {"file": upload})
    record = RosterImport.objects.latest("pk")
    assert response.status_code == 302
    assert record.outcome == RosterImport.Outcome.REJECTED and record.row_count == 20_000
    assert [(e["row"], e["field"]) for e in record.errors] == [
        (101, "start_date"),
        (5_001, "insutype"),
        (20_001, "psn_no"),
    ]
    # Progress was reported as the rows were checked, in order, up to every row.
    assert [done for done, _ in reported] == sorted(done for done, _ in reported)
    assert reported[-1] == (20_000, 20_000) and len(reported) >= 100
    assert roster.progress(record)["percent"] == 100
    page = office.get(f"/insured/import/{record.pk}/").content.decode()
    assert "错误明细（3 处，未导入）" in page and '<td class="num">5001</td>' in page
    api = office.get(f"/api/v1/insured/roster-imports/{record.pk}/")
    assert (
        api.status_code == 400 and set(api.json()) == KEYS and "rows.101.start_date" in api.json()["errors"]
    )
    assert not InsuredPerson.objects.filter(psn_no__startswith="61010099").exists()
