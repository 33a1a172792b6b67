"""The hospital's client for the insurance center.

Every exchange is logged (CenterExchange). Reads are retried with backoff; a write that times
out is never repeated blindly: the caller resolves it (query, or 2601 reversal of its msgid),
so a settlement can never happen twice. Never call the center inside a database transaction:
record the intent, call, then record the answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from center import protocol
from center.auth import SignatureError, auth_from_config
from center.models import CenterExchange
from core.errors import DomainError


class CenterError(DomainError):
    """The center could not give an answer we can act on."""

    status_code = 502
    default_code = "center_error"

    def __init__(self, message: str, *, msgid: str, infno: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.msgid = msgid
        self.infno = infno


class CenterRejected(CenterError):
    """The center answered infcode != 0: a business refusal, shown to the clerk as is."""

    status_code = 400
    default_code = "center_rejected"


class CenterTimeout(CenterError):
    """No reply in time: the outcome of a write is unknown until resolved (SET-10)."""

    status_code = 504
    default_code = "center_timeout"


class CenterUnavailable(CenterError):
    """The center cannot be reached (SET-10: fall back to full self-pay)."""

    status_code = 503
    default_code = "center_unavailable"


class CenterGarbled(CenterError):
    default_code = "center_garbled"


def next_msgid(at=None) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('settlement_center_msgid_seq')")
        sequence = cursor.fetchone()[0]
    return protocol.build_msgid(settings.HOSPITAL["CODE"], timezone.localtime(at), sequence)


def institution() -> protocol.Institution:
    hospital = settings.HOSPITAL
    return protocol.Institution(code=hospital["CODE"], name=hospital["NAME"], region=hospital["REGION_CODE"])


def operator_for(user: Any) -> protocol.Operator:
    if user is None:
        return protocol.Operator(code="SYSTEM", name="系统自动", kind="2")
    name = user.get_full_name() or user.get_username()
    return protocol.Operator(code=user.get_username(), name=name)


@dataclass
class CenterClient:
    config: dict[str, Any]
    session: requests.Session

    @classmethod
    def from_settings(cls) -> CenterClient:
        return cls(config=settings.CENTER, session=requests.Session())

    def call(
        self,
        infno: str,
        payload: dict[str, Any],
        *,
        actor: Any = None,
        insuplc_admdvs: str = "",
        subject: str = "",
        sign_no: str | None = None,
        msgid: str | None = None,
    ) -> protocol.CenterReply:
        auth = auth_from_config(self.config)
        msgid = msgid or next_msgid()
        envelope = protocol.build_request(
            infno=infno,
            msgid=msgid,
            institution=institution(),
            operator=operator_for(actor),
            payload=payload,
            at=timezone.localtime(),
            insuplc_admdvs=insuplc_admdvs,
            sign_no=self.sign_no() if sign_no is None and infno != "9001" else (sign_no or ""),
            infver=self.config["INFVER"],
            recer_sys_code=protocol.receiving_system(infno, payload, self.config["RECER_SYS_CODE"]),
        )
        exchange = CenterExchange.objects.create(
            msgid=msgid,
            infno=infno,
            subject=subject,
            request=protocol.mask_identifiers(envelope),
            actor=actor if getattr(actor, "pk", None) else None,
        )
        retryable = infno in protocol.IDEMPOTENT_TRANSACTIONS
        attempts = 1 + (self.config["RETRIES"] if retryable else 0)
        started = time.perf_counter()
        error: CenterError | None = None
        for attempt in range(1, attempts + 1):
            exchange.attempts = attempt
            try:
                reply = self._send(auth, envelope, msgid, infno)
            except (CenterTimeout, CenterUnavailable, CenterGarbled) as exc:
                error = exc
                if attempt < attempts:
                    time.sleep(min(0.2 * 2 ** (attempt - 1), 2.0))
                    continue
                break
            exchange.response = protocol.mask_identifiers(reply.raw)
            exchange.infcode = reply.infcode
            exchange.inf_refmsgid = reply.inf_refmsgid
            exchange.err_msg = reply.err_msg
            exchange.status = CenterExchange.Status.OK if reply.ok else CenterExchange.Status.REJECTED
            exchange.duration_ms = int((time.perf_counter() - started) * 1000)
            exchange.save()
            if not reply.ok:
                raise CenterRejected(
                    f"医保中心拒绝了交易 {infno}：{reply.err_msg or '未说明原因'}",
                    msgid=msgid,
                    infno=infno,
                    errors={"infcode": [str(reply.infcode)]},
                )
            return reply
        assert error is not None
        exchange.status = {
            CenterTimeout: CenterExchange.Status.TIMEOUT,
            CenterUnavailable: CenterExchange.Status.UNAVAILABLE,
            CenterGarbled: CenterExchange.Status.GARBLED,
        }[type(error)]
        exchange.err_msg = error.message
        exchange.duration_ms = int((time.perf_counter() - started) * 1000)
        exchange.save()
        raise error

    def _send(self, auth, envelope: dict[str, Any], msgid: str, infno: str) -> protocol.CenterReply:
        headers, body = auth.prepare(envelope)
        try:
            response = self.session.post(
                self.config["URL"], data=body, headers=headers, timeout=self.config["TIMEOUT"]
            )
        except requests.Timeout as exc:
            raise CenterTimeout(
                f"医保中心在 {self.config['TIMEOUT']:.0f} 秒内未应答（交易 {infno}）。",
                msgid=msgid,
                infno=infno,
                rule="SET-10",
            ) from exc
        except requests.ConnectionError as exc:
            raise CenterUnavailable("无法连接医保中心。", msgid=msgid, infno=infno, rule="SET-10") from exc
        if response.status_code >= 500:
            raise CenterUnavailable(
                f"医保中心服务异常（HTTP {response.status_code}）。", msgid=msgid, infno=infno, rule="SET-10"
            )
        try:
            return protocol.parse_reply(auth.open_reply(response.content))
        except (ValueError, protocol.ProtocolError, SignatureError) as exc:
            raise CenterGarbled(f"医保中心返回的报文无法解析：{exc}", msgid=msgid, infno=infno) from exc

    # --- 9001 sign-in: one sign_no per operator session; cached for the day ---
    def sign_no(self) -> str:
        key = f"center:sign_no:{timezone.localdate():%Y%m%d}"
        sign_no = cache.get(key)
        if sign_no is None:
            reply = self.call(
                "9001", {"signIn": {"opter_no": "SYSTEM", "mac": "", "ip": "127.0.0.1"}}, sign_no=""
            )
            sign_no = str((reply.output.get("signinoutb") or {}).get("sign_no") or "")
            cache.set(key, sign_no, timeout=60 * 60 * 12)
        return sign_no
