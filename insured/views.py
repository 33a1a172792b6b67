"""Pages: the clerk's card-read screen (INS-1/2/5) and the office's person search and sanctions (INS-4)."""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.errors import DomainError, flatten_errors
from core.forms import ImportFileField, SearchForm, first_error, keep_refused, keep_typed
from core.permissions import role_required
from core.roles import Role
from insured import selectors, services
from insured.forms import LiftForm, SanctionForm
from insured.models import CardRead, CardReader, CertificateType, InsuredPerson, PersonAccessLog, Sanction
from insured.rules import CATEGORY_LABELS, ViolationCategory, reader_mac

# Demo installations only: cards a simulated reader can "swipe" (see insured/demo.py KNOWN).
DEMO_CARD_HOLDERS = [
    "61010000000000000001",
    "61010000000000000002",
    "61010000000000000003",
    "61010000000000000004",
    "12010000000000000005",
]


CARD_READ_LABELS = {
    "reader_id": "读卡设备",
    "credential_type": "凭证类型",
    "credential_value": "凭证号码",
    "card_sn": "卡识别码",
    "purpose": "用途",
    "entry_mode": "读取方式",
    "agent.cert_type": "代购人证件类型",
    "agent.certno": "代购人证件号码",
    "agent.name": "代购人姓名",
    "agent.relation": "代购人关系",
}


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
    readers = list(CardReader.objects.filter(is_active=True))
    # The simulated reader signs like a real one does, with the selected reader's secret (INS-1).
    demo_swipes = [
        {
            "card": card,
            "signatures": json.dumps(
                {r.reader_id: reader_mac(r.secret, card.number, card.card_sn) for r in readers}
            ),
        }
        for card in demo_cards
    ]
    return render(
        request,
        "insured/card_read.html",
        {
            "readers": readers,
            "cert_types": CertificateType.objects.filter(is_active=True),
            "demo_cards": demo_swipes,
        },
    )


@role_required(Role.CLERK)
@require_POST
def card_read_submit(request):
    from insured.api.serializers import CardReadRequestSerializer

    post = request.POST
    body = {
        key: post.get(key)
        for key in ("reader_id", "credential_type", "credential_value", "card_sn", "reader_mac", "purpose")
        if post.get(key)
    }
    body["entry_mode"] = post.get("entry_mode") or "manual"
    if post.get("purpose") == CardRead.Purpose.DELEGATED_PURCHASE:
        body["agent"] = {
            "cert_type": post.get("agent_cert_type") or "01",
            "certno": post.get("agent_certno", ""),
            "name": post.get("agent_name", ""),
            "relation": post.get("agent_relation", ""),
        }
    # The page posts through the API's serializer: the same bounds, the same Chinese messages.
    request_body = CardReadRequestSerializer(data=body)
    if not request_body.is_valid():
        problems = flatten_errors(request_body.errors)
        error = DomainError(
            "；".join(f"{CARD_READ_LABELS.get(k, k)}：{v[0]}" for k, v in problems.items()),
            code="validation_error",
            errors=problems,
        )
        return render(request, "insured/_card_read_result.html", {"error": error}, status=400)
    data = request_body.validated_data
    agent = services.AgentIdentity(**data["agent"]) if data.get("agent") else None
    try:
        read = services.card_read(
            actor=request.user,
            reader_id=data["reader_id"],
            credential_type=data["credential_type"],
            credential_value=data["credential_value"],
            entry_mode=data["entry_mode"],
            card_sn=data["card_sn"],
            reader_mac=data["reader_mac"],
            purpose=data["purpose"],
            agent=agent,
        )
    except DomainError as exc:
        return render(request, "insured/_card_read_result.html", {"error": exc}, status=exc.status_code)
    read = services.card_read_center_check(actor=request.user, card_read=read)
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
    search = SearchForm(request.GET)
    query = search.query
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
    return render(
        request,
        template,
        {"query": request.GET.get("q", "")[:200], "rows": rows, "search": search},
        status=400 if search.errors and not request.htmx else 200,  # htmx swaps only 2xx answers
    )


def _person_context(request, person: InsuredPerson, sanction_form: SanctionForm | None = None) -> dict:
    assessment = selectors.window_assessment(person)
    active_ids = set(selectors.active_sanctions(person).values_list("pk", flat=True))
    sanctions = person.sanctions.prefetch_related("institutions").select_related("lifted_by")
    return {
        "person": person,
        "summary": selectors.person_summary(person, request.user),
        "enrollments": selectors.enrollment_rows(person),
        "credentials": person.credentials.all(),
        "sanctions": [(s, s.pk in active_ids) for s in sanctions],
        "assessment": assessment,
        "categories": [(c.value, CATEGORY_LABELS[c]) for c in ViolationCategory],
        "reads": CardRead.objects.filter(person=person).select_related("reader", "read_by")[:10],
        "sanction_form": sanction_form or SanctionForm(),
    }


@role_required(Role.OFFICE, Role.ADMIN)
def person_detail_page(request, psn_no: str):
    person = get_object_or_404(InsuredPerson.objects.select_related("psn_cert_type"), psn_no=psn_no)
    services.log_access(
        user=request.user, person=person, action=PersonAccessLog.Action.VIEW, path=request.get_full_path()
    )
    return render(request, "insured/person_detail.html", _person_context(request, person))


@role_required(Role.OFFICE)
@require_POST
def sanction_add(request, psn_no: str):
    """INS-4: a refused entry re-renders the page with every field as typed and the error beside it
    (never a fallback to the first category: a resubmit records only what the office chose)."""
    person = get_object_or_404(InsuredPerson.objects.select_related("psn_cert_type"), psn_no=psn_no)
    form = SanctionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            sanction = services.sanction_record(
                actor=request.user,
                person=person,
                category=data["category"],
                fund_loss=data["fund_loss"],
                description=data["description"],
                evidence=data["evidence"],
                occurred_on=data["occurred_on"],
                start_date=data["start_date"],
                institutions=data["institutions"],
            )
        except DomainError as exc:
            for field, problems in exc.errors.items():
                form.add_error(field if field in form.fields else None, problems)
            if not exc.errors:
                form.add_error(None, f"{exc.message}（{exc.rule}）" if exc.rule else exc.message)
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
    messages.error(request, "违规处理未登记：请按标出的字段修改后重新提交。")
    return render(request, "insured/person_detail.html", _person_context(request, person, form), status=400)


@role_required(Role.OFFICE)
@require_POST
def sanction_lift(request, pk: int):
    sanction = get_object_or_404(Sanction.objects.select_related("person"), pk=pk)
    form = LiftForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"未解除：{first_error(form)}")
        keep_refused(request, form, f"lift-{sanction.pk}")
        return redirect("insured:person", psn_no=sanction.person.psn_no)
    try:
        services.sanction_lift(actor=request.user, sanction=sanction, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
        keep_typed(request, f"lift-{sanction.pk}", {"reason": request.POST.get("reason", "")})
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
    form = RosterUploadForm(request.POST, request.FILES) if request.method == "POST" else RosterUploadForm()
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
