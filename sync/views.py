"""The sync page (SYNC-1..3), dead letters, download conflicts and reconciliation (SYNC-2).
Office and admin see and act; every action is kept in SyncAction."""

from __future__ import annotations

from io import BytesIO

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.permissions import role_required
from core.roles import Role, has_role
from core.spreadsheet import safe_row
from sync import forms, reconcile, selectors, services
from sync.models import (
    DownloadConflict,
    ReconciliationDifference,
    ReconciliationRun,
    SyncAction,
    SyncFailure,
)

OFFICE = (Role.OFFICE, Role.ADMIN)


@role_required(*OFFICE)
def sync_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "sync/page.html",
        {**selectors.page(), "can_review": has_role(request.user, Role.ADMIN)},
    )


@role_required(*OFFICE)
@require_POST
def sync_now(request: HttpRequest) -> HttpResponse:
    try:
        services.sync_now(actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已提交同步，稍后刷新查看结果。")
    return redirect("sync:page")


@role_required(*OFFICE)
@require_POST
def failure_resend(request: HttpRequest, pk: int) -> HttpResponse:
    failure = get_object_or_404(SyncFailure, pk=pk)
    form = forms.ReasonForm(request.POST)
    note = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        failure = services.failure_resend(actor=request.user, failure=failure, note=note)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if failure.status == SyncFailure.Status.RESOLVED:
            messages.success(request, f"{failure.key} 已上传。")
        else:
            messages.error(request, f"{failure.key} 仍被中心退回：{failure.last_error}")
    return redirect("sync:page")


@role_required(*OFFICE)
@require_POST
def failure_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    failure = get_object_or_404(SyncFailure, pk=pk)
    form = forms.RequiredReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "撤销须填写原因。")
        return redirect("sync:page")
    try:
        services.failure_cancel(actor=request.user, failure=failure, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{failure.key} 已撤销，请在收费处办理该明细的退费。")
    return redirect("sync:page")


@role_required(Role.ADMIN)
@require_POST
def conflict_review(request: HttpRequest, pk: int) -> HttpResponse:
    conflict = get_object_or_404(DownloadConflict, pk=pk, reviewed_at__isnull=True)
    conflict.reviewed_at, conflict.reviewed_by = timezone.now(), request.user
    conflict.save(update_fields=["reviewed_at", "reviewed_by"])
    SyncAction.objects.create(
        actor=request.user,
        action="确认下载冲突",
        target=f"{conflict.key}.{conflict.field}",
        note=f"本地 {conflict.local_value} → 中心 {conflict.center_value}"[:300],
    )
    messages.success(request, "已确认。")
    return redirect("sync:page")


# --- reconciliation -----------------------------------------------------------------------------------


@role_required(*OFFICE)
def reconciliations(request: HttpRequest) -> HttpResponse:
    form = forms.PeriodForm(request.POST or None, initial=forms.PeriodForm.yesterday())
    if request.method == "POST" and form.is_valid():
        run = reconcile.reconcile(
            begin=form.cleaned_data["begin"], end=form.cleaned_data["end"], actor=request.user
        )
        return redirect("sync:reconciliation", pk=run.pk)
    runs = ReconciliationRun.objects.select_related("actor")[:50]
    return render(request, "sync/reconciliations.html", {"form": form, "runs": runs})


def _run(pk: int) -> ReconciliationRun:
    return get_object_or_404(
        ReconciliationRun.objects.prefetch_related("groups__differences__settlement"), pk=pk
    )


@role_required(*OFFICE)
def reconciliation(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(pk)
    forms_by_diff = {}
    if request.method == "POST":
        difference = get_object_or_404(
            ReconciliationDifference, pk=request.POST.get("difference"), group__run=run
        )
        form = forms.DifferenceForm(request.POST)
        if form.is_valid():
            try:
                reconcile.difference_resolve(
                    actor=request.user,
                    difference=difference,
                    action=form.cleaned_data["action"],
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, f"结算 {difference.setl_id} 的差异已处理。")
                return redirect("sync:reconciliation", pk=run.pk)
        forms_by_diff[difference.pk] = form
    groups = list(run.groups.all())
    for group in groups:
        for d in group.differences.all():
            d.form = forms_by_diff.get(d.pk) or forms.DifferenceForm(prefix=None)
    template = "sync/reconciliation_print.html" if request.GET.get("print") else "sync/reconciliation.html"
    return render(request, template, {"run": run, "groups": groups})


@role_required(*OFFICE)
def reconciliation_export(request: HttpRequest, pk: int) -> HttpResponse:
    from openpyxl import Workbook

    run = _run(pk)
    book = Workbook()
    sheet = book.active
    sheet.title = "对账汇总"
    sheet.append(["对账期间", f"{run.stmt_begndate}~{run.stmt_enddate}", "结果", run.get_result_display()])
    sheet.append(
        ["险种", "清算类别", "医疗费总额", "基金支付", "个人账户", "现金支付", "笔数", "结果", "中心说明"]
    )
    for g in run.groups.all():
        sheet.append(
            safe_row(
                [
                    g.insutype,
                    g.clr_type,
                    g.medfee_sumamt,
                    g.fund_pay_sumamt,
                    g.acct_pay,
                    g.cash_payamt,
                    g.setl_cnt,
                    "平" if g.balanced else "不平",
                    g.center_message,
                ]
            )
        )
    detail = book.create_sheet("差异明细")
    detail.append(
        [
            "险种",
            "清算类别",
            "结算ID",
            "人员编号",
            "退费标志",
            "本院医疗费",
            "中心医疗费",
            "本院基金",
            "中心基金",
            "本院账户",
            "中心账户",
            "中心说明",
            "状态",
            "处理",
            "原因",
        ]
    )
    for g in run.groups.all():
        for d in g.differences.all():
            detail.append(
                safe_row(
                    [
                        g.insutype,
                        g.clr_type,
                        d.setl_id,
                        d.psn_no,
                        d.refd_setl_flag,
                        d.local_medfee,
                        d.center_medfee,
                        d.local_fund,
                        d.center_fund,
                        d.local_acct,
                        d.center_acct,
                        d.memo,
                        d.get_status_display(),
                        d.get_action_display() if d.action else "",
                        d.reason,
                    ]
                )
            )
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="reconciliation-{run.stmt_begndate}-{run.pk}.xlsx"'
    )
    return response
