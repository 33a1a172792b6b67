from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from core.forms import PlainDecimalSerializerField
from prescriptions import selectors
from prescriptions.models import DrugApproval, Prescription, PrescriptionDiagnosis, PrescriptionItem
from prescriptions.rules import FREQUENCY_LABELS, VisitType


@extend_schema_serializer(component_name="PrescriptionDiagnosisIn")  # admission's DiagnosisIn has diag_type
class DiagnosisInSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20)


class LineInSerializer(serializers.Serializer):
    item_code = serializers.CharField(max_length=150, help_text="医保目录编码或院内项目编码")
    quantity = PlainDecimalSerializerField(max_digits=10, decimal_places=2, min_value=0, help_text="包装数")
    dose = PlainDecimalSerializerField(
        max_digits=10,
        decimal_places=3,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="每次剂量（最小单位）",
    )
    frequency = serializers.ChoiceField(choices=list(FREQUENCY_LABELS), default="qd")
    days = serializers.IntegerField(min_value=1, max_value=366, required=False, allow_null=True)
    self_pay = serializers.BooleanField(default=False, help_text="医师标记自费")
    consent = serializers.BooleanField(default=False, help_text="患者已签自费协议书（FEE-4）")
    indication_met = serializers.BooleanField(default=False, help_text="符合限定支付范围（RX-5）")
    diagnosis = serializers.IntegerField(
        min_value=0, required=False, allow_null=True, help_text="该药对应的诊断序号（从 0 起，RX-3）"
    )

    def to_line(self) -> selectors.LineRequest:
        return selectors.LineRequest(**self.validated_data)


class CheckRequestSerializer(serializers.Serializer):
    psn_no = serializers.CharField(max_length=30)
    visit_type = serializers.ChoiceField(choices=[v.value for v in VisitType])
    diagnoses = DiagnosisInSerializer(many=True)
    items = LineInSerializer(many=True)
    date = serializers.DateField(required=False, help_text="按该日审核（默认今天）")

    def check_args(self) -> dict:
        data = self.validated_data
        return {
            "psn_no": data["psn_no"],
            "visit_type": data["visit_type"],
            "diagnosis_codes": [d["code"].strip().upper() for d in data["diagnoses"]],
            "lines": [selectors.LineRequest(**line) for line in data["items"]],
            "on_date": data.get("date"),
        }


class ViolationSerializer(serializers.Serializer):
    rule = serializers.CharField()
    level = serializers.ChoiceField(choices=["block", "warn"])
    item = serializers.IntegerField(allow_null=True)
    message = serializers.CharField()
    fix = serializers.CharField()
    fix_values = serializers.DictField(
        child=serializers.CharField(),
        help_text="应用修改建议时各字段的新值（quantity、days、dose；self_pay/consent 为 on）",
    )


class ItemOutcomeSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    item_code = serializers.CharField()
    name = serializers.CharField()
    days_supply = serializers.CharField(allow_null=True)
    judged_days = serializers.CharField(allow_null=True)
    self_pay = serializers.BooleanField()
    self_pay_reasons = serializers.ListField(child=serializers.CharField())


class CheckAnswerSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    profile = serializers.DictField()
    diagnoses = serializers.ListField(child=serializers.DictField())
    violations = ViolationSerializer(many=True)
    items = ItemOutcomeSerializer(many=True)


class PrescriptionDiagnosisSerializer(serializers.ModelSerializer):
    class Meta:
        model = PrescriptionDiagnosis
        fields = ["order", "code", "name", "category", "disease"]


class PrescriptionItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = PrescriptionItem
        fields = [
            "line_no",
            "code",
            "name",
            "item_type",
            "quantity",
            "unit",
            "dose",
            "dose_unit",
            "frequency",
            "declared_days",
            "days_supply",
            "supply_ends_on",
            "self_pay",
            "self_pay_reasons",
            "consent",
            "indication_met",
            "diagnosis_order",
        ]


class PrescriptionSerializer(serializers.ModelSerializer):
    psn_no = serializers.CharField(source="person.psn_no")
    patient_name = serializers.CharField(source="person.name")
    doctor_name = serializers.CharField(source="doctor.name")
    doctor_code = serializers.CharField(source="doctor.insurance_code")
    department_name = serializers.CharField(source="department.name")
    diagnoses = PrescriptionDiagnosisSerializer(many=True)
    items = PrescriptionItemSerializer(many=True)

    class Meta:
        model = Prescription
        fields = [
            "id",
            "number",
            "psn_no",
            "patient_name",
            "doctor_name",
            "doctor_code",
            "department_name",
            "visit_type",
            "prescribed_on",
            "insured",
            "status",
            "profile_code",
            "check_summary",
            "cancel_reason",
            "diagnoses",
            "items",
        ]


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class DrugApprovalSerializer(serializers.ModelSerializer):
    psn_no = serializers.SlugRelatedField(source="person", slug_field="psn_no", read_only=True)

    class Meta:
        model = DrugApproval
        fields = ["id", "psn_no", "item_code", "kind", "approved_on", "evidence", "revoked"]


class DrugApprovalInSerializer(serializers.Serializer):
    psn_no = serializers.CharField(max_length=30)
    item_code = serializers.CharField(max_length=50)
    kind = serializers.ChoiceField(choices=DrugApproval.Kind.choices)
    approved_on = serializers.DateField()
    evidence = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
