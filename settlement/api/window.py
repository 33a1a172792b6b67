"""The window's settlement API: pre-settle, settle (Idempotency-Key), self-pay fallback (SET-10),
re-settle, reverse (SET-9), and reading a settlement. Mounted under /api/v1/admissions/ and
/api/v1/settlements/."""

from __future__ import annotations

from decimal import Decimal

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from admission.models import Stay
from core.api.permissions import role_permission
from core.errors import DomainError
from core.forms import PlainDecimalSerializerField
from core.roles import Role
from settlement import rules, services
from settlement.models import Settlement

WINDOW = role_permission(Role.CLERK)
READERS = role_permission(Role.CLERK, Role.OFFICE)
IDEMPOTENCY = OpenApiParameter("Idempotency-Key", str, location=OpenApiParameter.HEADER, required=True)


class FundSerializer(serializers.Serializer):
    fund_pay_type = serializers.CharField()
    fund_pay_type_name = serializers.CharField()
    fund_payamt = PlainDecimalSerializerField(max_digits=14, decimal_places=2)


class SettlementSerializer(serializers.ModelSerializer):
    funds = FundSerializer(many=True, read_only=True)
    ipt_no = serializers.CharField(source="stay.ipt_no", default=None)
    refund = serializers.SerializerMethodField()

    class Meta:
        model = Settlement
        fields = [
            "id",
            "kind",
            "mode",
            "status",
            "ipt_no",
            "med_type",
            "insutype",
            "is_final",
            "setl_id",
            "mdtrt_id",
            "medins_setl_id",
            "clr_type",
            "clr_way",
            "clr_optins",
            "insuplc_admdvs",
            *rules.SettlementResult.MONEY_FIELDS,
            "fund_ratio",
            "account_balance_after",
            "funds",
            "mismatch",
            "needs_review",
            "reversal_of",
            "resettlement_of",
            "refund",
            "reason",
            "settled_at",
        ]

    def get_refund(self, settlement) -> dict | None:
        refund = getattr(settlement, "self_pay_refund", None)
        if refund is None:
            return None
        return {
            "amount": str(refund.amount),
            "receipt_no": refund.receipt_no,
            "resettlement": refund.resettlement_id,
        }


class SettleRequestSerializer(serializers.Serializer):
    use_personal_account = serializers.BooleanField(default=True, help_text="acct_used_flag")
    mid_settlement = serializers.BooleanField(default=False, help_text="中途结算 mid_setl_flag")


@extend_schema_serializer(component_name="SettlementReason")  # admission has its own "Reason" (500 chars)
class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


def _key(request: Request) -> str:
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if not key:
        raise DomainError("请求须带 Idempotency-Key 请求头。", code="idempotency_key_required")
    return key[:80]


def _money(result: rules.SettlementResult) -> dict:
    body = {name: str(getattr(result, name)) for name in rules.SettlementResult.MONEY_FIELDS}
    body["fund_ratio"] = str(result.fund_ratio)
    body["trace"] = [
        {"rule": s.rule, "field": s.field, "amount": str(s.amount), "note": s.note} for s in result.trace
    ]
    return body


class PreSettleApi(APIView):
    """试算: the hospital's own calculation and the center's (2303); no settlement is written."""

    permission_classes = [READERS]

    @extend_schema(
        request=SettleRequestSerializer,
        responses={200: OpenApiTypes.OBJECT},
        summary="住院预结算（试算）：本院计算、中心 2303 结果及差异",
    )
    def post(self, request: Request, pk: int) -> Response:
        stay = get_object_or_404(Stay, pk=pk)
        body = SettleRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        answer = services.stay_pre_settle(
            actor=request.user, stay=stay, use_personal_account=body.validated_data["use_personal_account"]
        )
        center = answer["center"]
        return Response(
            {
                **(_money(answer["local"]) if answer["local"] else {"local_note": answer["local_note"]}),
                "policy_source": answer["policy"].source if answer["policy"] else None,
                "problems": answer["problems"],
                "center": {
                    k: str(rules.money(v)) if isinstance(v, Decimal) else v
                    for k, v in center["setlinfo"].items()
                }
                if center
                else None,
                "center_error": answer["center_error"],
                "mismatch": answer["mismatch"],
            }
        )


class SettleApi(APIView):
    """Settle through the center. The same Idempotency-Key returns the same settlement."""

    permission_classes = [WINDOW]

    @extend_schema(
        request=SettleRequestSerializer,
        parameters=[IDEMPOTENCY],
        responses={201: SettlementSerializer},
        summary="住院结算",
    )
    def post(self, request: Request, pk: int) -> Response:
        stay = get_object_or_404(Stay, pk=pk)
        body = SettleRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        settlement = services.stay_settle(
            actor=request.user,
            stay=stay,
            idempotency_key=_key(request),
            use_personal_account=body.validated_data["use_personal_account"],
            mid_settlement=body.validated_data["mid_settlement"],
        )
        return Response(SettlementSerializer(settlement).data, status=status.HTTP_201_CREATED)


class SelfPaySettleApi(APIView):
    """SET-10/INS-5: the patient pays everything in cash (center or equipment down, non-direct person)."""

    permission_classes = [WINDOW]

    @extend_schema(
        request=ReasonSerializer,
        parameters=[IDEMPOTENCY],
        responses={201: SettlementSerializer},
        summary="全自费结算（SET-10）",
    )
    def post(self, request: Request, pk: int) -> Response:
        stay = get_object_or_404(Stay, pk=pk)
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        settlement = services.stay_settle_self_pay(
            actor=request.user, stay=stay, idempotency_key=_key(request), reason=body.validated_data["reason"]
        )
        return Response(SettlementSerializer(settlement).data, status=status.HTTP_201_CREATED)


class SettlementDetailApi(APIView):
    permission_classes = [READERS]

    @extend_schema(responses=SettlementSerializer, summary="结算详情")
    def get(self, request: Request, settlement_id: int) -> Response:
        return Response(SettlementSerializer(get_object_or_404(Settlement, pk=settlement_id)).data)


class ReverseApi(APIView):
    """SET-9: reverse the whole settlement (counter-entry); the stay reopens for re-settlement."""

    permission_classes = [WINDOW]

    @extend_schema(
        request=ReasonSerializer, responses={201: SettlementSerializer}, summary="撤销结算（SET-9）"
    )
    def post(self, request: Request, settlement_id: int) -> Response:
        settlement = get_object_or_404(Settlement, pk=settlement_id)
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        counter = services.settlement_reverse(
            actor=request.user, settlement=settlement, reason=body.validated_data["reason"]
        )
        return Response(SettlementSerializer(counter).data, status=status.HTTP_201_CREATED)


class ResettleApi(APIView):
    """SET-10 重新结算 after the fault is cleared: the center settles; the excess cash is refunded once."""

    permission_classes = [WINDOW]

    @extend_schema(
        request=None,
        parameters=[IDEMPOTENCY],
        responses={201: SettlementSerializer},
        summary="重新结算（SET-10）",
    )
    def post(self, request: Request, settlement_id: int) -> Response:
        settlement = get_object_or_404(Settlement, pk=settlement_id)
        new, _refund = services.stay_resettle(
            actor=request.user, settlement=settlement, idempotency_key=_key(request)
        )
        settlement.refresh_from_db()
        return Response(
            {**SettlementSerializer(new).data, "original": SettlementSerializer(settlement).data},
            status=status.HTTP_201_CREATED,
        )
