"""Audit pages: the permission matrix, the queue's filters and bulk action, bad input kept with Chinese
errors (never a 5xx), Excel export, and the office → doctor journey in a real browser."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.test import Client

from audit import engine
from audit.models import AuditJob, AuditRule, DoctorPointEntry, Finding
from core.roles import Role
from tests.audit.factories import END, START, absent, at, charge, make_stay, make_world
from tests.browser import login
from tests.factories import TEST_PASSWORD, UserFactory
from tests.matrix import Endpoint, check_access, matrix_cases

OFFICE = {Role.OFFICE, Role.ADMIN}
ENDPOINTS = [
    Endpoint("GET", "/audit/", allowed=OFFICE, kind="page"),
    Endpoint("GET", "/audit/jobs/", allowed=OFFICE, kind="page"),
    Endpoint("GET", "/audit/points/", allowed=OFFICE, kind="page"),
    Endpoint("GET", "/audit/indicators/", allowed=OFFICE, kind="page"),
    Endpoint("GET", "/audit/indicators.xlsx", allowed=OFFICE, kind="page"),
    Endpoint("GET", "/audit/my-points/", allowed=OFFICE | {Role.DOCTOR}, kind="page"),
]


@pytest.mark.parametrize(("endpoint", "who"), matrix_cases(ENDPOINTS))
@pytest.mark.django_db
def test_aud_page_permission_matrix(endpoint, who, client_for):
    check_access(client_for(who), endpoint, who)


def _findings():
    w = make_world()
    stay = make_stay(w)
    charge(w, stay, "H-BED", at(5))
    charge(w, stay, "H-BED", at(5))
    absent(stay, at(6))
    absent(stay, at(7))
    for code in ("FEE-3", "ADM-5", "FEE-1"):
        engine.insert_findings(AuditRule.objects.get(code=code), start=START, end=END)
    return w, stay


def _office_client():
    client = Client()
    client.force_login(UserFactory(username="office_p", roles=[Role.OFFICE]))
    return client


@pytest.mark.django_db
def test_aud_4_queue_filters_and_bulk_dismiss_needs_reason():
    _findings()
    client = _office_client()
    page = client.get("/audit/", {"status": "open", "level": "definite", "rule": "FEE-3"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "FEE-3 重复收费：" in text and "ADM-5 挂床住院：" not in text
    assert client.get("/audit/", {"min_amount": "-1", "date_from": "x"}).status_code == 200
    ids = list(Finding.objects.filter(rule_id="FEE-1").values_list("pk", flat=True))
    refused = client.post("/audit/?status=open", {"action": "dismiss", "reason": "", "ids": ids})
    assert refused.status_code == 200 and "排除须填写理由" in refused.content.decode()
    done = client.post("/audit/?status=open", {"action": "dismiss", "reason": "已按自付处理", "ids": ids})
    assert done.status_code == 302
    assert set(Finding.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"dismissed"}


@pytest.mark.django_db
def test_aud_4_finding_page_confirm_with_bad_amount_keeps_input():
    w, _stay = _findings()
    finding = Finding.objects.get(rule_id="FEE-3")
    client = _office_client()
    page = client.get(f"/audit/findings/{finding.pk}/")
    assert "证据" in page.content.decode() and "床位费（三人间）" in page.content.decode()
    bad = client.post(f"/audit/findings/{finding.pk}/", {"action": "confirm", "deducted_amount": "99"})
    assert bad.status_code == 200 and "扣减金额须在 0 与涉及金额 40.00 元之间" in bad.content.decode()
    assert (
        client.post(
            f"/audit/findings/{finding.pk}/", {"action": "confirm", "deducted_amount": "abc"}
        ).status_code
        == 200
    )
    ok = client.post(f"/audit/findings/{finding.pk}/", {"action": "confirm", "deducted_amount": "40"})
    assert ok.status_code == 302
    notice = client.get(f"/audit/findings/{finding.pk}/notice/")
    assert "稽核情况告知书" in notice.content.decode() and "40.00" in notice.content.decode()
    # A doctor cannot decide, and sees only his own findings.
    doctor_user = UserFactory(username="doc_p", roles=[Role.DOCTOR])
    doctor_client = Client()
    doctor_client.force_login(doctor_user)
    assert doctor_client.get(f"/audit/findings/{finding.pk}/").status_code == 404
    w.doctor.user = doctor_user
    w.doctor.save()
    assert doctor_client.get(f"/audit/findings/{finding.pk}/").status_code == 200
    assert (
        doctor_client.post(f"/audit/findings/{finding.pk}/", {"action": "appeal", "text": "x"}).status_code
        == 403
    )


@pytest.mark.django_db
def test_aud_2_start_now_runs_the_batch(django_capture_on_commit_callbacks):
    from config.celery import app

    _findings()
    client = _office_client()
    bad = client.post("/audit/jobs/", {"period_start": "2026-03-31", "period_end": "2026-03-01"})
    assert "截止日期不能早于起始日期" in bad.content.decode()
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/audit/jobs/", {"period_start": "2026-03-01", "period_end": "2026-03-31"})
    finally:
        app.conf.task_always_eager = False
    job = AuditJob.objects.get()
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == AuditJob.Status.DONE
    page = client.get(f"/audit/jobs/{job.pk}/").content.decode()
    assert f"{job.chunks.count()}/{job.chunks.count()}" in page
    assert Finding.objects.filter(rule_id="ADM-5").count() == 1


@pytest.mark.django_db
def test_aud_6_indicators_excel_export():
    from openpyxl import load_workbook

    w = make_world()
    stay = make_stay(w, admitted=at(2), discharged=at(6))
    charge(w, stay, "H-CT", at(3))
    response = _office_client().get("/audit/indicators.xlsx", {"start": "2026-03-01", "end": "2026-03-31"})
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:4] == ("月份", "科室", "医疗费用", "出院人次")
    assert rows[1][:4] == ("2026-03", "心血管内科", 150, 1)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_aud_5_office_confirms_and_the_doctors_points_change(page, live_server, artifacts_dir):
    """Office opens the queue, reads the evidence, confirms; the doctor's points go from 0 to 2 (FEE-3)."""
    w, _stay = _findings()
    doctor_user = UserFactory(username="doc_journey", roles=[Role.DOCTOR])
    w.doctor.user = doctor_user
    w.doctor.save()
    UserFactory(username="office_journey", roles=[Role.OFFICE])
    finding = Finding.objects.get(rule_id="FEE-3")

    login(page, live_server, "office_journey", TEST_PASSWORD)
    page.goto(f"{live_server.url}/audit/")
    page.select_option("#id_rule", "FEE-3")
    page.click("text=筛选")
    page.click("#finding-table a:has-text('FEE-3 重复收费')")
    page.wait_for_url(f"**/audit/findings/{finding.pk}/")
    assert page.locator("#evidence-lines tbody tr").count() == 2
    assert "FEE-3 重复收费" in page.locator("#explanation").inner_text()
    page.screenshot(path=str(artifacts_dir / "audit-finding-evidence.png"), full_page=True)
    page.fill("#id_deducted_amount", "40.00")
    page.fill("#id_reason", "同一时间重复计费属实")
    page.click("#confirm-form button")
    page.wait_for_selector("#finding-status:has-text('确认违规')")
    assert DoctorPointEntry.objects.get(finding=finding).points == 2

    page.context.clear_cookies()
    login(page, live_server, "doc_journey", TEST_PASSWORD)
    page.goto(f"{live_server.url}/audit/my-points/")
    assert page.locator("#points-total").inner_text() == "2"
    assert "FEE-3" in page.locator("#point-entries").inner_text()
    page.screenshot(path=str(artifacts_dir / "audit-doctor-points.png"), full_page=True)


