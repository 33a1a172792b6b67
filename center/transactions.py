"""The center's transactions used today, as thin functions over CenterClient.

Input node names follow CENTER-INTERFACE.md: 1101 `data`, 2401 `mdtrtinfo`+`diseinfo`,
2402 `dscginfo`, 2301 `feedetail`, 2303/2304/2305/2404/2405/2302/2601 `data`.
"""

from __future__ import annotations

import base64
import time
from typing import Any

from django.conf import settings

from center import protocol
from center.client import CenterClient, CenterError, CenterRejected


def person_info(client: CenterClient, *, cert_type: str, cert_no: str, card_sn: str = "", actor=None) -> dict:
    """1101: who holds this credential, with every insurance (insuinfo is a list)."""
    data = {
        "mdtrt_cert_type": cert_type,
        "mdtrt_cert_no": cert_no,
        "card_sn": card_sn,
        "begntime": "",
        "psn_cert_type": "",
        "certno": "",
        "psn_name": "",
    }
    reply = client.call("1101", {"data": data}, actor=actor, subject=f"card:{cert_type}")
    output = reply.output
    insuinfo = output.get("insuinfo") or []
    if isinstance(insuinfo, dict):  # the spec's sample sends an object; real centers a list
        insuinfo = [insuinfo]
    for info in insuinfo:
        info["balc"] = protocol.to_decimal(info.get("balc"))
        info.setdefault("insuplc_admdvs", info.get("insu_admdvs", ""))
    return {
        "baseinfo": output.get("baseinfo") or {},
        "insuinfo": insuinfo,
        "idetinfo": output.get("idetinfo") or [],
    }


def admit(
    client: CenterClient,
    *,
    mdtrtinfo: dict,
    diseinfo: list[dict],
    insuplc_admdvs: str,
    actor=None,
    subject: str = "",
    msgid: str | None = None,
) -> str:
    """2401: inpatient registration; returns the center's visit id (mdtrt_id)."""
    reply = client.call(
        "2401",
        {"mdtrtinfo": mdtrtinfo, "diseinfo": diseinfo},
        actor=actor,
        insuplc_admdvs=insuplc_admdvs,
        subject=subject,
        msgid=msgid,
    )
    return str((reply.output.get("result") or {}).get("mdtrt_id") or "")


def discharge(
    client: CenterClient,
    *,
    dscginfo: dict,
    insuplc_admdvs: str,
    actor=None,
    subject: str = "",
    msgid: str | None = None,
) -> None:
    """2402: discharge registration."""
    client.call(
        "2402",
        {"dscginfo": dscginfo},
        actor=actor,
        insuplc_admdvs=insuplc_admdvs,
        subject=subject,
        msgid=msgid,
    )


def upload_settlement_list(
    client: CenterClient, *, setl_list: dict, insuplc_admdvs: str, actor=None, msgid: str | None = None
) -> str:
    """4101 (P2.5): the settlement list of one inpatient settlement; returns setl_list_id."""
    reply = client.call(
        "4101",
        setl_list,
        actor=actor,
        insuplc_admdvs=insuplc_admdvs,
        subject=f"setl:{setl_list['setlinfo']['setl_id']}",
        msgid=msgid,
    )
    return str((reply.output.get("data") or {}).get("setl_list_id") or "")


def cancel_admission(
    client: CenterClient, *, mdtrt_id: str, psn_no: str, insuplc_admdvs: str, actor=None, msgid=None
) -> None:
    """2404: cancel the inpatient registration (refused by the center once fees exist)."""
    client.call(
        "2404",
        {"data": {"mdtrt_id": mdtrt_id, "psn_no": psn_no}},
        actor=actor,
        insuplc_admdvs=insuplc_admdvs,
        subject=f"mdtrt:{mdtrt_id}",
        msgid=msgid,
    )


