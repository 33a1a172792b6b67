"""API tokens that expire (issue 19, item 9): a token older than API_TOKEN_TTL_HOURS is refused
and deleted; a password change deletes the user's tokens (core.signals)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def token_expires_at(token: Token) -> datetime.datetime:
    return token.created + settings.API_TOKEN_TTL


def token_expired(token: Token, now: datetime.datetime | None = None) -> bool:
    return (now or timezone.now()) >= token_expires_at(token)


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, valid for settings.API_TOKEN_TTL from its issue."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed("接口令牌已过期，请重新获取。", code="token_expired")
        return user, token
