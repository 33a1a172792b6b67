"""POST /api/v1/admissions/{id}/diagnoses/ — correct the admission diagnoses until discharge (ADM-1),
refusing codes that do not fit the patient (DRG-1); GET lists the corrections (history)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from admission.diagnoses import stay_diagnoses_correct
from admission.models import Stay
from admission.services import DiagnosisInput
from core.api.permissions import role_permission
from core.roles import Role
from diagnoses.rules import normalise_code

CORRECTORS = role_permission(
    Role.CLERK, Role.DOCTOR, read_roles=(Role.CLERK, Role.OFFICE, Role.DOCTOR, Role.NURSE)
)


class DiagnosisCorrectionSerializer(serializers.Serializer):
    diagnoses = serializers.ListField(
        child=serializers.CharField(max_length=20),
        min_length=1,
        max_length=20,
        help_text="诊断代码，第一个为主诊断",
    )
    reason = serializers.CharField(max_length=200, help_text="更正原因")


class CorrectionSerializer(serializers.Serializer):
    stage = serializers.CharField()
    before = serializers.JSONField()
    after = serializers.JSONField()
    reason = serializers.CharField()
    corrected_by = serializers.CharField(source="corrected_by.username", default="")
    corrected_at = serializers.DateTimeField()


class DiagnosisCorrectionApi(APIView):
    permission_classes = [CORRECTORS]

    @extend_schema(responses=CorrectionSerializer(many=True), summary="入院诊断更正记录（ADM-1）")
    def get(self, request: Request, pk: int) -> Response:
        stay = get_object_or_404(Stay, pk=pk)
        rows = stay.diagnosis_corrections.select_related("corrected_by")
        return Response(CorrectionSerializer(rows, many=True).data)

    @extend_schema(
        request=DiagnosisCorrectionSerializer,
        responses=CorrectionSerializer,
        summary="更正入院诊断（出院前；DRG-1 性别年龄不符的编码拒绝）",
    )
    def post(self, request: Request, pk: int) -> Response:
        stay = get_object_or_404(Stay, pk=pk)
        body = DiagnosisCorrectionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        correction = stay_diagnoses_correct(
            actor=request.user,
            stay=stay,
            diagnoses=[DiagnosisInput(normalise_code(code)) for code in body.validated_data["diagnoses"]],
            reason=body.validated_data["reason"],
        )
        return Response(CorrectionSerializer(correction).data, status=status.HTTP_201_CREATED)
