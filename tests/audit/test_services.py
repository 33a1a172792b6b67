"""Batches (chunks, resume after a killed chunk, idempotence), the review flow (AUD-4), doctor points and
measures at their thresholds (AUD-5) and the indicators on a small known dataset (AUD-6)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from audit import batch, engine, selectors, services
from audit.models import AuditChunk, AuditJob, DoctorMeasure, DoctorPointEntry, Finding
from core.errors import ConflictError, DomainError
from tests.audit.factories import END, START, absent, at, charge, make_stay, make_world
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _world_with_violations():
    w = make_world()
    stay = make_stay(w)
    charge(w, stay, "H-BED", at(5))
    charge(w, stay, "H-BED", at(5))  # FEE-3 duplicate, FEE-3-DAY, 2× FEE-1
    absent(stay, at(6))
    absent(stay, at(7))  # ADM-5
    return w, stay


def test_aud_2_job_chunks_by_rule_and_day_and_is_idempotent():
    _world_with_violations()
    job = batch.job_create(
        period_start=datetime.date(2026, 3, 5), period_end=datetime.date(2026, 3, 7), rules=["FEE-3", "ADM-5"]
    )
    assert job.chunks.count() == 6  # 2 rules × 3 days
    assert job.lines_total == 2
    batch.job_run_inline(job)
    job.refresh_from_db()
    assert job.status == AuditJob.Status.DONE
    assert sorted(Finding.objects.values_list("rule_id", flat=True)) == ["ADM-5", "FEE-3"]
    # Re-running the same period creates no duplicate findings.
    again = batch.job_run_inline(
        batch.job_create(
            period_start=datetime.date(2026, 3, 5),
            period_end=datetime.date(2026, 3, 7),
            rules=["FEE-3", "ADM-5"],
        )
    )
    assert again.status == AuditJob.Status.DONE
    assert Finding.objects.count() == 2
    assert sum(again.chunks.values_list("findings", flat=True)) == 0


@pytest.mark.parametrize(
    ("rule", "insert", "found"),
    [
        # a line rule's chunk inserts through the day's one statement for line rules
        ("FEE-3", "insert_findings_together", {"FEE-3": 1}),
        ("ADM-5", "insert_findings", 1),
    ],
    ids=["AUD-2 FEE-3 line-rule chunk", "AUD-2 ADM-5 stay-rule chunk"],
)
def test_aud_2_killed_chunk_leaves_nothing_and_resumes(monkeypatch, rule, insert, found):
    """A chunk that dies after its INSERT rolls back with it; the resume runs it again, once."""
    _world_with_violations()
    job = batch.job_create(period_start=START, period_end=END, chunk_days=31, rules=[rule])
    chunk = job.chunks.get()
    real = getattr(engine, insert)

    def dies_after_insert(*args, **kwargs):
        assert real(*args, **kwargs) == found
        raise RuntimeError("worker killed")

    monkeypatch.setattr(engine, insert, dies_after_insert)
    with pytest.raises(RuntimeError):
        batch.chunk_run(chunk.pk)
    chunk.refresh_from_db()
    assert chunk.status == AuditChunk.Status.FAILED
    assert Finding.objects.count() == 0
    job.refresh_from_db()
    assert job.status == AuditJob.Status.FAILED

    monkeypatch.setattr(engine, insert, real)
    batch.job_run_inline(job)
    chunk.refresh_from_db()
    assert (chunk.status, chunk.attempts, chunk.findings) == (AuditChunk.Status.DONE, 2, 1)
    assert Finding.objects.filter(rule_id=rule).count() == 1


def test_aud_2_stale_running_chunk_is_dispatched_again(monkeypatch):
    _world_with_violations()
    job = batch.job_create(period_start=START, period_end=END, chunk_days=31, rules=["FEE-3", "ADM-5"])
    fresh, stale = job.chunks.order_by("pk")
    AuditChunk.objects.filter(pk=fresh.pk).update(status="running", started_at=timezone.now())
    AuditChunk.objects.filter(pk=stale.pk).update(
        status="running", started_at=timezone.now() - datetime.timedelta(hours=2)
    )
    queued = []
    from audit import tasks

    monkeypatch.setattr(tasks.run_chunk, "delay", queued.append)
    assert batch.job_dispatch(job) == 1
    assert queued == [stale.pk]


def _finding(w, stay, rule="FEE-1", amount="5.00", key=None, day=5):
    return Finding.objects.create(
        rule_id=rule,
        level="definite",
        evidence_key=key or f"{rule}:T{Finding.objects.count()}",
        occurred_on=datetime.date(2026, 3, day),
        stay=stay,
        person=stay.person,
        department=w.department,
        doctor=w.doctor,
        amount=D(amount),
        explanation=f"{rule} 测试",
    )


def test_aud_4_confirm_dismiss_appeal_recheck_panel():
    w = make_world()
    stay = make_stay(w)
    office = UserFactory(username="office_a")
    finding = _finding(w, stay, rule="FEE-3", amount="40.00")
    with pytest.raises(DomainError):
        services.finding_confirm(actor=office, finding=finding, deducted_amount=D("40.01"))
    services.finding_confirm(actor=office, finding=finding, deducted_amount=D("40"), reason="重复计费属实")
    finding.refresh_from_db()
    assert (finding.status, finding.deducted_amount) == ("confirmed", D("40.00"))
    assert selectors.doctor_points(w.doctor, datetime.date(2026, 3, 5)) == 2  # FEE-3 = 2 points (seeded)
    with pytest.raises(ConflictError):
        services.finding_dismiss(actor=office, finding=finding, reason="x")

    services.finding_appeal(actor=office, finding=finding, text="两次为不同部位")
    services.finding_recheck(actor=office, finding=finding, maintain=True, note="维持，提交评审")
    services.finding_panel_decide(actor=office, finding=finding, uphold=False, note="评审认定申诉成立")
    finding.refresh_from_db()
    assert (finding.status, finding.deducted_amount) == ("overturned", D("0.00"))
    # The points are reversed by a counter-entry: 2 − 2 = 0.
    assert list(
        DoctorPointEntry.objects.filter(finding=finding).order_by("pk").values_list("points", flat=True)
    ) == [
        2,
        -2,
    ]
    assert selectors.doctor_points(w.doctor, datetime.date(2026, 3, 5)) == 0
    assert finding.events.count() >= 4  # pghistory keeps every decision

    other = _finding(w, stay)
    with pytest.raises(DomainError):
        services.finding_dismiss(actor=office, finding=other, reason="  ")
    services.finding_dismiss(actor=office, finding=other, reason="已退费")
    assert DoctorPointEntry.objects.filter(finding=other).count() == 0


def test_aud_4_appeal_after_seven_days_is_refused():
    w = make_world()
    stay = make_stay(w)
    finding = _finding(w, stay)
    services.finding_confirm(actor=None, finding=finding, deducted_amount=D("5"))
    finding.refresh_from_db()
    late = finding.notified_on + datetime.timedelta(days=8)
    with pytest.raises(DomainError) as refused:
        services.finding_appeal(actor=None, finding=finding, text="迟到的申诉", on_date=late)
    assert refused.value.rule == "AUD-5"
    services.finding_appeal(
        actor=None, finding=finding, text="第 7 天", on_date=finding.notified_on + datetime.timedelta(days=7)
    )


@pytest.mark.parametrize(
    ("points", "measures"),
    [
        pytest.param(1, [], id="AUD-5 1 point: nothing"),
        pytest.param(2, [(2, "reminder")], id="AUD-5 2 points: written reminder"),
        pytest.param(3, [(2, "reminder")], id="AUD-5 3 points: still the reminder"),
        pytest.param(4, [(2, "reminder"), (4, "suspension")], id="AUD-5 4 points: 3 months suspension"),
        pytest.param(5, [(2, "reminder"), (4, "suspension")], id="AUD-5 5 points"),
        pytest.param(6, [(2, "reminder"), (4, "suspension"), (6, "suspension")], id="AUD-5 6 points: 1 year"),
        pytest.param(11, [(2, "reminder"), (4, "suspension"), (6, "suspension")], id="AUD-5 11 points"),
        pytest.param(
            12,
            [(2, "reminder"), (4, "suspension"), (6, "suspension"), (12, "termination")],
            id="AUD-5 12 points: termination",
        ),
    ],
)
def test_aud_5_thresholds(points, measures):
    w = make_world()
    stay = make_stay(w)
    for _ in range(points):  # FEE-1 = 1 point each (seeded points table)
        services.finding_confirm(actor=None, finding=_finding(w, stay), deducted_amount=D("5"))
    assert selectors.doctor_points(w.doctor, datetime.date(2026, 3, 5)) == points
    found = DoctorMeasure.objects.filter(practitioner=w.doctor).order_by("threshold")
    assert [(m.threshold, m.measure) for m in found] == measures
    today = timezone.localdate()
    for m in found:
        assert m.appeal_due == today + datetime.timedelta(days=7)
        if m.measure == "reminder":
            assert m.effective_from == today
        else:
            assert m.effective_from == today + datetime.timedelta(days=7)  # notified 7 days ahead
    by_threshold = {m.threshold: m for m in found}
    if 4 in by_threshold:  # 3 months' suspension
        m = by_threshold[4]
        assert m.effective_to == m.effective_from + relativedelta(months=3)
    if 6 in by_threshold:
        m = by_threshold[6]
        assert m.effective_to == m.effective_from.replace(year=m.effective_from.year + 1)
    assert selectors.needs_exam(w.doctor, selectors.period_start(datetime.date(2026, 3, 5))) == (
        4 <= points <= 11
    )


def test_aud_5_suspension_starts_after_notice_and_an_upheld_appeal_keeps_it():
    w = make_world()
    stay = make_stay(w)
    for _ in range(4):
        services.finding_confirm(actor=None, finding=_finding(w, stay), deducted_amount=D("5"))
    today = timezone.localdate()
    assert selectors.doctor_suspension(w.doctor, today + datetime.timedelta(days=6)) is None
    measure = selectors.doctor_suspension(w.doctor, today + datetime.timedelta(days=7))
    assert measure is not None and measure.threshold == 4
    assert selectors.doctor_suspension(w.doctor, measure.effective_to) is None
    services.measure_appeal(actor=None, measure=measure, text="申诉")
    services.measure_decide(actor=None, measure=measure, uphold=False)
    assert selectors.doctor_suspension(w.doctor, today + datetime.timedelta(days=8)) is None


def test_aud_6_indicators_on_a_known_dataset():
    """March: lines 40 + 300 (self-paid check-up) = 340 → out-of-scope 300/340 = 88.24 %;
    one stay discharged after 4 days, none referred → ALOS 4.0, referral 0 %."""
    w = make_world()
    stay = make_stay(w, admitted=at(2), discharged=at(6))
    charge(w, stay, "H-BED", at(3), over_limit="5")
    charge(w, stay, "H-CHK", at(3), self_pay_reason="FEE-6")
    rows = selectors.indicators(START, END)
    assert len(rows) == 1
    row = rows[0]
    assert row["total"] == D("340.00")
    assert row["values"]["out_of_scope_pct"] == D("88.24")
    assert row["grades"]["out_of_scope_pct"] == "超标"
    assert row["values"]["average_stay_days"] == D("4.0")
    assert row["grades"]["average_stay_days"] == "正常"
    assert row["values"]["referral_pct"] == D("0.00")
    assert row["values"]["self_pay_drug_pct"] is None  # no drug lines


@pytest.mark.parametrize(
    ("value", "grade"),
    [("2.49", "正常"), ("2.51", "预警"), ("2.995", "预警"), ("3.00", "超标")],
    ids=["ADM-11 2.49", "ADM-11 2.51 warn", "ADM-11 2.995 within", "ADM-11 3 exceeds"],
)
def test_adm_11_referral_grade(value, grade):
    from audit.models import IndicatorThreshold

    threshold = IndicatorThreshold.objects.get(indicator="referral_pct")
    assert selectors.grade(D(value), threshold) == grade


def test_ins_4_confirmed_ghost_bed_proposes_a_category_iv_sanction():
    """INS-4 Cat. IV (leaving the ward): interview + key monitoring, whatever the loss."""
    from insured.models import Sanction

    w = make_world()
    stay = make_stay(w)
    finding = _finding(w, stay, rule="ADM-5", amount="190.00")
    assert selectors.ins4_proposal(finding) is None  # not before a person confirms
    services.finding_confirm(actor=None, finding=finding, deducted_amount=D("190"))
    finding.refresh_from_db()
    proposal = selectors.ins4_proposal(finding)
    assert (proposal.category, proposal.fund_loss) == ("IV", D("190.00"))
    assert proposal.measures.interview and proposal.measures.key_monitoring
    assert not proposal.measures.settlement_changed
    sanction = services.finding_propose_sanction(actor=None, finding=finding)
    assert Sanction.objects.get(pk=sanction.pk).person == stay.person
    assert selectors.ins4_proposal(_finding(w, stay, rule="FEE-3")) is None


def test_fee_5_positive_rate_indicator_on_a_known_dataset():
    """FEE-5: March, 4 CT (2103…, 150 yuan) with results, 3 positive → 75.00 %: at the warning line
    (warn below 75, alarm below 70, tier 3), so 正常; a 5th negative result → 3/5 = 60.00 % → 超标.
    The bed line and a CT without a result do not count."""
    from tests.audit.factories import exam_result

    w = make_world()
    stay = make_stay(w, admitted=at(2), discharged=at(6))
    lines = [charge(w, stay, "H-CT", at(3, 8 + n)) for n in range(4)]
    for n, line in enumerate(lines):
        exam_result(line, positive=n < 3)
    charge(w, stay, "H-CT", at(4))
    charge(w, stay, "H-BED", at(3))
    row = selectors.indicators(START, END)[0]
    assert row["values"]["positive_rate_pct"] == D("75.00")
    assert row["grades"]["positive_rate_pct"] == "正常"
    exam_result(charge(w, stay, "H-CT", at(5)), positive=False)
    row = selectors.indicators(START, END)[0]
    assert row["values"]["positive_rate_pct"] == D("60.00")
    assert row["grades"]["positive_rate_pct"] == "超标"


@pytest.mark.parametrize(
    ("value", "grade"),
    [("75.00", "正常"), ("74.99", "预警"), ("70.00", "预警"), ("69.99", "超标")],
    ids=["FEE-5 75 normal", "FEE-5 74.99 warn", "FEE-5 70 at the minimum", "FEE-5 69.99 below"],
)
def test_fee_5_positive_rate_grade_lower_is_worse(value, grade):
    from audit.models import IndicatorThreshold

    threshold = IndicatorThreshold.objects.get(indicator="positive_rate_pct")
    assert selectors.grade(D(value), threshold) == grade


def test_aud_2_line_rules_of_a_day_run_together_over_one_copy_of_its_lines():
    """AUD-2 batch: the first line-rule chunk of a day runs its day's line-rule siblings over one copy of
    the day's lines (engine.day_lines); they store exactly what each rule finds on the view, and are done
    with their own counts; the stay-rule chunk (ADM-5) runs alone. Afterwards the view is read again."""
    w, stay = _world_with_violations()
    day = datetime.date(2026, 3, 5)
    expected = {
        code: {h.evidence_key for h in engine.run_rule(code, start=day, end=day)}
        for code in ("FEE-3", "FEE-3-DAY", "FEE-1")
    }
    # One duplicate (FEE-3), two bed days on 03-05 (FEE-3-DAY), both lines 40 over the 35 standard (FEE-1).
    assert {code: len(keys) for code, keys in expected.items()} == {"FEE-3": 1, "FEE-3-DAY": 1, "FEE-1": 2}
    job = batch.job_create(
        period_start=day, period_end=day, rules=["FEE-3", "FEE-3-DAY", "FEE-1", "CAT-SEX", "ADM-5"]
    )
    first = job.chunks.get(rule_id="FEE-3")
    batch.chunk_run(first.pk)
    done = dict(job.chunks.filter(status="done").values_list("rule_id", "findings"))
    assert done == {"FEE-3": 1, "FEE-3-DAY": 1, "FEE-1": 2, "CAT-SEX": 0}
    for code, keys in expected.items():
        assert set(Finding.objects.filter(rule_id=code).values_list("evidence_key", flat=True)) == keys
    assert job.chunks.get(rule_id="ADM-5").status == "pending"
    batch.job_run_inline(job)
    assert job.chunks.filter(status="done").count() == 5
    # the temporary copy is gone: a line charged now is seen by the in-process form
    charge(w, stay, "H-BED", at(5))
    assert len(engine.run_rule("FEE-1", start=day, end=day, stay=stay.pk)) == 3


def test_aud_2_dispatch_queues_one_line_rule_chunk_per_day_first(monkeypatch):
    """AUD-2: the day's first line-rule chunk leads (it runs its siblings), stay rules next, the siblings
    last (then done, they return at once)."""
    job = batch.job_create(
        period_start=datetime.date(2026, 3, 5),
        period_end=datetime.date(2026, 3, 6),
        rules=["FEE-3", "FEE-1", "ADM-5"],
    )
    chunk = {(c.rule_id, c.day_from.day): c.pk for c in job.chunks.all()}
    queued = []
    from audit import tasks

    monkeypatch.setattr(tasks.run_chunk, "delay", queued.append)
    assert batch.job_dispatch(job) == 6
    # sort order: FEE-3 (0) before FEE-1 (3); ADM-5 is a stay rule
    assert queued == [
        chunk[("FEE-3", 5)], chunk[("FEE-3", 6)], chunk[("ADM-5", 5)], chunk[("ADM-5", 6)],
        chunk[("FEE-1", 5)], chunk[("FEE-1", 6)],
    ]  # fmt: skip
