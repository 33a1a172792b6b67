"""Pages of the settlement app."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from admission.forms import ItemChoice, Quantity
from core.errors import DomainError, flatten_errors
from core.forms import TextField, first_error, keep_refused, keep_typed
from core.permissions import role_required
from core.roles import Role, has_role
from settlement import documents, rules, selectors
from settlement.api.serializers import CalculatorRequestSerializer
from settlement.forms import CashReceivedForm

LINE_FIELDS = ("amount", "quantity", "unit_price", "insurance_class", "b_self_pay_ratio", "price_cap")
INSURANCE_TYPES = [
    ("310", "310 职工基本医疗保险"),
    ("390", "390 城乡居民基本医疗保险"),
    ("340", "340 离休人员医疗保障"),
]
MED_TYPES = [
    ("21", "21 普通住院"),
    ("24", "24 急诊转住院"),
    ("11", "11 普通门诊"),
    ("13", "13 急诊"),
    ("14", "14 门诊慢特病"),
    ("52", "52 生育住院"),
]
REFERRALS = [
    ("", "本地就医 / 无转诊"),
    ("referred", "已办理转诊（个人负担 +5 个百分点）"),
    ("unreferred_tier23", "未转诊至二、三级机构（+10 个百分点）"),
    ("unreferred_other", "未转诊至其他机构（不予报销）"),
]


PART_LABELS = {
    "total": ("医疗费总额", "medfee_sumamt"),
    "full_self_pay": ("全自费金额", "fulamt_ownpay_amt"),
    "over_limit_self_pay": ("超限价自费", "overlmt_selfpay"),
    "pre_self_pay": ("先行自付", "preselfpay_amt"),
    "in_scope": ("符合政策范围", "inscp_scp_amt"),
    "deductible_paid": ("实际支付起付线", "act_pay_dedc"),
    "fund_pay": ("统筹基金支出", "hifp_pay"),
    "fund_pay_total": ("基金支付总额", "fund_pay_sumamt"),
    "hospital_share": ("医院负担", "hosp_part_amt"),
    "personal_burden": ("个人负担总额", "psn_part_amt"),
    "personal_account_pay": ("个人账户支出", "acct_pay"),
    "cash_pay": ("个人现金支出", "psn_cash_pay"),
}
EMPHASISED = {"total", "fund_pay_total", "personal_account_pay", "cash_pay"}


def receipt_context(
    *,
    title: str,
    result: rules.SettlementResult,
    operator: str = "",
    patient=(),
    setl_id="",
    insurance_type: str = "310",
) -> dict[str, Any]:
    """What a receipt (结算单) prints: the parts, and the payers as fund-type rows (SET-8)."""
    parts = [
        {"label": PART_LABELS[name][0], "value": getattr(result, name), "strong": name in EMPHASISED}
        for name in rules.SettlementResult.MONEY_FIELDS
    ]
    payers = [
        {"label": f"{insurance_type}100 统筹基金（医院垫付）", "amount": result.fund_pay},
        {"label": f"{insurance_type}200 个人账户（医院垫付）", "amount": result.personal_account_pay},
        {"label": "个人现金（患者支付）", "amount": result.cash_pay},
    ]
    return {
        "title": title,
        "parts": parts,
        "payers": payers,
        "patient": list(patient),
        "setl_id": setl_id,
        "operator": operator,
        "printed_at": timezone.localtime(),
    }


def policy_label(source: str) -> str:
    """The policy version as a page shows it: its Chinese name and start, without the row id or the
    seed reference kept for the audit trail ("policy:3 SET-1 示例（seed 003）：职工住院 自 2020-01-01")."""
    label = re.sub(r"^policy:\d+\s*", "", source or "")
    return re.sub(r"[（(]\s*seed\s*\d+[^）)]*[）)]", "", label).strip()


CALCULATOR_LABELS = {
    "amount": "金额",
    "quantity": "数量",
    "unit_price": "单价",
    "insurance_class": "类别",
    "b_self_pay_ratio": "乙类自付比例",
    "price_cap": "支付标准",
    "deductible": "起付线",
    "fund_ratio": "统筹支付比例",
    "annual_cap": "年度封顶线",
    "deductible_used": "本年度已付起付线",
    "fund_paid_ytd": "本年度统筹已支付",
    "insured_region": "参保地区划",
    "insurance_type": "险种",
    "med_type": "医疗类别",
    "hospital_tier": "医院等级",
    "date": "结算日期",
    "referral": "转诊情况",
    "personal_account_balance": "个人账户余额",
    "acct_used_flag": "使用个人账户",
    "lines": "费用明细",
    "policy": "政策",
    "policy_lookup": "政策",
    "non_field_errors": "",
    "default_b_self_pay_ratio": "乙类默认自付比例",
}


def calculator_errors(errors: Any) -> list[str]:
    """The serializer's errors as lines a clerk reads ("第 2 行 金额：请填写合法的数字。"), never a
    dump of Python objects."""
    lines = []
    for key, messages_ in flatten_errors(errors).items():
        parts = key.split(".")
        where = ""
        if parts[0] == "lines" and len(parts) > 1 and parts[1].isdigit():
            where = f"第 {int(parts[1]) + 1} 行 "
            parts = parts[2:]
        labels = [CALCULATOR_LABELS.get(p, p) for p in parts if CALCULATOR_LABELS.get(p, p)]
        label = labels[-1] if labels else ""
        for message in messages_:
            lines.append(f"{where}{label}：{message}" if label else f"{where}{message}")
    return lines


def _request_from_form(post) -> dict[str, Any]:
    """The calculator API's request body, from the page's form."""
    columns = {name: post.getlist(name) for name in LINE_FIELDS}
    lines = []
    for index in range(len(columns["insurance_class"])):
        row = {
            name: (columns[name][index].strip() if index < len(columns[name]) else "") for name in LINE_FIELDS
        }
        if not (row["amount"] or row["quantity"] or row["unit_price"]):
            continue
        lines.append({k: v for k, v in row.items() if v != ""})
    body: dict[str, Any] = {"lines": lines, "acct_used_flag": post.get("acct_used_flag") == "on"}
    if post.get("mode") == "given":
        body["policy"] = {
            k: post.get(k)
            for k in ("deductible", "fund_ratio", "annual_cap", "deductible_used", "fund_paid_ytd")
            if post.get(k)
        }
    else:
        lookup = {
            k: post.get(k)
            for k in (
                "insured_region",
                "insurance_type",
                "med_type",
                "date",
                "deductible_used",
                "fund_paid_ytd",
            )
            if post.get(k)
        }
        if post.get("hospital_tier"):
            lookup["hospital_tier"] = post.get("hospital_tier")
        body["policy_lookup"] = lookup
    if post.get("referral"):
        body["referral"] = post.get("referral")
    if post.get("personal_account_balance"):
        body["personal_account_balance"] = post.get("personal_account_balance")
    return body


@role_required(Role.CLERK, Role.OFFICE, Role.ADMIN)
def calculator(request: HttpRequest) -> HttpResponse:
    """结算试算: explain a bill part by part (saves nothing). htmx posts return the result panel only."""
    context: dict[str, Any] = {
        "insurance_types": INSURANCE_TYPES,
        "med_types": MED_TYPES,
        "referrals": REFERRALS,
        "today": timezone.localdate(),
        "line_rows": range(4),
    }
    if request.method == "POST":
        serializer = CalculatorRequestSerializer(data=_request_from_form(request.POST))
        if not serializer.is_valid():
            context["form_errors"] = calculator_errors(serializer.errors)
        else:
            try:
                result, policy = selectors.calculate(serializer.validated_data)
            except DomainError as exc:
                context["domain_error"] = exc
            else:
                context["result"] = result
                context["policy"] = policy
                context["receipt"] = receipt_context(
                    title="结算试算单（非正式结算凭证）",
                    result=result,
                    operator=request.user.get_full_name() or request.user.get_username(),
                )
                context["policy_label"] = policy_label(policy.source)
                context["trace"] = [
                    {
                        "rule": step.rule,
                        "label": _part_label(step.field),
                        "amount": step.amount,
                        "note": step.note,
                    }
                    for step in result.trace
                ]
                context["parts"] = [
                    {
                        "name": name,
                        "label": PART_LABELS[name][0],
                        "value": getattr(result, name),
                        "strong": name in EMPHASISED,
                    }
                    for name in rules.SettlementResult.MONEY_FIELDS
                ]
        template = "settlement/_calculator_result.html" if request.htmx else "settlement/calculator.html"
        return render(request, template, context, status=200 if "result" in context else 400)
    return render(request, "settlement/calculator.html", context)


# --- the window: settle a stay (issue 12) -----------------------------------------------------------


class BooksAgreeForm(forms.Form):
    since = forms.DateField(
        label="结算日期自", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(label="至", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError("开始日期不能晚于结束日期。")
        if since and until and (until - since).days > 366:
            raise forms.ValidationError("一次对账的区间不能超过一年。")
        return data


class PolicyInForceForm(forms.Form):
    """The policy in force for region × insurance type × person type × date (issue 18)."""

    insured_region = forms.RegexField(
        label="参保地区划",
        regex=r"^\d{6}$",
        initial="610100",
        error_messages={"invalid": "参保地区划为 6 位数字，如 610100。", "required": "请填写参保地区划。"},
        widget=forms.TextInput(attrs={"maxlength": 6, "size": 8}),
    )
    insurance_type = forms.ChoiceField(
        label="险种",
        choices=[("310", "310 职工基本医疗保险"), ("340", "340 离休人员医疗保障"), ("390", "390 城乡居民")],
    )
    person_type = forms.ChoiceField(label="人员类别", required=False)
    on_date = forms.DateField(
        label="就医日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请填写正确的日期。", "required": "请填写就医日期。"},
    )

    def __init__(self, *args, **kwargs):
        from settlement.models import PolicyPersonType

        super().__init__(*args, **kwargs)
        self.fields["person_type"].choices = [("", "（不区分）"), *PolicyPersonType.choices]

    def clean_on_date(self):
        import datetime as _dt

        day = self.cleaned_data["on_date"]
        if not _dt.date(2000, 1, 1) <= day <= _dt.date(2100, 12, 31):
            raise forms.ValidationError("就医日期须在 2000 年至 2100 年之间。")
        return day


class OutpatientItemForm(forms.Form):
    hospital_item = ItemChoice(label="项目")
    quantity = Quantity(label="数量", required=False)
    consent_signer = forms.CharField(
        label="自费项目协议书签字人（FEE-4）", max_length=50, required=False, strip=True
    )


class OutpatientRegisterForm(forms.Form):
    department = forms.IntegerField(
        label="科室", min_value=1, max_value=2**62, error_messages={"required": "请选择科室。"}
    )
    doctor = forms.IntegerField(
        label="医师", min_value=1, max_value=2**62, error_messages={"required": "请选择医师。"}
    )
    med_type = TextField(label="医疗类别", max_length=6)
    disease_code = TextField(label="病种", max_length=30)


class ReasonForm(forms.Form):
    reason = TextField(label="原因", max_length=200)
    idempotency_key = TextField(max_length=80)


def _pk(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 19 else None


def _stay_settlement_context(request: HttpRequest, stay) -> dict[str, Any]:
    from settlement import services
    from settlement.models import Settlement

    settlements = list(
        Settlement.objects.filter(stay=stay)
        .select_related("reversal_of")
        .prefetch_related("funds")
        .order_by("created_at")
    )
    active = next((s for s in settlements if s.status == Settlement.Status.SETTLED and s.is_final), None)
    return {
        "unconfirmed": [
            s for s in settlements if s.status in (Settlement.Status.PENDING, Settlement.Status.REVERSING)
        ],
        "stay": stay,
        "settlements": settlements,
        "settlement_rows": documents.settlement_rows(settlements),
        "active": active,
        "problems": services.direct_settlement_problems(stay) if stay.status == "discharged" else [],
        "resettle_problems": services.can_resettle_here(active)
        if active and active.mode == "self_pay"
        else [],
        "idempotency_key": f"web-{stay.pk}-{uuid.uuid4().hex}",
        "documents": rules.manual_claim_documents(remote=not stay.person.is_local, inpatient=True),
    }


@role_required(Role.CLERK, Role.OFFICE)
def stay_settlement(request: HttpRequest, pk: int) -> HttpResponse:
    from admission.models import Stay

    stay = get_object_or_404(Stay.objects.select_related("person", "ward", "bed", "department"), pk=pk)
    return render(request, "settlement/stay.html", _stay_settlement_context(request, stay))


@role_required(Role.CLERK, Role.OFFICE)
@require_POST
def stay_pre_settle(request: HttpRequest, pk: int) -> HttpResponse:
    from admission.models import Stay
    from settlement import services

    stay = get_object_or_404(Stay, pk=pk)
    try:
        answer = services.stay_pre_settle(
            actor=request.user,
            stay=stay,
            use_personal_account=request.POST.get("use_personal_account") == "on",
        )
    except DomainError as error:
        return render(request, "settlement/_pre_settle.html", {"error": error}, status=400)
    local = answer["local"]
    center = answer["center"]["setlinfo"] if answer["center"] else {}
    answer["mismatch"] = [{**m, "label": _part_label(m["field"])} for m in answer["mismatch"]]
    rows = [
        {
            "label": PART_LABELS[name][0],
            "nhsa": PART_LABELS[name][1],
            "local": getattr(local, name) if local else None,
            "center": rules.money(center[PART_LABELS[name][1]])
            if center.get(PART_LABELS[name][1]) is not None
            else None,
            "strong": name in EMPHASISED,
        }
        for name in rules.SettlementResult.MONEY_FIELDS
    ]
    return render(
        request,
        "settlement/_pre_settle.html",
        {"answer": answer, "rows": rows, "trace": local.trace if local else []},
    )


def _part_label(field: str) -> str:
    """A settlement part's Chinese name (pages never show the national field names)."""
    from settlement.models import Settlement

    if field in PART_LABELS:
        return PART_LABELS[field][0]
    return str(Settlement._meta.get_field(field).verbose_name)