@pytest.mark.django_db
def test_aud_pages_render_with_data_and_bad_input_never_5xx():
    from audit import batch, services

    w, _stay = _findings()
    finding = Finding.objects.get(rule_id="FEE-3")
    services.finding_confirm(actor=None, finding=finding, deducted_amount=finding.amount)
    job = batch.job_run_inline(batch.job_create(period_start=START, period_end=START, rules=["FEE-3"]))
    client = _office_client()
    for url in (
        "/audit/",
        "/audit/?status=&level=high&department=999999&min_amount=abc",
        f"/audit/findings/{finding.pk}/",
        f"/audit/findings/{finding.pk}/notice/",
        "/audit/jobs/",
        f"/audit/jobs/{job.pk}/",
        "/audit/points/",
        "/audit/indicators/?start=2026-03-01&end=2026-03-31",
        "/audit/indicators/?start=x&end=2026-01-01",
        "/home/office/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    for data in (
        {"action": "exam", "practitioner": "x", "exam_on": "bad"},
        {"action": "measure_appeal", "measure": "999999"},
        {"action": "nonsense"},
    ):
        assert client.post("/audit/points/", data).status_code in (200, 302, 404)
    for data in ({"action": "appeal", "text": ""}, {"action": "recheck", "decision": "x"}, {"action": "?"}):
        assert client.post(f"/audit/findings/{finding.pk}/", data).status_code in (200, 302)
    assert "医师积分" in client.get("/audit/points/").content.decode()
    assert w.doctor.name in client.get("/audit/points/").content.decode()


@pytest.mark.django_db
def test_aud_2_stay_check_page_shows_the_in_process_hits():
    """事中: the clerk sees the duplicate (FEE-3) and the ghost bed (ADM-5) on the stay before any batch."""
    w = make_world()
    stay = make_stay(w)
    charge(w, stay, "H-BED", at(5))
    charge(w, stay, "H-BED", at(5))
    absent(stay, at(6))
    absent(stay, at(7))
    clerk = Client()
    clerk.force_login(UserFactory(username="clerk_check", roles=[Role.CLERK]))
    text = clerk.get(f"/audit/stays/{stay.pk}/check/").content.decode()
    assert "FEE-3 重复收费：" in text and "ADM-5 挂床住院：" in text
    assert not Finding.objects.exists()  # nothing saved: the batch owns the queue
    nurse = Client()
    nurse.force_login(UserFactory(username="nurse_check", roles=[Role.NURSE]))
    assert nurse.get(f"/audit/stays/{stay.pk}/check/").status_code == 403
