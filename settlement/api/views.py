from __future__ import annotations

from dataclasses import replace

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import role_permission
from core.roles import Role
from settlement import rules, selectors
from settlement.api.serializers import CalculatorRequestSerializer, CalculatorResponseSerializer


class CalculatorApi(APIView):
    """Settlement calculator: computes every part of a settlement and saves nothing.

    The office's tool to explain a bill, and the clerk's to answer a patient's question.
    """

    permission_classes = [role_permission(Role.CLERK, Role.OFFICE, Role.ADMIN)]

    @extend_schema(
        request=CalculatorRequestSerializer, responses=CalculatorResponseSerializer, summary="结算试算器"
    )
    def post(self, request: Request) -> Response:
        serializer = CalculatorRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "policy" in data:
            given = data["policy"]
            policy = rules.Policy(
                deductible=given["deductible"],
                fund_ratio=given["fund_ratio"],
                annual_cap=given.get("annual_cap"),
            )
            if given.get("default_b_self_pay_ratio") is not None:
                policy = replace(policy, default_b_self_pay_ratio=given["default_b_self_pay_ratio"])
            accumulators = rules.Accumulators(given["deductible_used"], given["fund_paid_ytd"])
        else:
            lookup = data["policy_lookup"]
            version = selectors.policy_version_as_of(
                insured_region=lookup["insured_region"],
                insurance_type=lookup["insurance_type"],
                med_type=lookup["med_type"],
                hospital_tier=lookup.get("hospital_tier"),
                on_date=lookup["date"],
            )
            policy = selectors.as_rule_policy(version)
            accumulators = rules.Accumulators(lookup["deductible_used"], lookup["fund_paid_ytd"])
        lines = [
            rules.FeeLine(
                insurance_class=rules.InsuranceClass(line["insurance_class"]),
                amount=line.get("amount"),
                quantity=line.get("quantity"),
                unit_price=line.get("unit_price"),
                b_self_pay_ratio=line.get("b_self_pay_ratio"),
                price_cap=line.get("price_cap"),
            )
            for line in data["lines"]
        ]
        result = rules.settle(
            lines,
            policy,
            accumulators,
            referral=rules.Referral(data["referral"]) if data.get("referral") else None,
            personal_account_balance=data.get("personal_account_balance"),
            use_personal_account=data["acct_used_flag"],
        )
        body = {name: getattr(result, name) for name in rules.SettlementResult.MONEY_FIELDS}
        body["fund_ratio"] = result.fund_ratio
        body["policy_source"] = policy.source
        body["trace"] = [vars(step) for step in result.trace]
        return Response(CalculatorResponseSerializer(body).data)