def _settle_action(request: HttpRequest, stay, call, success: str, visit=None) -> HttpResponse:
    """A reason form of the settlement page (reverse, self-pay, resettle); refused, the page shows it
    again as typed with the error beside the field ({% kept_form "reverse" settlement.pk %} …)."""
    match = request.resolver_match
    kept_key = "-".join([match.url_name, *(str(v) for v in match.kwargs.values())])
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"未办理：{first_error(form)}")
        keep_refused(request, form, kept_key)
        if visit is not None:
            return redirect("settlement:visit", pk=visit.pk)
        return redirect("settlement:stay", pk=stay.pk)
    try:
        call()
    except DomainError as error:
        messages.error(
            request,
            f"{error.message}"
            + (f"（{error.rule}）" if error.rule and error.rule not in error.message else ""),
        )
        keep_typed(request, kept_key, {"reason": request.POST.get("reason", "")})
    else:
        messages.success(request, success)
    if visit is not None:
        return redirect("settlement:visit", pk=visit.pk)
    return redirect("settlement:stay", pk=stay.pk)


def _cash_due(answer: dict[str, Any]) -> Decimal:
    """The patient's cash part of a 试算: the center's when it answered, else the hospital's (SET-8)."""
    setlinfo = (answer.get("center") or {}).get("setlinfo") or {}
    if setlinfo.get("psn_cash_pay") is not None:
        return rules.money(setlinfo["psn_cash_pay"])
    return answer["local"].cash_pay if answer["local"] else None


