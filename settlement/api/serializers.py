from rest_framework import serializers

from core.forms import PlainDecimalSerializerField
from settlement.rules import InsuranceClass, Referral

MONEY = {"max_digits": 14, "decimal_places": 2}
RATIO = {"max_digits": 5, "decimal_places": 4, "min_value": 0, "max_value": 1}


class GivenPolicySerializer(serializers.Serializer):
    deductible = PlainDecimalSerializerField(min_value=0, **MONEY)
    fund_ratio = PlainDecimalSerializerField(**RATIO)
    annual_cap = PlainDecimalSerializerField(required=False, allow_null=True, min_value=0, **MONEY)
    deductible_used = PlainDecimalSerializerField(required=False, default=0, min_value=0, **MONEY)
    fund_paid_ytd = PlainDecimalSerializerField(required=False, default=0, min_value=0, **MONEY)
    default_b_self_pay_ratio = PlainDecimalSerializerField(required=False, **RATIO)


class PolicyLookupSerializer(serializers.Serializer):
    insured_region = serializers.RegexField(
        r"^\d{6}$", error_messages={"invalid": "参保地区划须为 6 位数字。"}
    )
    insurance_type = serializers.CharField(max_length=6)
    med_type = serializers.CharField(max_length=20)
    hospital_tier = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=3)
    date = serializers.DateField()
    deductible_used = PlainDecimalSerializerField(required=False, default=0, min_value=0, **MONEY)
    fund_paid_ytd = PlainDecimalSerializerField(required=False, default=0, min_value=0, **MONEY)


class CalculatorLineSerializer(serializers.Serializer):
    amount = PlainDecimalSerializerField(required=False, min_value=0, **MONEY)
    quantity = PlainDecimalSerializerField(required=False, max_digits=14, decimal_places=4, min_value=0)
    unit_price = PlainDecimalSerializerField(required=False, max_digits=14, decimal_places=4, min_value=0)
    insurance_class = serializers.ChoiceField(choices=[c.value for c in InsuranceClass])
    b_self_pay_ratio = PlainDecimalSerializerField(required=False, allow_null=True, **RATIO)
    price_cap = PlainDecimalSerializerField(
        required=False, allow_null=True, max_digits=14, decimal_places=4, min_value=0
    )

    def validate(self, attrs):
        has_amount = attrs.get("amount") is not None
        has_price = attrs.get("quantity") is not None and attrs.get("unit_price") is not None
        if has_amount == has_price:
            raise serializers.ValidationError(
                "每行须填写 amount，或同时填写 quantity 与 unit_price（二选一）。"
            )
        return attrs


class CalculatorRequestSerializer(serializers.Serializer):
    policy = GivenPolicySerializer(required=False)
    policy_lookup = PolicyLookupSerializer(required=False)
    lines = CalculatorLineSerializer(many=True, allow_empty=False)
    referral = serializers.ChoiceField(choices=[r.value for r in Referral], required=False, allow_null=True)
    personal_account_balance = PlainDecimalSerializerField(
        required=False, allow_null=True, min_value=0, **MONEY
    )
    acct_used_flag = serializers.BooleanField(required=False, default=True)

    def validate(self, attrs):
        if ("policy" in attrs) == ("policy_lookup" in attrs):
            raise serializers.ValidationError({"policy": ["须提供 policy 或 policy_lookup 其中之一。"]})
        return attrs


class TraceStepSerializer(serializers.Serializer):
    rule = serializers.CharField()
    field = serializers.CharField()
    amount = PlainDecimalSerializerField(**MONEY)
    note = serializers.CharField()


class CalculatorResponseSerializer(serializers.Serializer):
    total = PlainDecimalSerializerField(**MONEY)
    full_self_pay = PlainDecimalSerializerField(**MONEY)
    over_limit_self_pay = PlainDecimalSerializerField(**MONEY)
    pre_self_pay = PlainDecimalSerializerField(**MONEY)
    in_scope = PlainDecimalSerializerField(**MONEY)
    deductible_paid = PlainDecimalSerializerField(**MONEY)
    fund_ratio = PlainDecimalSerializerField(max_digits=5, decimal_places=4)
    fund_pay = PlainDecimalSerializerField(**MONEY)
    fund_pay_total = PlainDecimalSerializerField(**MONEY)
    hospital_share = PlainDecimalSerializerField(**MONEY)
    personal_burden = PlainDecimalSerializerField(**MONEY)
    personal_account_pay = PlainDecimalSerializerField(**MONEY)
    cash_pay = PlainDecimalSerializerField(**MONEY)
    policy_source = serializers.CharField()
    trace = TraceStepSerializer(many=True)
