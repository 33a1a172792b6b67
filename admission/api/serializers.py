from __future__ import annotations

from rest_framework import serializers

from admission.models import (
    InsuranceRegistration,
    LeaveRequest,
    MedType,
    Order,
    Stay,
    StayDiagnosis,
    StayReview,
    TraumaReport,
    WardRound,
)
from core.forms import PlainDecimalSerializerField
from fees.models import FeeLine
from insured.selectors import mask_certno


class DiagnosisInSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20)
    diag_type = serializers.ChoiceField(choices=StayDiagnosis.DiagType.choices, default="1")
    is_main = serializers.BooleanField(default=False)


class TraumaInSerializer(serializers.Serializer):
    injured_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=200)
    cause = serializers.ChoiceField(choices=TraumaReport.Cause.choices)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class AdmitSerializer(serializers.Serializer):
    psn_no = serializers.CharField(max_length=30)
    card_read_id = serializers.IntegerField(
        required=False, allow_null=True, help_text="已确认的读卡记录（INS-1）"
    )
    kind = serializers.ChoiceField(choices=Stay.Kind.choices, default=Stay.Kind.NORMAL)
    med_type = serializers.ChoiceField(choices=MedType.choices, default=MedType.INPATIENT)
    diagnosis_code = serializers.CharField(max_length=20, required=False, help_text="主诊断（简写）")
    diagnoses = DiagnosisInSerializer(many=True, required=False)
    department = serializers.CharField(max_length=20, help_text="科室编码")
    ward = serializers.CharField(max_length=20, help_text="病区编码")
    bed = serializers.CharField(
        max_length=10, required=False, allow_blank=True, allow_null=True, help_text="床号"
    )
    attending_doctor = serializers.CharField(max_length=20, help_text="主治医师工号")
    outpatient_doctor = serializers.CharField(max_length=20, required=False, allow_blank=True)
    admitted_at = serializers.DateTimeField(required=False)
    trauma = TraumaInSerializer(required=False)
    newborn_with_mother = serializers.BooleanField(default=False)

    def validate(self, attrs):
        if not attrs.get("diagnoses") and not attrs.get("diagnosis_code"):
            raise serializers.ValidationError({"diagnoses": ["至少须有一个诊断（ADM-1）。"]})
        return attrs


class StayDiagnosisSerializer(serializers.ModelSerializer):
    class Meta:
        model = StayDiagnosis
        fields = ["stage", "order", "diag_type", "code", "name", "is_main", "diagnosed_at"]


class RegistrationSerializer(serializers.ModelSerializer):
    class Meta:
        model = InsuranceRegistration
        fields = [
            "id",
            "insutype",
            "med_type",
            "mdtrt_cert_type",
            "mdtrt_id",
            "insuplc_admdvs",
            "status",
            "registered_at",
            "cancelled_at",
        ]


class StaySerializer(serializers.ModelSerializer):
    psn_no = serializers.CharField(source="person.psn_no")
    name = serializers.CharField(source="person.name")
    certno = serializers.SerializerMethodField()
    medrcdno = serializers.CharField(source="record.medrcdno")
    department = serializers.CharField(source="department.code")
    department_name = serializers.CharField(source="department.name")
    ward = serializers.CharField(source="ward.code")
    bed = serializers.CharField(source="bed.number", default=None)
    attending_doctor = serializers.CharField(source="attending_doctor.staff_no")
    attending_doctor_code = serializers.CharField(source="attending_doctor.insurance_code")
    diagnosis_code = serializers.SerializerMethodField()
    diagnoses = StayDiagnosisSerializer(many=True)
    registrations = RegistrationSerializer(many=True)
    fund = serializers.SerializerMethodField()

    class Meta:
        model = Stay
        fields = [
            "id",
            "ipt_no",
            "medrcdno",
            "psn_no",
            "name",
            "certno",
            "kind",
            "med_type",
            "status",
            "self_pay",
            "department",
            "department_name",
            "ward",
            "bed",
            "attending_doctor",
            "attending_doctor_code",
            "admitted_at",
            "formalities_due",
            "formalities_completed_on",
            "fund_status",
            "discharge_ordered_at",
            "discharged_at",
            "discharge_way",
            "diagnosis_code",
            "diagnoses",
            "registrations",
            "fund",
        ]

    def get_certno(self, stay) -> str:
        from insured.selectors import sees_full_identity

        request = self.context.get("request")
        full = request is not None and sees_full_identity(request.user)
        return stay.person.certno if full else mask_certno(stay.person.certno)

    def get_diagnosis_code(self, stay) -> str | None:
        main = next((d for d in stay.diagnoses.all() if d.stage == "admission" and d.is_main), None)
        return main.code if main else None

    def get_fund(self, stay) -> dict:
        from admission.selectors import fund_recognition

        recognition = fund_recognition(stay)
        return {"recognised": recognition.recognised, "reasons": recognition.reasons}


class CardReadRefSerializer(serializers.Serializer):
    card_read_id = serializers.IntegerField()


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class CustodySerializer(serializers.Serializer):
    received_at = serializers.DateTimeField(required=False)
    card_no = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class TraumaDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["payable", "fund_first", "not_payable"])
    reason = serializers.CharField(max_length=500)


