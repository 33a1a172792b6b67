"""Doctor's pages: compose a prescription with live checks (htmx), list, detail/print, cancel."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.forms import PLAIN_NUMBER, normalise
from core.permissions import role_required
from core.roles import Role
from insured.selectors import mask_certno
from prescriptions import rules, selectors, services

ROW_FIELD = re.compile(r"^rows-(\d+)-item_code$")
INITIAL_ROWS = 4


class FormProblem(ValueError):
    """A row the doctor typed that cannot be read (not a rule violation)."""


# Input sanity bounds of a prescription row (the columns hold more; no row is 100,000 packs or days).
LARGEST = {"数量": Decimal(99999), "单次剂量": Decimal(99999), "天数": Decimal(366)}


def _decimal(value: str, label: str, row: int) -> Decimal | None:
    value = normalise(value or "")
    if not value:
        return None
    if not PLAIN_NUMBER.match(value):
        raise FormProblem(f"第 {row + 1} 行{label}“{value[:20]}”不是数字（不接受科学计数法）")
    number = Decimal(value)
    if number < 0:
        raise FormProblem(f"第 {row + 1} 行{label}不能为负数")
    if number > LARGEST[label]:
        raise FormProblem(f"第 {row + 1} 行{label}超出范围（不超过 {LARGEST[label]}）")
    if label == "天数" and number != number.to_integral_value():
        raise FormProblem(f"第 {row + 1} 行天数应为整数")
    if -number.as_tuple().exponent > 3:
        raise FormProblem(f"第 {row + 1} 行{label}最多 3 位小数")
    return number


def _text(value: str, label: str, row: int, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise FormProblem(f"第 {row + 1} 行{label}过长（不超过 {limit} 个字符）")
    return value


def parse_form(data) -> tuple[dict[str, Any], list[int], list[int]]:
    """The compose form → check arguments, plus every row index on the page and the row of each line."""
    row_ids = [row["id"] for row in rows_as_typed(data)]
    lines, line_rows = [], []
    for row in row_ids:
        code = _text(data.get(f"rows-{row}-item_code", ""), "药品编码", row, 50)
        if not code:
            continue
        quantity = _decimal(data.get(f"rows-{row}-quantity", ""), "数量", row)
        days = _decimal(data.get(f"rows-{row}-days", ""), "天数", row)
        dx = data.get(f"rows-{row}-diagnosis", "")
        lines.append(
            selectors.LineRequest(
                item_code=code,
                quantity=quantity if quantity is not None else Decimal(0),
                dose=_decimal(data.get(f"rows-{row}-dose", ""), "单次剂量", row),
                frequency=_text(data.get(f"rows-{row}-frequency", ""), "频次", row, 5) or "qd",
                days=int(days) if days else None,
                self_pay=bool(data.get(f"rows-{row}-self_pay")),
                consent=bool(data.get(f"rows-{row}-consent")),
                indication_met=bool(data.get(f"rows-{row}-indication_met")),
                diagnosis=int(dx) if dx.isdigit() and len(dx) < 5 else None,
            )
        )
        line_rows.append(row)
    visit_type = data.get("visit_type", rules.VisitType.OUTPATIENT)
    if visit_type not in set(rules.VisitType):
        raise FormProblem("就诊类型不正确")
    codes = [c.strip().upper() for c in data.getlist("diagnosis") if c.strip()]
    if len(data.get("psn_no", "")) > 30 or any(len(c) > 20 for c in codes) or len(codes) > 20:
        raise FormProblem("人员编号或诊断代码过长，请从列表中选择")
    args = {
        "psn_no": data.get("psn_no", "").strip(),
        "visit_type": visit_type,
        "diagnosis_codes": codes,
        "lines": lines,
    }
    return args, row_ids, line_rows


ROW_VALUES = ("item_code", "item_label", "quantity", "dose", "frequency", "days", "diagnosis")
ROW_FLAGS = ("self_pay", "consent", "indication_met")


def rows_as_typed(data) -> list[dict[str, Any]]:
    """Rows to re-render after a refused save, exactly as the doctor typed them."""
    row_ids = sorted(int(m.group(1)) for key in data for m in [ROW_FIELD.match(key)] if m)
    return [
        {
            "id": row,
            **{name: data.get(f"rows-{row}-{name}", "") for name in ROW_VALUES},
            **{name: bool(data.get(f"rows-{row}-{name}")) for name in ROW_FLAGS},
        }
        for row in row_ids
    ]


def _check_context(data) -> dict[str, Any]:
    """Run the check on the form as typed; the partial shows the result beside each row."""
    try:
        args, row_ids, line_rows = parse_form(data)
    except FormProblem as problem:
        return {"problem": str(problem), "row_cells": []}
    row_issues: dict[int, list[rules.Violation]] = {row: [] for row in row_ids}
    context: dict[str, Any] = {"row_cells": [(row, None, []) for row in row_ids]}
    if not args["psn_no"]:
        context["problem"] = "请先输入患者人员编号"
        return context
    if not args["lines"]:
        context["problem"] = "请添加药品或项目"
        return context
    try:
        answer = selectors.check(**args)
    except DomainError as error:
        context["problem"] = error.message
        return context
    result = answer.result
    for violation in result.violations:
        if violation.item is not None:
            row_issues[line_rows[violation.item]].append(violation)
    outcomes = {line_rows[o.index]: o for o in result.items}
    context.update(
        row_cells=[(row, outcomes.get(row), row_issues[row]) for row in row_ids],
        result=result,
        general=[v for v in result.violations if v.item is None],
        blocks=sum(1 for v in result.violations if v.level == rules.Level.BLOCK),
        warns=sum(1 for v in result.violations if v.level == rules.Level.WARN),
        answer=answer,
    )
    return context


@role_required(Role.DOCTOR)
def compose(request: HttpRequest) -> HttpResponse:
    """Write a prescription; each keystroke re-checks it (htmx → check), Save issues it."""
    context: dict[str, Any] = {
        "visit_types": [(v.value, rules.VISIT_TYPE_LABELS[v]) for v in rules.VisitType],
        "frequencies": list(rules.FREQUENCY_LABELS.items()),
        "rows": [{"id": row} for row in range(INITIAL_ROWS)],
        "template_row": {"id": "__ROW__"},
        "form": request.POST if request.method == "POST" else request.GET,
        "diagnosis_codes": (request.POST if request.method == "POST" else request.GET).getlist("diagnosis"),
        "profile": selectors.profile_as_of(timezone.localdate()),
    }
    if request.method == "POST":
        try:
            args, _, _ = parse_form(request.POST)
            doctor = getattr(request.user, "practitioner", None)
            if doctor is None:
                raise DomainError("当前账号未关联医师，不能开具处方。", code="no_practitioner")
            prescription = services.prescription_issue(
                actor=request.user,
                doctor=doctor,
                idempotency_key=request.POST.get("idempotency_key", "")[:64] or None,
                **args,
            )
        except FormProblem as problem:
            messages.error(request, str(problem))
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"处方 {prescription.number} 已保存。")
            return redirect("prescriptions:detail", pk=prescription.pk)
        context["rows"] = rows_as_typed(request.POST) or context["rows"]
        context.update(_check_context(request.POST))
    context["idempotency_key"] = timezone.now().strftime("%Y%m%d%H%M%S%f") + str(request.user.pk)
    return render(request, "prescriptions/compose.html", context)


@role_required(Role.DOCTOR)
@require_POST
def check(request: HttpRequest) -> HttpResponse:
    return render(request, "prescriptions/_check.html", _check_context(request.POST))


@role_required(Role.DOCTOR)
def patient(request: HttpRequest) -> HttpResponse:
    """Who the prescription is for: name, sex, age, enrolment — certificate number masked."""
    psn_no = request.GET.get("psn_no", "").strip()
    context: dict[str, Any] = {"psn_no": psn_no}
    if psn_no:
        try:
            person = selectors.person_by_psn_no(psn_no)
        except DomainError as error:
            context["problem"] = error.message
        else:
            today = timezone.localdate()
            context.update(
                person=person,
                age=person.age_on(today),
                certno=mask_certno(person.certno),
                scope=selectors.scope_restriction(person, today),
                approvals=person.drug_approvals.filter(revoked=False)[:5],
            )
    return render(request, "prescriptions/_patient.html", context)


@role_required(Role.DOCTOR, Role.OFFICE)
def prescription_list(request: HttpRequest) -> HttpResponse:
    queryset = selectors.prescriptions_for(request.user)
    if psn_no := request.GET.get("psn_no", "").strip():
        queryset = queryset.filter(person__psn_no=psn_no)
    return render(request, "prescriptions/list.html", {"prescriptions": queryset[:200], "psn_no": psn_no})


@role_required(Role.DOCTOR, Role.OFFICE)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    prescription = get_object_or_404(
        selectors.prescriptions_for(request.user).prefetch_related("items", "diagnoses"), pk=pk
    )
    return render(
        request,
        "prescriptions/detail.html",
        {
            "rx": prescription,
            "certno": mask_certno(prescription.person.certno),
            "frequencies": rules.FREQUENCY_LABELS,
        },
    )


@role_required(Role.DOCTOR)
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    prescription = get_object_or_404(selectors.prescriptions_for(request.user), pk=pk)
    try:
        services.prescription_cancel(
            actor=request.user, prescription=prescription, reason=request.POST.get("reason", "")[:200]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"处方 {prescription.number} 已作废。")
    return redirect("prescriptions:detail", pk=pk)
