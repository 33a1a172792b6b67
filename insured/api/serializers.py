from rest_framework import serializers

from core.forms import PlainDecimalSerializerField
from insured.models import CardRead, Credential
from insured.rules import ViolationCategory


class AgentSerializer(serializers.Serializer):
    cert_type = serializers.CharField(max_length=6, default="01")
    certno = serializers.CharField(max_length=50)
    name = serializers.CharField(max_length=50)
    relation = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class CardReadRequestSerializer(serializers.Serializer):
    credential_type = serializers.CharField(
        max_length=10, help_text="mdtrt_cert_type: 01 电子凭证, 02 身份证, 03 社保卡"
    )
    credential_value = serializers.CharField(max_length=100)
    reader_id = serializers.CharField(max_length=30)
    entry_mode = serializers.ChoiceField(choices=["reader", "manual"], default="reader")
    card_sn = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default="", help_text="社保卡（03）必填：卡识别码"
    )
    reader_mac = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="读卡器对本次读卡的签名（INS-1）：HMAC-SHA256(设备密钥, 凭证|卡识别码) 前 16 位",
    )
    purpose = serializers.ChoiceField(choices=CardRead.Purpose.choices, default=CardRead.Purpose.CARE)
    agent = AgentSerializer(required=False, allow_null=True)


class CredentialAnswerSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=Credential.Type.choices)
    type_name = serializers.CharField()
    number = serializers.CharField()


class PersonSummarySerializer(serializers.Serializer):
    psn_no = serializers.CharField()
    name = serializers.CharField()
    gender = serializers.CharField()
    birth_date = serializers.DateField()
    age = serializers.IntegerField()
    psn_cert_type = serializers.CharField()
    psn_cert_type_name = serializers.CharField()
    certno = serializers.CharField()
    phone = serializers.CharField()
    insuplc_admdvs = serializers.CharField()
    insured_region_name = serializers.CharField()
    is_local = serializers.BooleanField()


class EnrollmentAnswerSerializer(serializers.Serializer):
    insutype = serializers.CharField()
    insutype_name = serializers.CharField()
    is_basic = serializers.BooleanField()
    psn_type = serializers.CharField()
    status = serializers.CharField()
    status_name = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    balance = PlainDecimalSerializerField(max_digits=14, decimal_places=2, allow_null=True)
    direct_settlement_allowed = serializers.BooleanField()
    emp_name = serializers.CharField()


class SanctionAnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    category = serializers.CharField()
    category_name = serializers.CharField()
    measures = serializers.ListField(child=serializers.CharField())
    fund_loss = PlainDecimalSerializerField(max_digits=14, decimal_places=2)
    start_date = serializers.DateField()
    last_day = serializers.DateField(allow_null=True)
    lifted_on = serializers.DateField(allow_null=True)
    institutions = serializers.ListField(child=serializers.DictField())


class WarningSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=["danger", "warn", "info"])
    rule = serializers.CharField()
    message = serializers.CharField()


class CardReadAnswerSerializer(serializers.Serializer):
    card_read_id = serializers.IntegerField()
    source = serializers.CharField()
    credential = CredentialAnswerSerializer()
    purpose = serializers.CharField()
    agent_name = serializers.CharField(allow_blank=True)
    person = PersonSummarySerializer()
    enrollments = EnrollmentAnswerSerializer(many=True)
    sanctions = SanctionAnswerSerializer(many=True)
    direct_settlement = serializers.BooleanField()
    warnings = WarningSerializer(many=True)
    open_admissions = serializers.ListField(child=serializers.DictField())
    confirmed_at = serializers.DateTimeField(allow_null=True)
    center = serializers.DictField(help_text="医保中心 1101 的人员信息（余额、人员类别、参保地）")


class PersonDetailSerializer(serializers.Serializer):
    person = PersonSummarySerializer()
    enrollments = EnrollmentAnswerSerializer(many=True)
    sanctions = SanctionAnswerSerializer(many=True)
    direct_settlement = serializers.BooleanField()
    warnings = WarningSerializer(many=True)


class SanctionCreateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=[c.value for c in ViolationCategory])
    fund_loss = PlainDecimalSerializerField(max_digits=14, decimal_places=2, min_value=0)
    description = serializers.CharField()
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
    occurred_on = serializers.DateField(required=False, allow_null=True)
    start_date = serializers.DateField(required=False, allow_null=True)
    institutions = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        required=False,
        default=list,
        help_text='[{"code": "H61010300123", "name": "…"}]：限制就医范围时的指定机构',
    )


class SanctionLiftSerializer(serializers.Serializer):
    reason = serializers.CharField()


class RosterImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(max_length=200, allow_empty_file=False)

    def validate_file(self, upload):
        from django.conf import settings

        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise serializers.ValidationError(
                f"文件过大（{upload.size / 1024 / 1024:.1f} MB），上限为 {limit // (1024 * 1024)} MB。"
            )
        return upload


class RosterImportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    filename = serializers.CharField()
    outcome = serializers.CharField()
    progress = serializers.SerializerMethodField()
    row_count = serializers.IntegerField()
    persons_created = serializers.IntegerField()
    persons_updated = serializers.IntegerField()
    error_count = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.DictField())

    def get_progress(self, record) -> int:
        """Percent done (100 when finished)."""
        from insured.roster import progress

        return progress(record)["percent"]
