"""The national 两定机构 interface's wire format: envelope, message ids, tolerant response parsing.

Pure functions, no I/O. Field names and the variations real centers send are in
../shared/domain/CENTER-INTERFACE.md (§0): `infcode` as 0 or "0", amounts as numbers or
strings, `null` amounts, unknown extra fields.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

# Transactions whose envelope must carry the insured region and a person-specific receiver system.
PERSON_TRANSACTIONS = {"2201", "2206", "2207", "2303", "2304", "2401", "2402", "2501", "2503", "2001"}
# Reads that may be retried freely; writes are resolved by query/2601, never blindly repeated.
IDEMPOTENT_TRANSACTIONS = {
    "9001",
    "1101",
    "5201",
    "5203",
    "5204",
    "5205",
    "2303",
    "2206",
    # issue 20: reconciliation and downloads only read (9101 stores a file under a new query number)
    "3201",
    "3202",
    "1301",
    "1319",
    "1901",
    "9101",
    "9102",
}

MSGID_PATTERN = re.compile(r"^H\d{11}\d{14}\d{4}$")
INSTITUTION_CODE_PATTERN = re.compile(r"^H\d{11}$")


def build_msgid(institution_code: str, at: datetime.datetime, sequence: int) -> str:
    """msgid = institution code (12) + yyyyMMddHHmmss (14) + 4-digit sequence: 30 characters."""
    if not INSTITUTION_CODE_PATTERN.match(institution_code):
        raise ValueError(f"institution code must be H + 11 digits, got {institution_code!r}")
    return f"{institution_code}{at:%Y%m%d%H%M%S}{sequence % 10000:04d}"


@dataclass(frozen=True)
class Operator:
    """Who acts at the window (opter_type 1 经办人, 2 自助终端, 3 移动终端)."""

    code: str
    name: str
    kind: str = "1"


@dataclass(frozen=True)
class Institution:
    code: str
    name: str
    region: str  # mdtrtarea_admvs


# §0.1: person-related transactions of a 离休 (340) patient go to the 离休 system.
PERSON_TRANSACTIONS = frozenset(
    {"2201", "2206", "2207", "2303", "2304", "2401", "2402", "2501", "2503", "2001"}
)
VETERAN_SYSTEM = "LXXT"


def receiving_system(infno: str, payload: dict[str, Any], default: str) -> str:
    """recer_sys_code: LXXT for a 340 (离休) patient's person-related transaction, else the default."""
    if infno not in PERSON_TRANSACTIONS:
        return default
    parts = [payload, *(v for v in payload.values() if isinstance(v, dict))]
    if any(str(part.get("insutype", "")) == "340" for part in parts):
        return VETERAN_SYSTEM
    return default


def build_request(
    *,
    infno: str,
    msgid: str,
    institution: Institution,
    operator: Operator,
    payload: dict[str, Any],
    at: datetime.datetime,
    insuplc_admdvs: str = "",
    sign_no: str = "",
    infver: str = "V1.0",
    recer_sys_code: str = "YBXT",
) -> dict[str, Any]:
    """The request envelope (§0.1)."""
    return {
        "infno": infno,
        "msgid": msgid,
        "mdtrtarea_admvs": institution.region,
        "insuplc_admdvs": insuplc_admdvs,
        "recer_sys_code": recer_sys_code,
        "dev_no": "",
        "dev_safe_info": "",
        "cainfo": "",
        "signtype": "",
        "infver": infver,
        "opter_type": operator.kind,
        "opter": operator.code,
        "opter_name": operator.name,
        "inf_time": at.strftime("%Y-%m-%d %H:%M:%S"),
        "fixmedins_code": institution.code,
        "fixmedins_name": institution.name,
        "sign_no": sign_no,
        "input": payload,
    }


class ProtocolError(Exception):
    """The reply is not a readable envelope (garbled, not JSON, no infcode)."""


@dataclass
class CenterReply:
    infcode: int
    inf_refmsgid: str
    err_msg: str
    warn_msg: str
    output: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.infcode == 0


def parse_reply(body: Any) -> CenterReply:
    """Read a response envelope (§0.2), tolerating the observed variations (§0.3)."""
    if not isinstance(body, dict) or "infcode" not in body:
        raise ProtocolError("中心返回的报文不完整（缺少 infcode）")
    try:
        infcode = int(str(body["infcode"]).strip())
    except ValueError as exc:
        raise ProtocolError(f"中心返回的 infcode 无法识别：{body['infcode']!r}") from exc
    output = body.get("output") or {}
    if not isinstance(output, dict):
        raise ProtocolError("中心返回的 output 不是对象")
    return CenterReply(
        infcode=infcode,
        inf_refmsgid=str(body.get("inf_refmsgid") or ""),
        err_msg=str(body.get("err_msg") or ""),
        warn_msg=str(body.get("warn_msg") or ""),
        output=output,
        raw=body,
    )


def to_decimal(value: Any, default: Decimal | None = Decimal("0")) -> Decimal | None:
    """An amount as sent by any center: number, numeric string, "" or null."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, float):
        value = repr(value)  # JSON numbers arrive as float: keep their shortest exact text
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ProtocolError(f"金额格式无法识别：{value!r}") from exc


def decimal_fields(record: dict[str, Any], names: tuple[str, ...]) -> dict[str, Decimal | None]:
    return {name: to_decimal(record.get(name)) for name in names}


SETTLEMENT_AMOUNT_FIELDS = (
    "medfee_sumamt",
    "fulamt_ownpay_amt",
    "overlmt_selfpay",
    "preselfpay_amt",
    "inscp_scp_amt",
    "act_pay_dedc",
    "hifp_pay",
    "cvlserv_pay",
    "hifes_pay",
    "hifmi_pay",
    "hifob_pay",
    "maf_pay",
    "oth_pay",
    "fund_pay_sumamt",
    "hosp_part_amt",
    "psn_part_amt",
    "acct_pay",
    "psn_cash_pay",
    "balc",
)
FUND_LAYER_FIELDS = ("hifp_pay", "cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "maf_pay", "oth_pay")


def mask_identifiers(value: Any) -> Any:
    """Mask certificate numbers, card numbers and phones in a logged message (PII)."""
    sensitive = {"certno", "mdtrt_cert_no", "card_sn", "tel", "coner_tel", "psn_cert_no"}
    if isinstance(value, dict):
        return {k: (_mask(v) if k in sensitive else mask_identifiers(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_identifiers(v) for v in value]
    return value


def _mask(value: Any) -> Any:
    text = str(value or "")
    if len(text) <= 4:
        return "*" * len(text)
    keep = 4 if len(text) >= 12 else 2
    return text[:keep] + "*" * (len(text) - keep * 2) + text[-keep:]