def _confirmation(request: HttpRequest, person_name: str, pre_settle, **extra: Any) -> HttpResponse:
    """The F9 dialog (SET-8): the 试算's amounts — the center's where it answered — the cash due, an
    input for the cash received and the change; nothing is settled until the clerk confirms."""
    try:
        answer = pre_settle(use_personal_account=request.POST.get("use_personal_account") == "on")
    except DomainError as error:
        return render(request, "settlement/_settle_confirm.html", {"error": error}, status=400)
    local = answer["local"]
    setlinfo = (answer["center"] or {}).get("setlinfo") or {}

    def theirs(name: str) -> Decimal | None:
        """The center's figure; the hospital's own where the center did not answer (none when the
        hospital has no policy for the person: 以中心结算结果为准)."""
        nhsa = PART_LABELS[name][1]
        if setlinfo.get(nhsa) is not None:
            return rules.money(setlinfo[nhsa])
        return getattr(local, name) if local else None

    rows = [
        (PART_LABELS[name][0], theirs(name))
        for name in ("total", "full_self_pay", "over_limit_self_pay", "fund_pay_total", "hospital_share")
    ]
    return render(
        request,
        "settlement/_settle_confirm.html",
        {
            "person_name": person_name,
            "rows": rows,
            "account": theirs("personal_account_pay"),
            "local_note": answer.get("local_note") or "",
            "cash_due": _cash_due(answer),
            "center_error": answer["center_error"],
            "mismatch": answer["mismatch"],
            "problems": answer.get("problems") or [],
            **extra,
        },
    )