class RoundSerializer(serializers.Serializer):
    finding = serializers.ChoiceField(choices=WardRound.Finding.choices)
    inspected_at = serializers.DateTimeField(required=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class LeaveInSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    reason = serializers.CharField(max_length=200)


class LeaveSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeaveRequest
        fields = ["id", "starts_at", "ends_at", "reason", "status"]


class LeaveDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()


class ReviewSerializer(serializers.ModelSerializer):
    ipt_no = serializers.CharField(source="stay.ipt_no")
    name = serializers.CharField(source="stay.person.name")
    related_ipt_no = serializers.CharField(source="related_stay.ipt_no", default=None)

    class Meta:
        model = StayReview
        fields = [
            "id",
            "ipt_no",
            "name",
            "kind",
            "status",
            "detail",
            "related_ipt_no",
            "fine_multiple_min",
            "fine_multiple_max",
            "decision_reason",
            "decided_at",
        ]


class ReviewDecisionSerializer(serializers.Serializer):
    confirm = serializers.BooleanField()
    reason = serializers.CharField(max_length=500)


class OrderInSerializer(serializers.Serializer):
    item_code = serializers.CharField(max_length=150, help_text="院内项目编码 medins_list_codg")
    kind = serializers.ChoiceField(choices=Order.Kind.choices, default=Order.Kind.TEMPORARY)
    content = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    quantity = PlainDecimalSerializerField(max_digits=12, decimal_places=4, min_value=0, default=1)
    frequency = serializers.CharField(max_length=5, required=False, allow_blank=True, default="")
    ordered_at = serializers.DateTimeField(required=False)


class OrderSerializer(serializers.ModelSerializer):
    item_code = serializers.CharField(source="hospital_item.medins_list_codg")
    doctor_code = serializers.CharField(source="doctor.insurance_code")

    class Meta:
        model = Order
        fields = [
            "id",
            "drord_no",
            "kind",
            "item_code",
            "content",
            "quantity",
            "frequency",
            "doctor_code",
            "ordered_at",
            "status",
        ]


class ChargeInSerializer(serializers.Serializer):
    drord_no = serializers.CharField(max_length=30)
    quantity = PlainDecimalSerializerField(max_digits=12, decimal_places=4)
    charged_at = serializers.DateTimeField()
    unit_price = PlainDecimalSerializerField(max_digits=14, decimal_places=4, required=False, allow_null=True)
    executing_department = serializers.CharField(max_length=20, required=False, allow_blank=True)
    hosp_appr_flag = serializers.ChoiceField(choices=["", "0", "1"], default="")
    discharge_medication = serializers.BooleanField(default=False)
    tcmdrug_used_way = serializers.ChoiceField(choices=["", "1", "2"], default="")
    external_lab = serializers.BooleanField(default=False)


class ChargeBatchSerializer(serializers.Serializer):
    lines = ChargeInSerializer(many=True, allow_empty=False)


class ChargeLineSerializer(serializers.ModelSerializer):
    drord_no = serializers.CharField(source="order.drord_no")
    medins_list_codg = serializers.CharField(source="hospital_item.medins_list_codg")
    item_name = serializers.CharField(source="hospital_item.name")
    bilg_dept_codg = serializers.CharField(source="ordering_department.insurance_code")
    bilg_dr_codg = serializers.CharField(source="ordering_doctor.insurance_code")

    class Meta:
        model = FeeLine
        fields = [
            "id",
            "feedetl_sn",
            "init_feedetl_sn",
            "drord_no",
            "medins_list_codg",
            "med_list_codg",
            "item_name",
            "item_type",
            "insurance_class",
            "quantity",
            "unit_price",
            "amount",
            "over_limit_amount",
            "self_pay_reason",
            "charged_at",
            "bilg_dept_codg",
            "bilg_dr_codg",
            "hosp_appr_flag",
            "discharge_medication",
            "tcmdrug_used_way",
            "external_lab",
            "refund_reason",
            "upload_status",
        ]


class RefundSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
    quantity = PlainDecimalSerializerField(max_digits=12, decimal_places=4, required=False, allow_null=True)


class ConsentSerializer(serializers.Serializer):
    item_code = serializers.CharField(max_length=150)
    reason = serializers.CharField(max_length=200)
    signer = serializers.CharField(max_length=50)


class AckSerializer(serializers.Serializer):
    day = serializers.DateField()
    signer = serializers.CharField(max_length=50)


class ProcedureInSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    performed_on = serializers.DateField()
    operator = serializers.CharField(max_length=20, required=False, allow_blank=True, allow_null=True)
    anaesthesia = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class TransferInSerializer(serializers.Serializer):
    destination_name = serializers.CharField(max_length=100)
    destination_code = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=300)


class DischargeSerializer(serializers.Serializer):
    discharge_way = serializers.ChoiceField(choices=Stay.DischargeWay.choices)
    discharged_at = serializers.DateTimeField(required=False)
    diagnoses = DiagnosisInSerializer(many=True, required=False, max_length=20)
    procedures = ProcedureInSerializer(many=True, required=False, max_length=20)
    transfer = TransferInSerializer(required=False)


class DischargeOrderSerializer(serializers.Serializer):
    ordered_at = serializers.DateTimeField(required=False)
