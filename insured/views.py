"""Pages: the clerk's card-read screen (INS-1/2/5) and the office's person search and sanctions (INS-4)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.forms import ImportFileField
from core.permissions import role_required
from core.roles import Role
from insured import selectors, services
from insured.models import CardRead, CardReader, CertificateType, InsuredPerson, PersonAccessLog, Sanction
from insured.rules import CATEGORY_LABELS, ViolationCategory

# Demo installations only: cards a simulated reader can "swipe" (see insured/demo.py KNOWN).
DEMO_CARD_HOLDERS = [
    "61010000000000000001",
    "61010000000000000002",
    "61010000000000000003",
    "61010000000000000004",
    "12010000000000000005",
]


@role_required(Role.CLERK)
def card_read_page(request):
    from django.conf import settings

    from insured.models import Credential

    demo_cards = []
    if settings.DEMO_MODE:
        demo_cards = (
            Credential.objects.filter(
                mdtrt_cert_type=Credential.Type.SOCIAL_SECURITY_CARD, person__psn_no__in=DEMO_CARD_HOLDERS
            )
            .select_related("person")
            .order_by("person__psn_no")
        )
    return render(
        request,
        "insured/card_read.html",
        {
            "readers": CardReader.objects.filter(is_active=True),
            "cert_types": CertificateType.objects.filter(is_active=True),
            "demo_cards": demo_cards,
        },
    )


@role_required(Role.CLERK)
@require_POST
def card_read_submit(request):
    post = request.POST
    agent = None
    if post.get("purpose") == CardRead.Purpose.DELEGATED_PURCHASE:
        agent = services.AgentIdentity(
            post.get("agent_cert_type", "01"),
            post.get("agent_certno", ""),
            post.get("agent_name", ""),
            post.get("agent_relation", ""),
        )
    try:
        read = services.card_read(
            actor=request.user,
            reader_id=post.get("reader_id", ""),
            credential_type=post.get("credential_type", ""),
            credential_value=post.get("credential_value", ""),
            entry_mode=post.get("entry_mode", "manual"),
            card_sn=post.get("card_sn", ""),
            purpose=post.get("purpose") or CardRead.Purpose.CARE,
            agent=agent,
        )
    except DomainError as exc:
        return render(request, "insured/_card_read_result.html", {"error": exc}, status=exc.status_code)
    return render(
        request, "insured/_card_read_result.html", {"answer": selectors.card_read_answer(read, request.user)}
    )


@role_required(Role.CLERK)
@require_POST
def card_read_confirm(request, pk: int):
    read = get_object_or_404(CardRead, pk=pk, read_by=request.user)
    try:
        read = services.card_read_confirm(actor=request.user, card_read=read)
    except DomainError as exc:
        return render(request, "insured/_card_read_result.html", {"error": exc}, status=exc.status_code)
    return render(
        request, "insured/_card_read_result.html", {"answer": selectors.card_read_answer(read, request.user)}
    )


@role_required(Role.OFFICE, Role.ADMIN)
def person_search_page(request):
    query = request.GET.get("q", "")
    people = list(selectors.person_search(query)) if query else []
    if people:
        PersonAccessLog.objects.bulk_create(
            [
                PersonAccessLog(
                    user=request.user,
                    person=p,
                    action=PersonAccessLog.Action.SEARCH,
                    path=request.get_full_path()[:200],
                )
                for p in people
            ]
        )
    rows = [selectors.person_summary(p, request.user) for p in people]
    template = "insured/_person_rows.html" if request.htmx else "insured/person_search.html"
    return render(request, template, {"query": query, "rows": rows})


@role_required(Role.OFFICE, Role.ADMIN)
def person_detail_page(request, psn_no: str):
    person = get_object_or_404(InsuredPerson.objects.select_related("psn_cert_type"), psn_no=psn_no)
    services.log_access(
        user=request.user, person=person, action=PersonAccessLog.Action.VIEW, path=request.get_full_path()
    )
    assessment = selectors.window_assessment(person)
    active_ids = set(selectors.active_sanctions(person).values_list("pk", flat=True))
    sanctions = person.sanctions.prefetch_related("institutions").select_related("lifted_by")
    return render(
        request,
        "insured/person_detail.html",
        {
            "person": person,
            "summary": selectors.person_summary(person, request.user),
            "enrollments": selectors.enrollment_rows(person),
            "credentials": person.credentials.all(),
            "sanctions": [(s, s.pk in active_ids) for s in sanctions],
            "assessment": assessment,
            "categories": [(c.value, CATEGORY_LABELS[c]) for c in ViolationCategory],
            "reads": CardRead.objects.filter(person=person).select_related("reader", "read_by")[:10],
        },
    )


@role_required(Role.OFFICE)
@require_POST
def sanction_add(request, psn_no: str):
    person = get_object_or_404(InsuredPerson, psn_no=psn_no)
    post = request.POST
    try:
        loss = Decimal(post.get("fund_loss", ""))
    except InvalidOperation:
        messages.error(request, "基金损失金额格式不正确。")
        return redirect("insured:person", psn_no=psn_no)
    institutions = [
        tuple(part.strip() for part in line.split(maxsplit=1)) + ("",) * (2 - len(line.split(maxsplit=1)))
        for line in post.get("institutions", "").splitlines()
        if line.strip()
    ]
    try:
        sanction = services.sanction_record(
            actor=request.user,
            person=person,
            category=post.get("category", ""),
            fund_loss=loss,
            description=post.get("description", ""),
            evidence=post.get("evidence", ""),
            occurred_on=parse_date(post.get("occurred_on") or "") if post.get("occurred_on") else None,
            start_date=parse_date(post.get("start_date") or "") if post.get("start_date") else None,
            institutions=[(code, name) for code, name in institutions],
        )
    except DomainError as exc:
        messages.error(request, f"{exc.message}（{exc.rule}）" if exc.rule else exc.message)
    else:
        period = (
            f"{sanction.start_date:%Y-%m-%d} 至 {sanction.last_day:%Y-%m-%d}"
            if sanction.end_date
            else (f"自 {sanction.start_date:%Y-%m-%d} 起，至人工解除")
        )
        messages.success(
            request, f"已登记违规处理：{'、'.join(sanction.measure_labels)}，{period}（INS-4）。"
        )
    return redirect("insured:person", psn_no=psn_no)


@role_required(Role.OFFICE)
@require_POST
def sanction_lift(request, pk: int):
    sanction = get_object_or_404(Sanction.objects.select_related("person"), pk=pk)
    try:
        services.sanction_lift(actor=request.user, sanction=sanction, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已提前解除该违规处理，原处理期限保留在历史记录中。")
    return redirect("insured:person", psn_no=sanction.person.psn_no)


class RosterUploadForm(forms.Form):
    file = ImportFileField(label="花名册文件")


def _roster_context(record, form) -> dict:
    from insured.models import RosterImport
    from insured.roster import COLUMNS

    return {
        "form": form,
        "record": record,
        "file_errors": [e["message"] for e in (record.errors if record else []) if not e.get("row")],
        "row_errors": [e for e in (record.errors if record else []) if e.get("row")],
        "columns": [(name, aliases) for name, aliases in COLUMNS.items()],
        "recent": RosterImport.objects.defer("content")[:10],
        "max_mb": settings.IMPORT_MAX_UPLOAD_MB,
    }


@role_required(Role.OFFICE, Role.ADMIN)
def roster_import_page(request):
    """花名册导入: a file with errors imports nothing and lists every bad row. A large file is
    queued (Celery) and the page shows its progress; the clerk can keep working meanwhile."""
    from insured.models import RosterImport
    from insured.roster import roster_import, roster_import_start

    record = None
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        if len(content) > settings.IMPORT_ASYNC_BYTES:
            record = roster_import_start(actor=request.user, content=content, filename=upload.name)
            if record.outcome == RosterImport.Outcome.PENDING:
                messages.info(
                    request, f"文件较大（{len(content) // 1024} KB），已在后台导入，可继续其他工作。"
                )
                return redirect("insured:roster_import_status", pk=record.pk)
        else:
            record = roster_import(actor=request.user, content=content, filename=upload.name)
        _roster_message(request, record)
    refused = not form.is_valid() if request.method == "POST" else False
    refused = refused or (record is not None and record.outcome == RosterImport.Outcome.REJECTED)
    return render(
        request, "insured/roster_import.html", _roster_context(record, form), status=400 if refused else 200
    )


def _roster_message(request, record) -> None:
    from insured.models import RosterImport

    if record.outcome == RosterImport.Outcome.APPLIED:
        messages.success(
            request,
            f"已导入 {record.row_count} 行：新增 {record.persons_created} 人，"
            f"更新 {record.persons_updated} 人。",
        )
    elif record.outcome == RosterImport.Outcome.REJECTED:
        messages.error(request, f"文件有 {record.error_count} 处错误，未导入任何数据。请修正后重新导入。")


@role_required(Role.OFFICE, Role.ADMIN)
def roster_import_status(request, pk: int):
    """One import: its progress bar while it runs (htmx polls this), then its per-row report."""
    from insured.models import RosterImport
    from insured.roster import progress

    record = get_object_or_404(RosterImport.objects.defer("content"), pk=pk)
    context = {**_roster_context(record, RosterUploadForm()), "progress": progress(record)}
    if request.htmx:
        return render(request, "insured/_roster_record.html", context)
    return render(request, "insured/roster_import.html", context)