def _paid_message(settlement, received: Decimal | None) -> str:
    """应收现金 and, when the clerk typed what the patient handed over, 实收 and the change."""
    paid = f"应收现金 ¥{settlement.cash_pay}"
    if received is not None:
        change = rules.money(received - settlement.cash_pay)
        paid += f"，实收 ¥{rules.money(received)}，" + (
            f"找零 ¥{change}" if change >= 0 else f"尚需补收 ¥{-change}"
        )
    return paid


@role_required(Role.CLERK)
@require_POST
def stay_settle_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """F9 on the stay's settlement page."""
    from admission.models import Stay
    from settlement import services

    stay = get_object_or_404(Stay.objects.select_related("person"), pk=pk)
    return _confirmation(
        request,
        stay.person.name,
        lambda **kw: services.stay_pre_settle(actor=request.user, stay=stay, **kw),
    )


@role_required(Role.CLERK)
@require_POST
def visit_settle_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """F9 on the outpatient visit's page (2206 trial)."""
    from settlement import outpatient
    from settlement.models import OutpatientVisit

    visit = get_object_or_404(OutpatientVisit.objects.select_related("person"), pk=pk)
    return _confirmation(
        request,
        visit.person.name,
        lambda **kw: outpatient.visit_pre_settle(actor=request.user, visit=visit, **kw),
        submit_action="settle",
    )


