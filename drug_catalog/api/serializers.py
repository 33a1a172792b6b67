from rest_framework import serializers

from drug_catalog.models import CatalogItem, CatalogVersion, HospitalItem


class CatalogItemSerializer(serializers.ModelSerializer):
    version = serializers.PrimaryKeyRelatedField(queryset=CatalogVersion.objects.all())
    effective_from = serializers.DateField(source="version.effective_from", read_only=True)
    region = serializers.CharField(source="version.region", read_only=True)

    class Meta:
        model = CatalogItem
        fields = [
            "id",
            "version",
            "region",
            "effective_from",
            "code",
            "name",
            "generic_name",
            "item_type",
            "dosage_form",
            "specification",
            "pack_size",
            "unit",
            "min_unit",
            "insurance_class",
            "b_self_pay_ratio",
            "price_cap",
            "bureau_price",
            "restricted",
            "restriction_text",
            "approval_required",
            "approval_valid_days",
            "outpatient_self_pay",
            "herbal_daily_dose_limit",
            "single_herb_self_pay",
            "max_quantity",
            "max_days",
            "sex_limit",
            "age_min",
            "age_max",
            "min_hospital_tier",
            "non_payable",
            "name_pinyin",
            "name_initials",
        ]
        read_only_fields = ["name_pinyin", "name_initials"]

    def validate(self, attrs):
        cap = attrs.get("price_cap", getattr(self.instance, "price_cap", None))
        bureau = attrs.get("bureau_price", getattr(self.instance, "bureau_price", None))
        if cap is not None and bureau is not None and cap > bureau:
            raise serializers.ValidationError(
                {"price_cap": ["医保支付标准不应高于物价部门核定价格（FEE-1）。"]}
            )
        if attrs.get("insurance_class", getattr(self.instance, "insurance_class", None)) != "B":
            attrs["b_self_pay_ratio"] = None
        return attrs


class HospitalItemSerializer(serializers.ModelSerializer):
    """目录对照 of one hospital item; `fund_payable` false means full self-pay (FEE-1)."""

    mapping_status_name = serializers.CharField(source="get_mapping_status_display", read_only=True)
    med_list_name = serializers.SerializerMethodField()
    mapped_by = serializers.SerializerMethodField()
    reviewed_by = serializers.SerializerMethodField()

    class Meta:
        model = HospitalItem
        fields = [
            "id",
            "medins_list_codg",
            "name",
            "specification",
            "price",
            "med_list_codg",
            "med_list_name",
            "mapping_status",
            "mapping_status_name",
            "fund_payable",
            "self_pay_reason",
            "mapped_from",
            "mapped_to",
            "mapped_by",
            "mapped_at",
            "reviewed_by",
            "reviewed_at",
            "reject_reason",
        ]
        read_only_fields = fields

    def get_med_list_name(self, item: HospitalItem) -> str:
        national = self.context.get("national", {}).get(item.med_list_codg)
        return national.name if national else ""

    def get_mapped_by(self, item: HospitalItem) -> str:
        return item.mapped_by.username if item.mapped_by else ""

    def get_reviewed_by(self, item: HospitalItem) -> str:
        return item.reviewed_by.username if item.reviewed_by else ""


class MapRequestSerializer(serializers.Serializer):
    med_list_codg = serializers.CharField(max_length=50, help_text="现行医保目录中的编码")


class ApproveRequestSerializer(serializers.Serializer):
    begndate = serializers.DateField(help_text="对照生效日期（中心审核通过的开始日期）")
    enddate = serializers.DateField(required=False, allow_null=True, help_text="对照失效日期（不含当日）")


class RejectRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text="中心拒绝的原因")
