"""Pages of the audit: review queue and finding (AUD-2/AUD-4), batches (AUD-7), doctor points (AUD-5),
indicators (AUD-6). Office and admin act; a doctor sees his own findings and points."""

from __future__ import annotations

import datetime
from io import BytesIO

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit import batch, engine, forms, selectors, services
from audit.models import AuditJob, DoctorMeasure, DoctorPointEntry, Finding
from core.errors import DomainError
from core.permissions import role_required
from core.roles import Role, has_role

OFFICE = (Role.OFFICE, Role.ADMIN)


def _finding_for(request: HttpRequest, pk: int) -> Finding:
    finding = get_object_or_404(selectors.findings_for(request.user), pk=pk)
    return finding


@role_required(*OFFICE)
def queue(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy() if request.GET else {"status": "open"}
    form = forms.QueueFilterForm(data)
    findings = Finding.objects.none()
    if form.is_valid():
        c = form.cleaned_data
        findings = selectors.queue(
            status=c["status"],
            level=c["level"],
            rule=c["rule"].pk if c["rule"] else "",
            department=c["department"].pk if c["department"] else None,
            doctor=c["doctor"].pk if c["doctor"] else None,
            date_from=c["date_from"],
            date_to=c["date_to"],
            min_amount=c["min_amount"],
        )
    bulk = forms.BulkForm()
    if request.method == "POST":
        bulk = forms.BulkForm(request.POST)
        if bulk.is_valid():
            try:
                done = services.findings_bulk(
                    actor=request.user,
                    findings=list(bulk.cleaned_data["ids"]),
                    action=bulk.cleaned_data["action"],
                    reason=bulk.cleaned_data["reason"],
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已处理 {done} 条疑点。")
                return redirect(request.get_full_path())
    page = Paginator(findings, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/queue.html",
        {"form": form, "page": page, "bulk": bulk, "query": query.urlencode()},
    )


def _decision_forms(request: HttpRequest, finding: Finding) -> dict:
    return {
        "confirm_form": forms.ConfirmForm(initial={"deducted_amount": finding.amount}),
        "dismiss_form": forms.DismissForm(),
        "appeal_form": forms.AppealForm(),
        "decision_form": forms.DecisionForm(),
    }


@role_required(Role.OFFICE, Role.ADMIN, Role.DOCTOR)
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _finding_for(request, pk)
    context = _decision_forms(request, finding)
    if request.method == "POST":
        if not has_role(request.user, *OFFICE):
            raise PermissionDenied("只有医保办可以审核疑点。")
        action = request.POST.get("action", "")
        if action == "sanction":
            try:
                sanction = services.finding_propose_sanction(actor=request.user, finding=finding)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已记录参保人违规处理（INS-4 第 {sanction.category} 类）。")
            return redirect("audit:finding", pk=pk)
        form_key, form_class = {
            "confirm": ("confirm_form", forms.ConfirmForm),
            "dismiss": ("dismiss_form", forms.DismissForm),
            "appeal": ("appeal_form", forms.AppealForm),
            "recheck": ("decision_form", forms.DecisionForm),
            "panel": ("decision_form", forms.DecisionForm),
        }.get(action, (None, None))
        if form_class is None:
            messages.error(request, "未知操作。")
            return redirect("audit:finding", pk=pk)
        form = form_class(request.POST)
        context[form_key] = form
        if form.is_valid():
            c = form.cleaned_data
            try:
                if action == "confirm":
                    services.finding_confirm(
                        actor=request.user,
                        finding=finding,
                        deducted_amount=c["deducted_amount"],
                        reason=c["reason"],
                    )
                elif action == "dismiss":
                    services.finding_dismiss(actor=request.user, finding=finding, reason=c["reason"])
                elif action == "appeal":
                    services.finding_appeal(actor=request.user, finding=finding, text=c["text"])
                elif action == "recheck":
                    services.finding_recheck(
                        actor=request.user,
                        finding=finding,
                        maintain=c["decision"] == "maintain",
                        note=c["note"],
                    )
                else:
                    services.finding_panel_decide(
                        actor=request.user,
                        finding=finding,
                        uphold=c["decision"] == "maintain",
                        note=c["note"],
                    )
            except DomainError as exc:
                for field, errors in exc.errors.items():
                    if field in form.fields:
                        for error in errors:
                            form.add_error(field, error)
                messages.error(request, exc.message)
            else:
                messages.success(request, "已保存。")
                return redirect("audit:finding", pk=pk)
    finding.refresh_from_db()
    context.update(
        finding=finding,
        lines=selectors.evidence_lines(finding),
        stays=selectors.evidence_stays(finding),
        records=selectors.evidence_records(finding),
        events=finding.events.order_by("pgh_created_at") if hasattr(finding, "events") else [],
        can_decide=has_role(request.user, *OFFICE),
        points=DoctorPointEntry.objects.filter(finding=finding),
        proposal=selectors.ins4_proposal(finding),
    )
    return render(request, "audit/finding.html", context)


@role_required(Role.OFFICE, Role.ADMIN, Role.DOCTOR)
def finding_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """AUD-4: the printable result notice (稽核情况告知书) to the department or doctor."""
    finding = _finding_for(request, pk)
    if finding.status == Finding.Status.OPEN:
        messages.error(request, "疑点确认后才能出具告知书。")
        return redirect("audit:finding", pk=pk)
    policy = selectors.points_policy(timezone.localdate())
    notified = finding.notified_on or timezone.localdate()
    return render(
        request,
        "audit/notice.html",
        {
            "finding": finding,
            "lines": selectors.evidence_lines(finding),
            "appeal_due": notified + datetime.timedelta(days=policy.appeal_days),
            "policy": policy,
        },
    )


@role_required(*OFFICE)
def jobs(request: HttpRequest) -> HttpResponse:
    start, end = forms.default_period()
    form = forms.JobStartForm(initial={"period_start": start, "period_end": end})
    if request.method == "POST":
        form = forms.JobStartForm(request.POST)
        if form.is_valid():
            try:
                job = batch.job_start(
                    actor=request.user,
                    period_start=form.cleaned_data["period_start"],
                    period_end=form.cleaned_data["period_end"],
                    trigger=AuditJob.Trigger.MANUAL,
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "审核批次已启动，分片已交给后台任务执行。")
                return redirect("audit:job", pk=job.pk)
    recent = [selectors.job_progress(j) for j in AuditJob.objects.order_by("-started_at")[:20]]
    return render(request, "audit/jobs.html", {"form": form, "recent": recent})


@role_required(*OFFICE)
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(AuditJob, pk=pk)
    progress = selectors.job_progress(job)
    template = "audit/_job_progress.html" if request.headers.get("HX-Request") else "audit/job.html"
    by_rule = _chunks_by_rule(job)
    return render(request, template, {"job": job, "progress": progress, "by_rule": by_rule})


def _chunks_by_rule(job: AuditJob) -> list[dict]:
    from django.db.models import Count, Q, Sum

    return list(
        job.chunks.values("rule_id", "rule__name", "rule__sort_order")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(status="done")),
            failed=Count("id", filter=Q(status="failed")),
            findings=Sum("findings"),
        )
        .order_by("rule__sort_order")
    )


