from rest_framework import serializers

from diagnoses.models import CodeTable, DiseaseCategoryRange
from diagnoses.rules import DiseaseCategory
from diagnoses.selectors import SEARCH_LIMIT_MAX

CATEGORY_CHOICES = [(c.value, c.label) for c in DiseaseCategory]


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    kind = serializers.ChoiceField(choices=CodeTable.choices, default=CodeTable.ICD10)
    limit = serializers.IntegerField(required=False, default=20, min_value=1, max_value=SEARCH_LIMIT_MAX)
    gender = serializers.ChoiceField(
        choices=[("1", "男"), ("2", "女")],
        required=False,
        help_text="患者性别：不符的编码排在最后并注明（DRG-1）",
    )
    age_days = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=54_750,
        help_text="患者年龄（天）：新生儿编码仅用于 28 天内（DRG-1）",
    )


class Rx2CategorySerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=CATEGORY_CHOICES, help_text="RX-2 疾病类别")
    category_label = serializers.CharField()
    disease = serializers.CharField(help_text="特定病种名称（处方上注明），其他类别为空")
    range_label = serializers.CharField(help_text="所属类目范围，如 E10–E14；一般疾病为空")


class DiagnosisCodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    implausible = serializers.CharField(
        required=False, help_text="与患者性别、年龄不符的原因（DRG-1），不符则入院时拒绝"
    )
    name_en = serializers.CharField()
    kind = serializers.ChoiceField(choices=CodeTable.choices)
    category_code = serializers.CharField()
    category_name = serializers.CharField()
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(allow_null=True)
    rx2_category = Rx2CategorySerializer(allow_null=True, help_text="仅 ICD-10 诊断有 RX-2 类别")


class CategoryRangeSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    in_use = serializers.BooleanField(read_only=True)

    class Meta:
        model = DiseaseCategoryRange
        fields = [
            "id",
            "code_from",
            "code_to",
            "label",
            "category",
            "category_label",
            "specified_disease",
            "note",
            "effective_from",
            "effective_to",
            "in_use",
        ]

    def get_label(self, obj: DiseaseCategoryRange) -> str:
        return obj.as_rule_range().label


class CategoryRangeWriteSerializer(serializers.Serializer):
    """Create: all of code_from, code_to, category, effective_from; update (PATCH): any of them."""

    code_from = serializers.CharField(max_length=10)
    code_to = serializers.CharField(max_length=10)
    category = serializers.ChoiceField(choices=CATEGORY_CHOICES)
    specified_disease = serializers.CharField(max_length=20, required=False, allow_blank=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(required=False, allow_null=True)


class CodeTableImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=".xlsx（第一个工作表）或 .csv（UTF-8 / GB18030）")
    kind = serializers.ChoiceField(choices=CodeTable.choices)
    effective_from = serializers.DateField(help_text="本版本生效日期：同一编码表的旧版本在该日停用")


class CodeTableImportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    source = serializers.CharField()
    effective_from = serializers.DateField()
    filename = serializers.CharField()
    sha256 = serializers.CharField()
    outcome = serializers.CharField()
    row_count = serializers.IntegerField()
    created_count = serializers.IntegerField()
    updated_count = serializers.IntegerField()
    unchanged_count = serializers.IntegerField()
    removed_count = serializers.IntegerField()
    closed_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
