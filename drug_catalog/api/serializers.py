from rest_framework import serializers

from drug_catalog.models import CatalogItem, CatalogVersion


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
