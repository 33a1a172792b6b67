from rest_framework import serializers


class RoleSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    is_superuser = serializers.BooleanField()
    roles = RoleSerializer(many=True)
    hospital_code = serializers.CharField()
    hospital_name = serializers.CharField()


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField(
        help_text="过期时间（API_TOKEN_TTL_HOURS，默认 12 小时）；改密码后立即失效"
    )