def cancel_discharge(
    client: CenterClient, *, mdtrt_id: str, psn_no: str, insuplc_admdvs: str, actor=None
) -> None:
    """2405: cancel the discharge registration."""
    client.call(
        "2405",
        {"data": {"mdtrt_id": mdtrt_id, "psn_no": psn_no}},
        actor=actor,
        insuplc_admdvs=insuplc_admdvs,
        subject=f"mdtrt:{mdtrt_id}",
    )


def upload_fees(
    client: CenterClient, *, feedetail: list[dict], insuplc_admdvs: str, actor=None, msgid: str | None = None
) -> list[dict]:
    """2301: fee detail upload; returns the center's per-line split (amounts as Decimal)."""
    reply = client.call(
        "2301",
        {"feedetail": feedetail},
        actor=actor,
        insuplc_admdvs=insuplc_admdvs,
        subject=f"mdtrt:{feedetail[0]['mdtrt_id']}" if feedetail else "",
        msgid=msgid,
    )
    lines = reply.output.get("result") or []
    names = ("det_item_fee_sumamt", "fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt", "inscp_scp_amt")
    return [{**line, **protocol.decimal_fields(line, names)} for line in lines]


def cancel_fees(
    client: CenterClient,
    *,
    mdtrt_id: str,
    psn_no: str,
    feedetl_sn: str = "0000",
    insuplc_admdvs: str,
    actor=None,
) -> None:
    """2302: cancel uploaded fee lines ("0000" = every unsettled line)."""
    client.call(
        "2302",
        {"data": {"feedetl_sn": feedetl_sn, "mdtrt_id": mdtrt_id, "psn_no": psn_no}},
        actor=actor,
        insuplc_admdvs=insuplc_admdvs,
        subject=f"mdtrt:{mdtrt_id}",
    )


def _settlement(reply: protocol.CenterReply) -> dict[str, Any]:
    setlinfo = reply.output.get("setlinfo") or {}
    amounts = protocol.decimal_fields(setlinfo, protocol.SETTLEMENT_AMOUNT_FIELDS)
    details = [
        {**d, **protocol.decimal_fields(d, ("fund_payamt", "inscp_scp_amt"))}
        for d in reply.output.get("setldetail") or []
    ]
    return {"setlinfo": {**setlinfo, **amounts}, "setldetail": details}


def settlement_data(
    *,
    psn_no: str,
    mdtrt_id: str,
    insutype: str,
    medfee_sumamt,
    cert_type: str,
    cert_no: str,
    acct_used: bool,
    mid_setl: bool = False,
) -> dict[str, Any]:
    return {
        "psn_no": psn_no,
        "mdtrt_cert_type": cert_type,
        "mdtrt_cert_no": cert_no,
        "medfee_sumamt": str(medfee_sumamt),
        "psn_setlway": "01",
        "mdtrt_id": mdtrt_id,
        "insutype": insutype,
        "acct_used_flag": "1" if acct_used else "0",
        "invono": "",
        "mid_setl_flag": "1" if mid_setl else "0",
        "fulamt_ownpay_amt": 0,
        "overlmt_selfpay": 0,
        "preselfpay_amt": 0,
        "inscp_scp_amt": 0,
    }


def pre_settle(client: CenterClient, *, data: dict, insuplc_admdvs: str, actor=None) -> dict[str, Any]:
    """2303: pre-settlement (试算); changes nothing at the center."""
    reply = client.call(
        "2303",
        {"data": data},
        actor=actor,
        insuplc_admdvs=insuplc_admdvs,
        subject=f"mdtrt:{data['mdtrt_id']}",
    )
    return _settlement(reply)


def settle(
    client: CenterClient, *, data: dict, insuplc_admdvs: str, actor=None, msgid: str | None = None
) -> dict:
    """2304: inpatient settlement, sent with the msgid recorded in the caller's intent. A timeout or an
    unreadable reply leaves the outcome unknown: the caller resolves it (query_settlements, then 2601)."""
    return _settle_call(client, "2304", data=data, insuplc_admdvs=insuplc_admdvs, actor=actor, msgid=msgid)


