"""Issue 19 (10): the catalog import judges the file by its content, normalises full-width digits,
refuses exponent notation, names the first row of a repeated code, and records every attempt."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.roles import Role
from drug_catalog.models import CatalogImport, CatalogItem
from tests.drug_catalog.test_import import HEADER, _import

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件为空"),
        (bytes(range(256)) * 10, "空字符（NUL）"),
        (b"PK\x03\x04" + b"x" * 50, "Excel 文件已损坏"),
        ((HEADER + "X1," + "名" * 131_072 + ",西药,甲\n").encode(), "单元格过长"),
    ],
    ids=["empty", "binary", "broken-xlsx", "huge-cell"],
)
def test_bad_files_are_refused_and_recorded(content, message):
    report = _import(content)
    assert report.errors and message in report.errors[0]["message"]
    assert report.record.outcome == CatalogImport.Outcome.REJECTED
    assert report.record.error_count == len(report.errors)
    assert not CatalogItem.objects.exists()


def test_full_width_digits_and_exponents():
    report = _import(
        (HEADER + "ＸＪ０１,阿莫西林,西药,甲,,１２.５,13\nXJ02,头孢,西药,乙,0.1,1e3,\n").encode()
    )
    assert [(e["row"], e["field"]) for e in report.errors] == [(3, "price_cap")]
    assert "科学计数法" in report.errors[0]["message"]
    fixed = _import((HEADER + "ＸＪ０１,阿莫西林,西药,甲,,１２.５,13\n").encode())
    assert not fixed.errors
    item = CatalogItem.objects.get()
    assert (item.code, str(item.price_cap)) == ("XJ01", "12.5000")


def test_a_repeated_code_names_its_first_row():
    report = _import((HEADER + "A1,甲药,西药,甲,,,\nB1,乙药,西药,甲,,,\nA1,丙药,西药,甲,,,\n").encode())
    assert report.errors == [{"row": 4, "field": "code", "message": "编码 A1 与第 2 行重复。"}]


def test_the_page_judges_by_content_and_keeps_the_fields(client_for, settings):
    admin = client_for(Role.ADMIN)
    data = {
        "region": "610000",
        "version_code": "SX9",
        "version_name": "测试目录",
        "effective_from": "2026-01-01",
    }
    png = SimpleUploadedFile("catalog.csv", b"\x89PNG\r\n\x1a\n\x00\x00", content_type="text/csv")
    response = admin.post("/catalog/import/", {**data, "file": png})
    html = response.content.decode()
    assert response.status_code == 400 and "空字符（NUL）" in html
    assert 'value="SX9"' in html and 'value="测试目录"' in html
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    big = SimpleUploadedFile("c.csv", b"x" * (1024 * 1024 + 1), content_type="text/csv")
    response = admin.post("/catalog/import/", {**data, "file": big})
    assert response.status_code == 400 and "上限为 1 MB" in response.content.decode()
    good = SimpleUploadedFile("c.xlsx", (HEADER + "A1,甲药,西药,甲,,,\n").encode(), content_type="text/csv")
    assert admin.post("/catalog/import/", {**data, "file": good}).status_code == 200  # a CSV named .xlsx
    assert list(CatalogImport.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "rejected",
        "applied",
    ]
    page = admin.get("/catalog/import/").content.decode()
    assert 'id="import-attempts"' in page and "1 处错误" in page


def test_a_large_catalog_is_queued_and_its_progress_polled(
    client_for, settings, django_capture_on_commit_callbacks
):
    from config.celery import app as celery_app

    settings.IMPORT_ASYNC_BYTES = 1024
    rows = "".join(f"T{n:05d},测试药品{n},西药,甲,,,\n" for n in range(1, 1201))
    upload = SimpleUploadedFile("big.csv", (HEADER + rows).encode(), content_type="text/csv")
    admin = client_for(Role.ADMIN)
    data = {
        "region": "610000",
        "version_code": "BIG",
        "version_name": "大目录",
        "effective_from": "2026-01-01",
    }
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = admin.post("/catalog/import/", {**data, "file": upload})
    record = CatalogImport.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == f"/catalog/import/{record.pk}/"
    assert record.outcome == CatalogImport.Outcome.PENDING and len(queued) == 1
    waiting = admin.get(f"/catalog/import/{record.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="load delay:1s"' in waiting and "<progress" in waiting
    celery_app.conf.task_always_eager = True
    try:
        queued[0]()
    finally:
        celery_app.conf.task_always_eager = False
    record.refresh_from_db()
    assert (record.outcome, record.items_created, record.row_count, record.content) == (
        "applied",
        1200,
        1200,
        None,
    )
    assert CatalogItem.objects.filter(version__code="BIG").count() == 1200
    done = admin.get(f"/catalog/import/{record.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-get" not in done and "新增 1200 条" in done
