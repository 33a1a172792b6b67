"""Outpatient window API (/api/v1/outpatient/visits/): register after a card read, charge saved
prescriptions and service items, pre-settle and settle (Idempotency-Key); reverse via /settlements/."""

from __future__ import annotations

from decimal import Decimal

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import role_permission
from core.errors import DomainError
from core.forms import PlainDecimalSerializerField
from core.roles import Role
from drug_catalog.models import HospitalItem
from fees.models import FeeLine
from hospital.models import Department, Practitioner
from insured.models import CardRead
from prescriptions.models import Prescription
from settlement import outpatient, rules
from settlement.api.window import IDEMPOTENCY, SettlementSerializer, _key, _money
from settlement.models import OutpatientVisit

WINDOW = role_permission(Role.CLERK, read_roles=(Role.OFFICE,))


class ChargeSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeeLine
        fields = [
            "id",
            "feedetl_sn",
            "init_feedetl_sn",
            "charged_on",
            "name",
            "med_list_codg",
            "insurance_class",
            "b_self_pay_ratio",
            "quantity",
            "unit_price",
            "amount",
            "full_self_pay_amount",
            "over_limit_amount",
            "pre_self_pay_amount",
            "in_scope_amount",
            "self_pay_reason",
            "hosp_appr_flag",
            "upload_status",
        ]


class VisitSerializer(serializers.ModelSerializer):
    psn_no = serializers.CharField(source="person.psn_no")
    name = serializers.CharField(source="person.name")
    charges = ChargeSerializer(many=True)

    class Meta:
        model = OutpatientVisit
        fields = [
            "id",
            "visit_no",
            "visit_date",
            "psn_no",
            "name",
            "med_type",
            "insutype",
            "disease_code",
            "mdtrt_id",
            "status",
            "charges",
        ]


class RegisterSerializer(serializers.Serializer):
    card_read_id = serializers.IntegerField()
    department = serializers.CharField(max_length=20, help_text="科室编码")
    doctor = serializers.CharField(max_length=20, help_text="医师工号")
    med_type = serializers.ChoiceField(choices=list(outpatient.MED_TYPES.items()), default="11")
    disease_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class PrescriptionRefSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=30)


class ItemSerializer(serializers.Serializer):
    item_code = serializers.CharField(max_length=150, help_text="院内项目编码")
    quantity = PlainDecimalSerializerField(max_digits=12, decimal_places=4, default=Decimal(1))
    consent_signer = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default="", help_text="自费项目协议书签字人（FEE-4）"
    )


@extend_schema_serializer(component_name="VisitChargeRefund")  # admission has its own "Refund"
class RefundSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
    quantity = PlainDecimalSerializerField(
        max_digits=12, decimal_places=4, required=False, allow_null=True, help_text="不填则退全部可退数量"
    )


class SettleSerializer(serializers.Serializer):
    use_personal_account = serializers.BooleanField(default=True)


def _found(model, message, **lookup):
    row = model.objects.filter(**lookup).first()
    if row is None:
        raise DomainError(message, code="not_found", status_code=404)
    return row


class VisitListApi(APIView):
    permission_classes = [WINDOW]

    @extend_schema(
        request=RegisterSerializer,
        responses={201: VisitSerializer},
        summary="门诊挂号（2201/2203，同日同类视为一次，ADM-8）",
    )
    def post(self, request: Request) -> Response:
        body = RegisterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        visit, notices = outpatient.visit_register(
            actor=request.user,
            card_read=_found(CardRead, "读卡记录不存在。", pk=data["card_read_id"]),
            department=_found(Department, f"科室 {data['department']} 不存在。", code=data["department"]),
            doctor=_found(Practitioner, f"工号 {data['doctor']} 不存在。", staff_no=data["doctor"]),
            med_type=data["med_type"],
            disease_code=data["disease_code"],
        )
        return Response({**VisitSerializer(visit).data, "notices": notices}, status=status.HTTP_201_CREATED)