def _settle_call(client: CenterClient, infno: str, *, data: dict, insuplc_admdvs: str, actor, msgid):
    from center.client import next_msgid

    msgid = msgid or next_msgid()
    reply = client.call(
        infno,
        {"data": data},
        actor=actor,
        insuplc_admdvs=insuplc_admdvs,
        subject=f"mdtrt:{data['mdtrt_id']}",
        msgid=msgid,
    )
    result = _settlement(reply)
    result["msgid"] = msgid
    return result


# --- outpatient (2201-2208) ---


def register_outpatient(
    client: CenterClient, *, data: dict, insuplc_admdvs: str, actor=None, msgid: str | None = None
) -> str:
    """2201: outpatient registration; returns mdtrt_id."""
    reply = client.call(
        "2201",
        {"data": data},
        actor=actor,
        insuplc_admdvs=insuplc_admdvs,
        subject=f"otp:{data.get('ipt_otp_no', '')}",
        msgid=msgid,
    )
    return str((reply.output.get("data") or {}).get("mdtrt_id") or "")


def cancel_outpatient_registration(
    client: CenterClient, *, mdtrt_id: str, psn_no: str, ipt_otp_no: str, insuplc_admdvs: str, actor=None
) -> None:
    """2202: cancel the outpatient registration."""
    client.call(
        "2202",
        {"data": {"psn_no": psn_no, "mdtrt_id": mdtrt_id, "ipt_otp_no": ipt_otp_no}},
        actor=actor,
        insuplc_admdvs=insuplc_admdvs,
        subject=f"mdtrt:{mdtrt_id}",
    )


def outpatient_visit_info(
    client: CenterClient, *, mdtrtinfo: dict, diseinfo: list[dict], insuplc_admdvs: str, actor=None
) -> None:
    """2203: visit information (med_type, and for 14 门诊慢特病 the disease code)."""
    client.call(
        "2203",
        {"mdtrtinfo": mdtrtinfo, "diseinfo": diseinfo},
        actor=actor,
        insuplc_admdvs=insuplc_admdvs,
        subject=f"mdtrt:{mdtrtinfo.get('mdtrt_id', '')}",
    )


def upload_outpatient_fees(
    client: CenterClient, *, feedetail: list[dict], insuplc_admdvs: str, actor=None, msgid: str | None = None
) -> list:
    """2204: outpatient fee upload (lines carry chrg_bchno); same per-line split as 2301."""
    reply = client.call(
        "2204",
        {"feedetail": feedetail},
        actor=actor,
        insuplc_admdvs=insuplc_admdvs,
        subject=f"mdtrt:{feedetail[0]['mdtrt_id']}" if feedetail else "",
        msgid=msgid,
    )
    names = ("det_item_fee_sumamt", "fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt", "inscp_scp_amt")
    return [{**line, **protocol.decimal_fields(line, names)} for line in reply.output.get("result") or []]


def cancel_outpatient_fees(
    client: CenterClient, *, mdtrt_id: str, chrg_bchno: str, psn_no: str, insuplc_admdvs: str, actor=None
) -> None:
    """2205: cancel one charge batch."""
    client.call(
        "2205",
        {"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": chrg_bchno, "psn_no": psn_no}},
        actor=actor,
        insuplc_admdvs=insuplc_admdvs,
        subject=f"mdtrt:{mdtrt_id}",
    )


def pre_settle_outpatient(client: CenterClient, *, data: dict, insuplc_admdvs: str, actor=None) -> dict:
    """2206: outpatient pre-settlement."""
    reply = client.call(
        "2206",
        {"data": data},
        actor=actor,
        insuplc_admdvs=insuplc_admdvs,
        subject=f"mdtrt:{data['mdtrt_id']}",
    )
    return _settlement(reply)


def settle_outpatient(
    client: CenterClient, *, data: dict, insuplc_admdvs: str, actor=None, msgid: str | None = None
) -> dict:
    """2207: outpatient settlement; a lost reply is reversed by 2601 like 2304."""
    return _settle_call(client, "2207", data=data, insuplc_admdvs=insuplc_admdvs, actor=actor, msgid=msgid)


