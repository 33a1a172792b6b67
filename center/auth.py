"""Authentication and signing per province, chosen by settings.CENTER["AUTH"].

- "none": plain JSON envelope.
- "tif": the TIF gateway headers used in practice (Chongqing, Guangdong):
  x-tif-signature = hex(SHA-256(timestamp + secret + nonce + timestamp)) — plain SHA-256, not HMAC.
- "sm3": the envelope's `cainfo` carries hex SM3(msgid + canonical input + secret), `signtype` "SM3".
- "sm4": the whole envelope is SM4-ECB encrypted (key = first 16 bytes of the secret) into
  {"appId", "encType": "SM4", "encData", "signType": "SM3", "signData", "timestamp"}; replies likewise.

Each profile has both sides: `prepare`/`open_reply` for the hospital's client and
`open_request`/`seal_reply` for the simulator, so the simulator checks exactly what we send.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from gmssl import sm3, sm4


class SignatureError(Exception):
    """A request or reply failed its signature or decryption check."""


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def sm3_hex(text: str) -> str:
    return sm3.sm3_hash(list(text.encode("utf-8")))


def tif_signature(timestamp: str, secret: str, nonce: str) -> str:
    return hashlib.sha256(f"{timestamp}{secret}{nonce}{timestamp}".encode()).hexdigest()


class PlainAuth:
    name = "none"
    max_clock_skew = 300

    def __init__(self, *, paasid: str = "", secret: str = "") -> None:
        self.paasid = paasid
        self.secret = secret

    # client side
    def prepare(self, envelope: dict[str, Any]) -> tuple[dict[str, str], bytes]:
        return {"Content-Type": "application/json"}, json.dumps(
            envelope, ensure_ascii=False, default=str
        ).encode()

    def open_reply(self, body: bytes) -> Any:
        return json.loads(body.decode("utf-8"))

    # server side (simulator)
    def open_request(self, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        return json.loads(body.decode("utf-8"))

    def seal_reply(self, reply: dict[str, Any]) -> bytes:
        return json.dumps(reply, ensure_ascii=False, default=str).encode()


class TifGatewayAuth(PlainAuth):
    name = "tif"

    def prepare(self, envelope: dict[str, Any]) -> tuple[dict[str, str], bytes]:
        headers, body = super().prepare(envelope)
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(16)
        headers.update(
            {
                "x-tif-paasid": self.paasid,
                "x-tif-timestamp": timestamp,
                "x-tif-nonce": nonce,
                "x-tif-signature": tif_signature(timestamp, self.secret, nonce),
            }
        )
        return headers, body

    def open_request(self, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        lowered = {k.lower(): v for k, v in headers.items()}
        timestamp = lowered.get("x-tif-timestamp", "")
        nonce = lowered.get("x-tif-nonce", "")
        if lowered.get("x-tif-paasid") != self.paasid:
            raise SignatureError("x-tif-paasid 不匹配")
        if not timestamp.isdigit() or abs(int(timestamp) - time.time()) > self.max_clock_skew:
            raise SignatureError("x-tif-timestamp 超出允许的时间偏差")
        expected = tif_signature(timestamp, self.secret, nonce)
        if not hmac.compare_digest(expected, lowered.get("x-tif-signature", "")):
            raise SignatureError("x-tif-signature 校验失败")
        return super().open_request(headers, body)


class Sm3SignAuth(PlainAuth):
    name = "sm3"

    def _signature(self, envelope: dict[str, Any]) -> str:
        return sm3_hex(envelope["msgid"] + canonical_json(envelope.get("input")) + self.secret)

    def prepare(self, envelope: dict[str, Any]) -> tuple[dict[str, str], bytes]:
        signed = {**envelope, "signtype": "SM3", "cainfo": self._signature(envelope)}
        return super().prepare(signed)

    def open_request(self, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        envelope = super().open_request(headers, body)
        if envelope.get("signtype") != "SM3" or not hmac.compare_digest(
            self._signature(envelope), str(envelope.get("cainfo") or "")
        ):
            raise SignatureError("SM3 签名校验失败")
        return envelope


class Sm4EncryptAuth(PlainAuth):
    name = "sm4"

    def _cipher(self, mode: int) -> sm4.CryptSM4:
        key = hashlib.sha256(self.secret.encode()).digest()[:16]
        crypt = sm4.CryptSM4()
        crypt.set_key(key, mode)
        return crypt

    def _seal(self, payload: Any) -> bytes:
        plain = json.dumps(payload, ensure_ascii=False, default=str).encode()
        enc_data = base64.b64encode(self._cipher(sm4.SM4_ENCRYPT).crypt_ecb(plain)).decode()
        timestamp = str(int(time.time() * 1000))
        wrapper = {
            "appId": self.paasid,
            "encType": "SM4",
            "encData": enc_data,
            "signType": "SM3",
            "signData": sm3_hex(self.paasid + enc_data + timestamp + self.secret),
            "timestamp": timestamp,
        }
        return json.dumps(wrapper).encode()

    def _open(self, body: bytes) -> Any:
        try:
            wrapper = json.loads(body.decode("utf-8"))
            expected = sm3_hex(wrapper["appId"] + wrapper["encData"] + wrapper["timestamp"] + self.secret)
            if not hmac.compare_digest(expected, wrapper["signData"]):
                raise SignatureError("SM3 签名校验失败")
            plain = self._cipher(sm4.SM4_DECRYPT).crypt_ecb(base64.b64decode(wrapper["encData"]))
            return json.loads(plain.decode("utf-8"))
        except SignatureError:
            raise
        except (KeyError, ValueError, TypeError) as exc:
            raise SignatureError(f"SM4 报文无法解密：{type(exc).__name__}") from exc

    def prepare(self, envelope: dict[str, Any]) -> tuple[dict[str, str], bytes]:
        return {"Content-Type": "application/json"}, self._seal(envelope)

    def open_reply(self, body: bytes) -> Any:
        return self._open(body)

    def open_request(self, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        return self._open(body)

    def seal_reply(self, reply: dict[str, Any]) -> bytes:
        return self._seal(reply)


PROFILES = {cls.name: cls for cls in (PlainAuth, TifGatewayAuth, Sm3SignAuth, Sm4EncryptAuth)}


def auth_from_config(config: dict[str, Any]) -> PlainAuth:
    try:
        profile = PROFILES[config.get("AUTH", "none")]
    except KeyError as exc:
        raise ValueError(
            f"unknown center auth profile {config.get('AUTH')!r}; choose one of {sorted(PROFILES)}"
        ) from exc
    return profile(paasid=config.get("PAASID", ""), secret=config.get("SECRET", ""))
