"""Pages of the settlement app."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from core.errors import DomainError
from core.permissions import role_required
from core.roles import Role
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
            context["form_errors"] = serializer.errors
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