@role_required(Role.CLERK)
@require_POST
def stay_settle(request: HttpRequest, pk: int) -> HttpResponse:
    from admission.models import Stay
    from settlement import services

    stay = get_object_or_404(Stay, pk=pk)
    cash = CashReceivedForm(request.POST)
    if not cash.is_valid():
        messages.error(request, "；".join(cash.errors["cash_received"]) + " 未结算，请重新确认。")
        return redirect("settlement:stay", pk=stay.pk)
    try:
        settlement = services.stay_settle(
            actor=request.user,
            stay=stay,
            idempotency_key=request.POST.get("idempotency_key", ""),
            use_personal_account=request.POST.get("use_personal_account") == "on",
        )
    except DomainError as error:
        messages.error(
            request,
            f"{error.message}"
            + (f"（{error.rule}）" if error.rule and error.rule not in error.message else ""),
        )
        return redirect("settlement:stay", pk=stay.pk)
    paid = _paid_message(settlement, cash.cleaned_data["cash_received"])
    messages.success(request, f"结算成功：{paid}。请打印结算单。")
    return redirect("settlement:stay", pk=stay.pk)


@role_required(Role.CLERK)
@require_POST
def stay_settle_self_pay(request: HttpRequest, pk: int) -> HttpResponse:
    from admission.models import Stay
    from settlement import services

    stay = get_object_or_404(Stay, pk=pk)
    return _settle_action(
        request,
        stay,
        lambda: services.stay_settle_self_pay(
            actor=request.user,
            stay=stay,
            idempotency_key=request.POST.get("idempotency_key", ""),
            reason=request.POST.get("reason", ""),
        ),
        "已按全自费结算（SET-10）：故障排除后可重新结算并退还多收现金。",
    )


@role_required(Role.CLERK)
@require_POST
def settlement_reverse(request: HttpRequest, settlement_id: int) -> HttpResponse:
    from settlement import services
    from settlement.models import Settlement

    settlement = get_object_or_404(Settlement, pk=settlement_id)
    return _settle_action(
        request,
        settlement.stay,
        lambda: services.settlement_reverse(
            actor=request.user, settlement=settlement, reason=request.POST.get("reason", "")
        ),
        "结算已撤销（冲销记录已生成），住院已重新开放结算（SET-9）。"
        if settlement.stay_id
        else "门诊结算已撤销（冲销记录已生成），可重新结算（SET-9）。",
        visit=settlement.visit,
    )


@role_required(Role.CLERK)
@require_POST
def settlement_resettle(request: HttpRequest, settlement_id: int) -> HttpResponse:
    from settlement import services
    from settlement.models import Settlement

    settlement = get_object_or_404(Settlement, pk=settlement_id)
    return _settle_action(
        request,
        settlement.stay,
        lambda: services.stay_resettle(
            actor=request.user, settlement=settlement, idempotency_key=request.POST.get("idempotency_key", "")
        ),
        "已重新结算：请打印退款凭证，退还多收现金（SET-10）。",
    )


