from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import role_permission
from core.errors import DomainError
from core.roles import Role
from prescriptions import selectors, services
from prescriptions.api import serializers as s

PRESCRIBERS = role_permission(Role.DOCTOR)
CHECKERS = role_permission(Role.DOCTOR, Role.OFFICE)
OFFICE = role_permission(Role.OFFICE, read_roles=(Role.DOCTOR,))


def acting_doctor(user):
    doctor = getattr(user, "practitioner", None)
    if doctor is None:
        raise DomainError("当前账号未关联医师，不能开具处方。", code="no_practitioner", status_code=403)
    return doctor


class PrescriptionCheckApi(APIView):
    """RX-1..RX-8, FEE-1, FEE-6, INS-4 over a prescription as written. Saves nothing."""

    permission_classes = [CHECKERS]

    @extend_schema(
        request=s.CheckRequestSerializer, responses=s.CheckAnswerSerializer, summary="处方医保审核（不保存）"
    )
    def post(self, request: Request) -> Response:
        body = s.CheckRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        answer = selectors.check(**body.check_args())
        return Response(selectors.answer_body(answer))


class PrescriptionListApi(APIView):
    """Doctors list their own prescriptions and issue new ones; the office reads all."""

    permission_classes = [role_permission(Role.DOCTOR, read_roles=(Role.OFFICE,))]

    @extend_schema(
        parameters=[OpenApiParameter("psn_no", str), OpenApiParameter("visit_type", str)],
        responses=s.PrescriptionSerializer(many=True),
        summary="处方列表",
    )
    def get(self, request: Request) -> Response:
        queryset = selectors.prescriptions_for(request.user).prefetch_related("diagnoses", "items")
        if psn_no := request.query_params.get("psn_no"):
            queryset = queryset.filter(person__psn_no=psn_no)
        if visit_type := request.query_params.get("visit_type"):
            queryset = queryset.filter(visit_type=visit_type)
        return Response(s.PrescriptionSerializer(queryset[:100], many=True).data)

    @extend_schema(
        request=s.CheckRequestSerializer,
        responses={201: s.PrescriptionSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, location=OpenApiParameter.HEADER)],
        summary="开具处方（先审核，阻断项须修正或标记自费）",
    )
    def post(self, request: Request) -> Response:
        body = s.CheckRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        args = body.check_args()
        prescription = services.prescription_issue(
            actor=request.user,
            doctor=acting_doctor(request.user),
            idempotency_key=request.headers.get("Idempotency-Key") or None,
            **args,
        )
        return Response(s.PrescriptionSerializer(prescription).data, status=status.HTTP_201_CREATED)


class PrescriptionDetailApi(APIView):
    permission_classes = [role_permission(Role.DOCTOR, Role.OFFICE)]

    @extend_schema(responses=s.PrescriptionSerializer, summary="处方详情")
    def get(self, request: Request, pk: int) -> Response:
        prescription = get_object_or_404(selectors.prescriptions_for(request.user), pk=pk)
        return Response(s.PrescriptionSerializer(prescription).data)


class PrescriptionCancelApi(APIView):
    permission_classes = [PRESCRIBERS]

    @extend_schema(request=s.CancelSerializer, responses=s.PrescriptionSerializer, summary="作废处方")
    def post(self, request: Request, pk: int) -> Response:
        prescription = get_object_or_404(selectors.prescriptions_for(request.user), pk=pk)
        body = s.CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        prescription = services.prescription_cancel(
            actor=request.user, prescription=prescription, reason=body.validated_data["reason"]
        )
        return Response(s.PrescriptionSerializer(prescription).data)


class DrugApprovalApi(APIView):
    """RX-5/RX-6 approvals: the insurance office records them; doctors read them."""

    permission_classes = [OFFICE]

    @extend_schema(
        parameters=[OpenApiParameter("psn_no", str, required=True)],
        responses=s.DrugApprovalSerializer(many=True),
        summary="用药审批查询",
    )
    def get(self, request: Request) -> Response:
        person = selectors.person_by_psn_no(request.query_params.get("psn_no", ""))
        return Response(s.DrugApprovalSerializer(person.drug_approvals.all()[:100], many=True).data)

    @extend_schema(
        request=s.DrugApprovalInSerializer, responses={201: s.DrugApprovalSerializer}, summary="登记用药审批"
    )
    def post(self, request: Request) -> Response:
        body = s.DrugApprovalInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        person = selectors.person_by_psn_no(data.pop("psn_no"))
        approval = services.drug_approval_record(actor=request.user, person=person, **data)
        return Response(s.DrugApprovalSerializer(approval).data, status=status.HTTP_201_CREATED)