class VisitDetailApi(APIView):
    permission_classes = [WINDOW]

    @extend_schema(responses=VisitSerializer, summary="门诊就诊详情")
    def get(self, request: Request, pk: int) -> Response:
        return Response(VisitSerializer(get_object_or_404(OutpatientVisit, pk=pk)).data)


class VisitPrescriptionApi(APIView):
    permission_classes = [WINDOW]

    @extend_schema(
        request=PrescriptionRefSerializer, responses={201: ChargeSerializer(many=True)}, summary="按处方收费"
    )
    def post(self, request: Request, pk: int) -> Response:
        visit = get_object_or_404(OutpatientVisit, pk=pk)
        body = PrescriptionRefSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        prescription = _found(Prescription, "处方不存在。", number=body.validated_data["number"])
        rows = outpatient.visit_add_prescription(actor=request.user, visit=visit, prescription=prescription)
        return Response(ChargeSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)


class VisitItemApi(APIView):
    permission_classes = [WINDOW]

    @extend_schema(request=ItemSerializer, responses={201: ChargeSerializer}, summary="诊疗项目收费")
    def post(self, request: Request, pk: int) -> Response:
        visit = get_object_or_404(OutpatientVisit, pk=pk)
        body = ItemSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = _found(HospitalItem, "院内项目不存在。", medins_list_codg=body.validated_data["item_code"])
        charge = outpatient.visit_add_item(
            actor=request.user,
            visit=visit,
            hospital_item=item,
            quantity=body.validated_data["quantity"],
            consent_signer=body.validated_data["consent_signer"],
        )
        return Response(ChargeSerializer(charge).data, status=status.HTTP_201_CREATED)


class VisitChargeRefundApi(APIView):
    permission_classes = [role_permission(Role.CLERK)]

    @extend_schema(
        request=RefundSerializer,
        responses={201: ChargeSerializer},
        summary="门诊退费（冲销行，可部分、多次，不超过已收数量）",
    )
    def post(self, request: Request, pk: int, charge_id: int) -> Response:
        line = get_object_or_404(FeeLine, pk=charge_id, visit_id=pk)
        body = RefundSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        refund = outpatient.visit_charge_refund(
            actor=request.user,
            line=line,
            reason=body.validated_data["reason"],
            quantity=body.validated_data.get("quantity"),
        )
        return Response(ChargeSerializer(refund).data, status=status.HTTP_201_CREATED)


class VisitPreSettleApi(APIView):
    permission_classes = [WINDOW]

    @extend_schema(
        request=SettleSerializer,
        responses={200: OpenApiTypes.OBJECT},
        summary="门诊预结算（2206）：本院计算、中心结果及差异",
    )
    def post(self, request: Request, pk: int) -> Response:
        visit = get_object_or_404(OutpatientVisit, pk=pk)
        body = SettleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        answer = outpatient.visit_pre_settle(actor=request.user, visit=visit, **body.validated_data)
        center = answer["center"]
        return Response(
            {
                **(_money(answer["local"]) if answer["local"] else {"local_note": answer["local_note"]}),
                "center": {
                    k: str(rules.money(v)) if isinstance(v, Decimal) else v
                    for k, v in center["setlinfo"].items()
                }
                if center
                else None,
                "mismatch": answer["mismatch"],
                "center_error": answer["center_error"],
            }
        )


class VisitSettleApi(APIView):
    permission_classes = [role_permission(Role.CLERK)]

    @extend_schema(
        request=SettleSerializer,
        parameters=[IDEMPOTENCY],
        responses={201: SettlementSerializer},
        summary="门诊结算（2207）",
    )
    def post(self, request: Request, pk: int) -> Response:
        visit = get_object_or_404(OutpatientVisit, pk=pk)
        body = SettleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        settlement = outpatient.visit_settle(
            actor=request.user, visit=visit, idempotency_key=_key(request), **body.validated_data
        )
        return Response(SettlementSerializer(settlement).data, status=status.HTTP_201_CREATED)