# --- the window: outpatient visits ---------------------------------------------------------------------


@role_required(Role.CLERK)
def outpatient_register(request: HttpRequest) -> HttpResponse:
    """门诊挂号 after a confirmed card read; the same person, day and type is the same visit (ADM-8)."""
    from hospital.models import Department, Practitioner
    from insured.models import CardRead
    from settlement import outpatient
    from settlement.models import OutpatientVisit

    source = request.POST if request.method == "POST" else request.GET
    card_read = (
        CardRead.objects.filter(pk=_pk(source.get("card_read")) or 0, confirmed_at__isnull=False)
        .select_related("person")
        .first()
    )
    if request.method == "POST" and card_read is not None:
        form = OutpatientRegisterForm(source)
        try:
            if not form.is_valid():
                raise DomainError(first_error(form), code="validation_error")
            department = Department.objects.filter(pk=form.cleaned_data["department"]).first()
            doctor = Practitioner.objects.filter(pk=form.cleaned_data["doctor"]).first()
            if department is None or doctor is None:
                raise DomainError("请从列表中选择科室和医师。", code="choice_required")
            visit, notices = outpatient.visit_register(
                actor=request.user,
                card_read=card_read,
                department=department,
                doctor=doctor,
                med_type=form.cleaned_data["med_type"] or "11",
                disease_code=form.cleaned_data["disease_code"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"门诊号 {visit.visit_no}。")
            for notice in notices:
                messages.warning(request, f"{notice['message']}（{notice['rule']}）")
            return redirect("settlement:visit", pk=visit.pk)
    return render(
        request,
        "settlement/outpatient_register.html",
        {
            "card_read": card_read,
            "departments": Department.objects.filter(kind="clinical", is_active=True),
            "doctors": Practitioner.objects.filter(kind="doctor", is_active=True).select_related(
                "department"
            ),
            "med_types": outpatient.MED_TYPES.items(),
            "visits": OutpatientVisit.objects.filter(visit_date=timezone.localdate())
            .select_related("person", "department", "doctor")
            .order_by("-id")[:100],
        },
    )


@role_required(Role.CLERK, Role.OFFICE)
def outpatient_visit(request: HttpRequest, pk: int) -> HttpResponse:
    from prescriptions.models import Prescription
    from settlement import outpatient
    from settlement.models import OutpatientVisit, Settlement

    visit = get_object_or_404(OutpatientVisit.objects.select_related("person", "department", "doctor"), pk=pk)
    if request.method == "POST" and has_role(request.user, Role.CLERK):
        action = request.POST.get("action")
        try:
            if action == "prescription":
                prescription = Prescription.objects.filter(
                    pk=_pk(request.POST.get("prescription")) or 0, person=visit.person
                ).first()
                if prescription is None:
                    raise DomainError("请从列表中选择处方。", code="choice_required")
                outpatient.visit_add_prescription(actor=request.user, visit=visit, prescription=prescription)
                messages.success(request, f"已按处方 {prescription.number} 收费。")
            elif action == "item":
                form = OutpatientItemForm(request.POST)
                if not form.is_valid():
                    raise DomainError(first_error(form), code="validation_error")
                item = form.cleaned_data["hospital_item"]
                outpatient.visit_add_item(
                    actor=request.user,
                    visit=visit,
                    hospital_item=item,
                    quantity=form.cleaned_data["quantity"] or Decimal(1),
                    consent_signer=form.cleaned_data["consent_signer"],
                )
                messages.success(request, f"已收费：{item.name}。")
            elif action == "settle":
                cash = CashReceivedForm(request.POST)
                if not cash.is_valid():
                    messages.error(request, "；".join(cash.errors["cash_received"]) + " 未结算，请重新确认。")
                    return redirect("settlement:visit", pk=pk)
                settlement = outpatient.visit_settle(
                    actor=request.user,
                    visit=visit,
                    idempotency_key=request.POST.get("idempotency_key", ""),
                    use_personal_account=request.POST.get("use_personal_account") == "on",
                )
                paid = _paid_message(settlement, cash.cleaned_data["cash_received"])
                messages.success(request, f"门诊结算成功：{paid}。请打印结算单。")
            elif action == "pre_settle":
                answer = outpatient.visit_pre_settle(
                    actor=request.user,
                    visit=visit,
                    use_personal_account=request.POST.get("use_personal_account") == "on",
                )
                center = answer["center"]["setlinfo"] if answer["center"] else None
                rows = []
                for name in rules.SettlementResult.MONEY_FIELDS:
                    label, nhsa = PART_LABELS[name]
                    theirs = str(rules.money(center.get(nhsa) or 0)) if center else "—"
                    ours = str(getattr(answer["local"], name)) if answer["local"] else "—"
                    rows.append([label, ours, theirs])
                request.session["visit_pre_settle"] = {
                    "visit": visit.pk,
                    "rows": rows,
                    "error": answer["center_error"]["message"] if answer["center_error"] else "",
                    "local_note": answer["local_note"] or "",
                }
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("settlement:visit", pk=pk)
    pre = request.session.pop("visit_pre_settle", None)
    charged = visit.charges.filter(prescription_item__isnull=False).values(
        "prescription_item__prescription_id"
    )
    return render(
        request,
        "settlement/outpatient_visit.html",
        {
            "visit": visit,
            "med_type_label": outpatient.MED_TYPES.get(visit.med_type, visit.med_type),
            "charges": visit.charges.all(),
            "total": sum((c.amount for c in visit.charges.all()), Decimal("0.00")),
            "prescriptions": Prescription.objects.filter(
                person=visit.person,
                status="issued",
                visit_type__in=["outpatient", "emergency"],
                prescribed_on=visit.visit_date,
            ).exclude(pk__in=charged),
            "settlements": Settlement.objects.filter(visit=visit).order_by("created_at"),
            "pre": pre if pre and pre.get("visit") == visit.pk else None,
            "idempotency_key": f"web-visit-{visit.pk}-{uuid.uuid4().hex}",
        },
    )


@role_required(Role.CLERK, Role.OFFICE)
@require_POST
def settlement_check_now(request: HttpRequest, settlement_id: int) -> HttpResponse:
    """立即核实: ask the center now what it holds for a settlement whose outcome is unknown (issue 16)."""
    from settlement import recovery
    from settlement.models import Settlement

    settlement = get_object_or_404(Settlement, pk=settlement_id)
    try:
        result = recovery.settlement_check_now(actor=request.user, settlement=settlement)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        result.refresh_from_db()
        messages.success(request, f"已与医保中心核实：{result.get_status_display()}。")
    if settlement.stay_id:
        return redirect("settlement:stay", pk=settlement.stay_id)
    return redirect("settlement:visit", pk=settlement.visit_id)


@role_required(Role.OFFICE, Role.ADMIN)
def policy_in_force_page(request: HttpRequest) -> HttpResponse:
    """在用政策: the policy a settlement would use for region × insurance type × person type × date."""
    from django.utils import timezone

    data = request.GET if request.GET else None
    form = PolicyInForceForm(
        data, initial={"insured_region": "610100", "insurance_type": "310", "on_date": timezone.localdate()}
    )
    rows = None
    if data is not None and form.is_valid():
        rows = selectors.policy_in_force(**form.cleaned_data)
    return render(request, "settlement/policy_in_force.html", {"form": form, "rows": rows})


@role_required(Role.OFFICE, Role.ADMIN)
def books_agree_page(request: HttpRequest) -> HttpResponse:
    """对账: settlements where the hospital and the center disagree, each with its action (issue 16)."""
    from settlement.books import books_agree
    from settlement.models import Settlement

    form = BooksAgreeForm(request.GET or None)
    differences = None
    if request.GET and form.is_valid():
        differences = books_agree(
            since=form.cleaned_data["since"], until=form.cleaned_data["until"], actor=request.user
        )
    unconfirmed = Settlement.objects.filter(status__in=Settlement.IN_FLIGHT).select_related(
        "person", "stay", "visit"
    )
    needs_review = Settlement.objects.filter(
        needs_review=True, status=Settlement.Status.SETTLED
    ).select_related("person")[:50]
    return render(
        request,
        "settlement/books_agree.html",
        {"form": form, "differences": differences, "unconfirmed": unconfirmed, "needs_review": needs_review},
    )
