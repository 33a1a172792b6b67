from __future__ import annotations

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
        result, policy = selectors.calculate(serializer.validated_data)
        body = {name: getattr(result, name) for name in rules.SettlementResult.MONEY_FIELDS}
        body["fund_ratio"] = result.fund_ratio
        body["policy_source"] = policy.source
        body["trace"] = [vars(step) for step in result.trace]
        return Response(CalculatorResponseSerializer(body).data)