@require_POST
@role_required(*OFFICE)
def job_resume(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(AuditJob, pk=pk)
    queued = batch.job_dispatch(job)
    messages.success(request, f"已重新排队 {queued} 个未完成分片。")
    return redirect("audit:job", pk=pk)


@role_required(*OFFICE)
def points(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    exam_form = forms.ExamForm(initial={"exam_on": today})
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "exam":
            exam_form = forms.ExamForm(request.POST)
            if exam_form.is_valid():
                c = exam_form.cleaned_data
                services.exam_record(
                    actor=request.user,
                    practitioner=c["practitioner"],
                    period_start=selectors.period_start(c["exam_on"]),
                    exam_on=c["exam_on"],
                    passed=c["passed"],
                    score=c["score"],
                )
                messages.success(request, "考试结果已记录。")
                return redirect("audit:points")
        elif action in {"measure_appeal", "measure_uphold", "measure_revoke"}:
            measure = get_object_or_404(DoctorMeasure, pk=request.POST.get("measure") or 0)
            try:
                if action == "measure_appeal":
                    text = (request.POST.get("text") or "").strip()[:1000]
                    if not text:
                        raise DomainError("请填写申诉理由。", code="reason_required")
                    services.measure_appeal(actor=request.user, measure=measure, text=text)
                else:
                    services.measure_decide(
                        actor=request.user, measure=measure, uphold=action == "measure_uphold"
                    )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "已保存。")
            return redirect("audit:points")
    return render(
        request,
        "audit/points.html",
        {
            "ledger": selectors.doctors_ledger(today),
            "period": selectors.period_start(today),
            "measures": DoctorMeasure.objects.select_related("practitioner").order_by("-notified_on")[:50],
            "thresholds": selectors.thresholds(today),
            "exam_form": exam_form,
        },
    )


@role_required(Role.DOCTOR, Role.OFFICE, Role.ADMIN)
def my_points(request: HttpRequest) -> HttpResponse:
    practitioner = getattr(request.user, "practitioner", None)
    if practitioner is None:
        messages.error(request, "当前账号未关联医师。")
        return redirect("home")
    today = timezone.localdate()
    period = selectors.period_start(today)
    return render(
        request,
        "audit/my_points.html",
        {
            "practitioner": practitioner,
            "period": period,
            "total": selectors.doctor_points(practitioner, today),
            "entries": DoctorPointEntry.objects.filter(practitioner=practitioner).select_related(
                "finding__rule"
            ),
            "measures": DoctorMeasure.objects.filter(practitioner=practitioner),
            "suspension": selectors.doctor_suspension(practitioner, today),
            "findings": Finding.objects.filter(doctor=practitioner).exclude(status=Finding.Status.OPEN)[:50],
        },
    )


def _indicator_period(request: HttpRequest) -> tuple[forms.IndicatorForm, datetime.date, datetime.date]:
    today = timezone.localdate()
    start = today.replace(month=1, day=1)
    form = forms.IndicatorForm(request.GET or {"start": start, "end": today})
    if form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"]
    return form, start, today


@role_required(*OFFICE)
def indicators(request: HttpRequest) -> HttpResponse:
    form, start, end = _indicator_period(request)
    rows = selectors.indicators(start, end) if form.is_valid() else []
    months = sorted({r["month"] for r in rows})
    chart = {
        "labels": [m.strftime("%Y-%m") for m in months],
        "series": {
            key: [
                float(
                    sum((r["values"][key] or 0) for r in rows if r["month"] == m)
                    / max(1, sum(1 for r in rows if r["month"] == m))
                )
                for m in months
            ]
            for key in selectors.INDICATOR_LABELS
        },
        "names": selectors.INDICATOR_LABELS,
    }
    return render(
        request,
        "audit/indicators.html",
        {
            "form": form,
            "rows": rows,
            "labels": selectors.INDICATOR_LABELS,
            "chart": chart,
            "query": request.GET.urlencode(),
        },
    )


@role_required(*OFFICE)
def indicators_export(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook

    form, start, end = _indicator_period(request)
    rows = selectors.indicators(start, end) if form.is_valid() else []
    book = Workbook()
    sheet = book.active
    sheet.title = "科室指标"
    labels = selectors.INDICATOR_LABELS
    sheet.append(
        ["月份", "科室", "医疗费用", "出院人次", *labels.values(), *[f"{v} 预警" for v in labels.values()]]
    )
    for r in rows:
        sheet.append(
            [
                r["month"].strftime("%Y-%m"),
                r["department"],
                r["total"],
                r["discharged"],
                *[r["values"][k] for k in labels],
                *[r["grades"][k] for k in labels],
            ]
        )
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="audit-indicators-{start}-{end}.xlsx"'
    return response


@role_required(Role.CLERK, Role.OFFICE, Role.DOCTOR, Role.ADMIN)
def stay_check(request: HttpRequest, pk: int) -> HttpResponse:
    """事中: every enabled rule on one stay now, before the nightly batch (the same statements)."""
    from admission.models import Stay

    stay = get_object_or_404(Stay.objects.select_related("person", "department"), pk=pk)
    today = timezone.localdate()
    start = timezone.localtime(stay.admitted_at).date()
    hits = engine.check_stay(stay.pk, start=start, end=max(start, today))
    return render(
        request, "audit/stay_check.html", {"stay": stay, "hits": hits, "start": start, "end": today}
    )
