"""Pages of the settlement app."""

from __future__ import annotations

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
from core.forms import TextField, first_error
from core.permissions import role_required
from core.roles import Role, has_role
from settlement import rules, selectors
from settlement.api.serializers import CalculatorRequestSerializer

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
                context["parts"] = [
                    {
                        "name": name,
                        "label": PART_LABELS[name][0],
                        "nhsa": PART_LABELS[name][1],
                        "value": getattr(result, name),
                        "strong": name in EMPHASISED,
                    }
                    for name in rules.SettlementResult.MONEY_FIELDS
                ]
        template = "settlement/_calculator_result.html" if request.htmx else "settlement/calculator.html"
        return render(request, template, context, status=200 if "result" in context else 400)
    return render(request, "settlement/calculator.html", context)


# --- the window: settle a stay (issue 12) -----------------------------------------------------------


def settlement_receipt_context(settlement, *, operator: str = "") -> dict[str, Any]:
    """A stored settlement's receipt: its parts and its payer rows (fund types), cash last (SET-8)."""
    receipt = receipt_context(
        title="住院结算单" if settlement.kind == "inpatient" else "门诊结算单",
        result=settlement,
        operator=operator,
        setl_id=settlement.setl_id or settlement.medins_setl_id,
        insurance_type=settlement.insutype or "310",
        patient=[
            ("姓名", settlement.person.name),
            ("人员编号", settlement.person.psn_no),
            ("住院号", settlement.stay.ipt_no if settlement.stay_id else settlement.visit.visit_no),
            ("医疗类别", settlement.med_type),
            ("结算方式", settlement.get_mode_display()),
            (
                "结算时间",
                timezone.localtime(settlement.settled_at).strftime("%Y-%m-%d %H:%M")
                if settlement.settled_at
                else "",
            ),
        ],
    )
    funds = list(settlement.funds.all())
    if funds:
        receipt["payers"] = [
            {"label": f"{f.fund_pay_type} {f.fund_pay_type_name}（医院垫付）", "amount": f.fund_payamt}
            for f in funds
        ] + [{"label": "个人现金（患者支付）", "amount": settlement.cash_pay}]
    return receipt


class OutpatientItemForm(forms.Form):
    hospital_item = ItemChoice(label="项目")
    quantity = Quantity(label="数量", required=False)


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
        "stay": stay,
        "settlements": settlements,
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
    rows = [
        {
            "label": PART_LABELS[name][0],
            "nhsa": PART_LABELS[name][1],
            "local": getattr(local, name),
            "center": rules.money(center[PART_LABELS[name][1]])
            if center.get(PART_LABELS[name][1]) is not None
            else None,
            "strong": name in EMPHASISED,
        }
        for name in rules.SettlementResult.MONEY_FIELDS
    ]
    return render(
        request, "settlement/_pre_settle.html", {"answer": answer, "rows": rows, "trace": local.trace}
    )


def _settle_action(request: HttpRequest, stay, call, success: str) -> HttpResponse:
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"未办理：{first_error(form)}")
        return redirect("settlement:stay", pk=stay.pk)
    try:
        call()
    except DomainError as error:
        messages.error(
            request,
            f"{error.message}"
            + (f"（{error.rule}）" if error.rule and error.rule not in error.message else ""),
        )
    else:
        messages.success(request, success)
    return redirect("settlement:stay", pk=stay.pk)


@role_required(Role.CLERK)
@require_POST
def stay_settle(request: HttpRequest, pk: int) -> HttpResponse:
    from admission.models import Stay
    from settlement import services

    stay = get_object_or_404(Stay, pk=pk)
    return _settle_action(
        request,
        stay,
        lambda: services.stay_settle(
            actor=request.user,
            stay=stay,
            idempotency_key=request.POST.get("idempotency_key", ""),
            use_personal_account=request.POST.get("use_personal_account") == "on",
        ),
        "结算成功，请打印结算单。",
    )


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
        "结算已撤销（冲销记录已生成），住院已重新开放结算（SET-9）。",
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


@role_required(Role.CLERK, Role.OFFICE)
def settlement_receipt(request: HttpRequest, settlement_id: int) -> HttpResponse:
    from settlement.models import Settlement

    settlement = get_object_or_404(
        Settlement.objects.select_related("person", "stay", "visit"), pk=settlement_id
    )
    operator = request.user.get_full_name() or request.user.get_username()
    return render(
        request,
        "settlement/receipt.html",
        {"settlement": settlement, "receipt": settlement_receipt_context(settlement, operator=operator)},
    )


@role_required(Role.CLERK, Role.OFFICE)
def settlement_list_print(request: HttpRequest, settlement_id: int) -> HttpResponse:
    """结算清单 for the patient's signature: the stay's items by class and the settlement's parts (ADM-9)."""
    from django.db.models import Count, Sum

    from admission.models import ChargeLine
    from settlement.models import Settlement

    settlement = get_object_or_404(Settlement.objects.select_related("person", "stay"), pk=settlement_id)
    items = (
        ChargeLine.objects.filter(stay=settlement.stay, charged_on__lte=settlement.covers_to)
        .values("hospital_item__name", "med_list_codg", "insurance_class", "unit_price", "self_pay_reason")
        .annotate(quantity=Sum("quantity"), amount=Sum("amount"), lines=Count("id"))
        .order_by("insurance_class", "hospital_item__name")
    )
    return render(
        request,
        "settlement/settlement_list.html",
        {
            "settlement": settlement,
            "items": [i for i in items if i["quantity"]],
            "receipt": settlement_receipt_context(settlement),
        },
    )


@role_required(Role.CLERK, Role.OFFICE)
def refund_receipt(request: HttpRequest, settlement_id: int) -> HttpResponse:
    from settlement.models import SelfPayRefund

    refund = get_object_or_404(
        SelfPayRefund.objects.select_related("original__person", "resettlement"), original_id=settlement_id
    )
    return render(request, "settlement/refund_receipt.html", {"refund": refund})


# --- the window: outpatient visits ---------------------------------------------------------------------


@role_required(Role.CLERK)
def outpatient_register(request: HttpRequest) -> HttpResponse:
    """门诊挂号 after a confirmed card read; the same person, day and type is the same visit (ADM-8)."""
    from hospital.models import Department, Practitioner
    from insured.models import CardRead
    from settlement import outpatient

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
                )
                messages.success(request, f"已收费：{item.name}。")
            elif action == "settle":
                outpatient.visit_settle(
                    actor=request.user,
                    visit=visit,
                    idempotency_key=request.POST.get("idempotency_key", ""),
                    use_personal_account=request.POST.get("use_personal_account") == "on",
                )
                messages.success(request, "门诊结算成功，请打印结算单。")
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
                    rows.append([label, str(getattr(answer["local"], name)), theirs])
                request.session["visit_pre_settle"] = {
                    "visit": visit.pk,
                    "rows": rows,
                    "error": answer["center_error"]["message"] if answer["center_error"] else "",
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