def cancel_settlement(
    client: CenterClient,
    *,
    mdtrt_id: str,
    setl_id: str,
    psn_no: str,
    insuplc_admdvs: str,
    actor=None,
    msgid: str | None = None,
    outpatient: bool = False,
) -> dict[str, Any]:
    """2305 (inpatient) or 2208 (outpatient): cancel a settlement as a whole (SET-9); the center
    answers with its cancellation's setl_id and negative amounts, the account restored."""
    reply = client.call(
        "2208" if outpatient else "2305",
        {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": psn_no}},
        actor=actor,
        insuplc_admdvs=insuplc_admdvs,
        subject=f"mdtrt:{mdtrt_id}",
        msgid=msgid,
    )
    return _settlement(reply)


def cancel_outpatient_settlement(client: CenterClient, **kwargs) -> dict[str, Any]:
    """2208."""
    return cancel_settlement(client, outpatient=True, **kwargs)


def reverse(
    client: CenterClient,
    *,
    psn_no: str,
    omsgid: str,
    oinfno: str,
    insuplc_admdvs: str,
    actor=None,
    attempts: int = 3,
    backoff: float = 0.5,
) -> None:
    """2601: reverse a message by its msgid (used when its outcome is unknown). Idempotent, so it is
    retried with backoff (0.5 s, 1 s …); a center still down after that raises, and the caller's
    intent stays open for the recovery task."""
    last: CenterError | None = None
    for attempt in range(attempts):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        try:
            client.call(
                "2601",
                {"data": {"psn_no": psn_no, "omsgid": omsgid, "oinfno": oinfno}},
                actor=actor,
                insuplc_admdvs=insuplc_admdvs,
                subject=f"reverse:{omsgid}",
            )
            return
        except CenterRejected:
            raise
        except CenterError as exc:
            last = exc
    assert last is not None
    raise last


# --- P2.3: asking the center what it holds ---


def query_visits(
    client: CenterClient, *, psn_no: str, insuplc_admdvs: str, begntime: str, endtime: str, actor=None
) -> list[dict[str, Any]]:
    """5201: the person's visits at the center (mdtrt_id, ipt_otp_no, vali_flag …)."""
    reply = client.call(
        "5201",
        {"data": {"psn_no": psn_no, "begntime": begntime, "endtime": endtime, "med_type": ""}},
        actor=actor,
        insuplc_admdvs=insuplc_admdvs,
        subject=f"psn:{psn_no}",
    )
    rows = reply.output.get("mdtrtinfo") or []
    return [rows] if isinstance(rows, dict) else list(rows)


def query_settlements(
    client: CenterClient, *, psn_no: str, mdtrt_id: str, setl_id: str = "", insuplc_admdvs: str, actor=None
) -> list[dict[str, Any]]:
    """5203: the center's settlements of a visit. With setl_id, that one; without it, every settlement
    and cancellation of the visit (the simulator's and some provinces' extension; the national
    table requires setl_id). Each row's `medins_setl_id` holds the msgid of the request that made it."""
    reply = client.call(
        "5203",
        {"data": {"psn_no": psn_no, "mdtrt_id": mdtrt_id, "setl_id": setl_id}},
        actor=actor,
        insuplc_admdvs=insuplc_admdvs,
        subject=f"mdtrt:{mdtrt_id}",
    )
    rows = reply.output.get("setlinfo") or []
    if isinstance(rows, dict):
        rows = [rows]
    details = reply.output.get("setldetail") or []
    result = []
    for row in rows:
        amounts = protocol.decimal_fields(row, protocol.SETTLEMENT_AMOUNT_FIELDS)
        # 5203 names two fields differently from 2304 (psn_pay, cash_payamt).
        if "psn_part_amt" not in row and row.get("psn_pay") is not None:
            amounts["psn_part_amt"] = protocol.to_decimal(row.get("psn_pay"))
        if "psn_cash_pay" not in row and row.get("cash_payamt") is not None:
            amounts["psn_cash_pay"] = protocol.to_decimal(row.get("cash_payamt"))
        own = [
            {**d, **protocol.decimal_fields(d, ("fund_payamt", "inscp_scp_amt"))}
            for d in details
            if str(d.get("setl_id") or row.get("setl_id")) == str(row.get("setl_id"))
        ]
        result.append({"setlinfo": {**row, **amounts}, "setldetail": own})
    return result


def query_fees(
    client: CenterClient, *, psn_no: str, mdtrt_id: str, setl_id: str = "", insuplc_admdvs: str, actor=None
) -> list[dict]:
    """5204: the fee lines the center holds for a visit, each with its per-line answer (class, share,
    payment standard, fulamt_ownpay/overlmt/preselfpay/inscp_scp amounts, memo) keyed by feedetl_sn."""
    reply = client.call(
        "5204",
        {"data": {"psn_no": psn_no, "mdtrt_id": mdtrt_id, "setl_id": setl_id}},
        actor=actor,
        insuplc_admdvs=insuplc_admdvs,
        subject=f"mdtrt:{mdtrt_id}",
    )
    rows = reply.output.get("result") or reply.output.get("feedetail") or []
    return [{**row, "feedetl_sn": str(row.get("feedetl_sn"))} for row in rows if row.get("feedetl_sn")]


# --- issue 20: reconciliation (P2.4), files (9101/9102), downloads (P2.6) ---


def file_upload(client: CenterClient, *, content: bytes, filename: str, actor=None) -> str:
    """9101: store a ZIP at the center; returns its file_qury_no."""
    reply = client.call(
        "9101",
        {
            "fsUploadIn": {
                "in": base64.b64encode(content).decode(),
                "filename": filename,
                "fixmedins_code": settings.HOSPITAL["CODE"],
            }
        },
        actor=actor,
        subject=f"file:{filename}",
    )
    return str(reply.output.get("file_qury_no") or "")


def file_download(client: CenterClient, *, file_qury_no: str, filename: str, actor=None) -> bytes:
    """9102: a file the center produced (3202 result, 13xx catalog)."""
    reply = client.call(
        "9102",
        {
            "fsDownloadIn": {
                "file_qury_no": file_qury_no,
                "filename": filename,
                "fixmedins_code": settings.HOSPITAL["CODE"],
            }
        },
        actor=actor,
        subject=f"file:{file_qury_no}",
    )
    return base64.b64decode(str(reply.output.get("file") or ""))


def reconcile_totals(client: CenterClient, *, data: dict, actor=None) -> dict:
    """3201: totals of one insurance type and clearing type over a period; stmt_rslt 0 平 / 1 不平."""
    reply = client.call("3201", {"data": data}, actor=actor, subject=f"stmt:{data['stmt_begndate']}")
    return reply.output.get("stmtinfo") or {}


def reconcile_details(client: CenterClient, *, data: dict, actor=None) -> dict:
    """3202: per-settlement comparison of the file uploaded with 9101; returns fileinfo."""
    reply = client.call("3202", {"data": data}, actor=actor, subject=f"stmt:{data['stmt_begndate']}")
    return reply.output.get("fileinfo") or {}


def catalog_versions(client: CenterClient, *, ver: str, actor=None) -> dict:
    """1301 (mechanism A): rows newer than `ver` as a file to fetch with 9102."""
    reply = client.call("1301", {"data": {"ver": ver or "0"}}, actor=actor, subject="catalog")
    return reply.output


def dictionary(client: CenterClient, *, since: str, actor=None) -> list[dict]:
    """1901: dictionary rows changed since a date (all types)."""
    reply = client.call(
        "1901",
        {
            "data": {
                "type": "",
                "parentValue": "",
                "admdvs": settings.HOSPITAL["REGION_CODE"],
                "date": since,
                "valiFlag": "1",
            }
        },
        actor=actor,
        subject="dictionary",
    )
    rows = reply.output.get("list") or []
    return [rows] if isinstance(rows, dict) else list(rows)
