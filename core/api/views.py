from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.authentication import token_expired, token_expires_at
from core.api.permissions import AnyRole
from core.api.serializers import MeSerializer, TokenRequestSerializer, TokenResponseSerializer
from core.errors import DomainError
from core.roles import Role, user_roles


class MeApi(APIView):
    """Who am I: the user's roles and the hospital this system runs for."""

    permission_classes = [AnyRole]

    @extend_schema(responses=MeSerializer, summary="当前用户与角色")
    def get(self, request: Request) -> Response:
        user = request.user
        roles = list(Role) if user.is_superuser else sorted(user_roles(user), key=list(Role).index)
        data = {
            "username": user.get_username(),
            "full_name": user.get_full_name() or user.get_username(),
            "is_superuser": user.is_superuser,
            "roles": [{"code": r.value, "label": r.label} for r in roles],
            "hospital_code": settings.HOSPITAL["CODE"],
            "hospital_name": settings.HOSPITAL["NAME"],
        }
        return Response(MeSerializer(data).data)


class TokenObtainApi(APIView):
    """Exchange username and password for an API token (for HIS integration).

    Goes through django-axes like the login page, so lockout applies here too.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=TokenRequestSerializer, responses=TokenResponseSerializer, summary="获取接口令牌")
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if getattr(request._request, "axes_locked_out", False):
            raise DomainError(
                "登录失败次数过多，账号已被暂时锁定，请稍后再试。", code="locked_out", status_code=429
            )
        if user is None or not user.is_active:
            raise DomainError("用户名或密码错误。", code="invalid_credentials", status_code=401)
        token = Token.objects.filter(user=user).first()
        if token is not None and token_expired(token):
            token.delete()
            token = None
        if token is None:
            token = Token.objects.create(user=user)
        return Response({"token": token.key, "expires_at": token_expires_at(token)})
