"""The simulated center's side of the 20-minute sync (issue 20): settlement lists (4101),
reconciliation (3201 totals, 3202 details through files 9101/9102), catalog and dictionary downloads
(1301 by version through a 9102 file, 1901), and the switches tests and the demo use:

  refuse   feedetl_sn values whose 2301/2204 line the center refuses (the whole call, as a real one)
  diverge  {setl_id: amount}: the center's copy of that settlement's medfee_sumamt differs by amount
           ("" as setl_id: the latest settlement)

Files are ZIPs of tab-separated UTF-8 text (P2.4 §4.2, P2.6 A). The simulator answers 9102 inside the
JSON envelope (output.file, base64) instead of a raw stream, so one client serves every transaction.
Pure Python: no Django.
"""

from __future__ import annotations

import base64
import io
import zipfile
from decimal import Decimal
from typing import Any

from center.files import unzip_rows, zip_rows
from center.protocol import to_decimal
from center.simulator.state import CenterRefusal, CenterState


class SyncCenterState(CenterState):
    PERSISTED = (
        *CenterState.PERSISTED,
        "settlement_lists",
        "files",
        "catalog_versions",
        "dictionary",
        "refuse",
        "diverge",
    )

    def __init__(self, *args, **kwargs) -> None:
        self.settlement_lists: dict[str, dict[str, Any]] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        # Published catalog versions: {"ver", "name", "begndate", "items": {code: {...}}}
        self.catalog_versions: list[dict[str, Any]] = []
        self.dictionary: list[dict[str, Any]] = []
        self.refuse: set[str] = set()
        self.diverge: dict[str, str] = {}
        super().__init__(*args, **kwargs)

    # --- switches (POST /_control/sync) ---
    def control_sync(self, spec: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if "refuse" in spec:
                self.refuse = {str(sn) for sn in spec["refuse"] or []}
            if "diverge" in spec:
                diverge = {str(k): str(v) for k, v in (spec["diverge"] or {}).items()}
                if "" in diverge:
                    latest = max(
                        (s for s in self.settlements.values() if s.cancelled_by is None),
                        key=lambda s: int(s.setl_id),
                        default=None,
                    )
                    if latest is None:
                        raise CenterRefusal("没有可调整的结算")
                    diverge[latest.setl_id] = diverge.pop("")
                self.diverge = diverge
            if spec.get("catalog_version"):
                self.catalog_versions.append(spec["catalog_version"])
            if spec.get("dictionary"):
                self.dictionary.extend(spec["dictionary"])
            self.save()
            return {
                "refuse": sorted(self.refuse),
                "diverge": self.diverge,
                "catalog_versions": [v["ver"] for v in self.catalog_versions],
                "dictionary": len(self.dictionary),
            }

    # --- 2301/2204: a refused line refuses the whole call ---
    def trx_2301(self, payload, envelope):
        for raw in payload.get("feedetail") or []:
            sn = str(raw.get("feedetl_sn", ""))
            if sn in self.refuse:
                raise CenterRefusal(f"明细 {sn} 的医保目录编码不存在或已停用（模拟拒收）")
        return super().trx_2301(payload, envelope)

    # --- 4101: one list per settlement ---
    def trx_4101(self, payload, envelope):
        info = payload.get("setlinfo") or {}
        setl_id = str(info.get("setl_id", ""))
        settlement = self.settlements.get(setl_id)
        if settlement is None or settlement.mdtrt_id != str(info.get("mdtrt_id", "")):
            raise CenterRefusal(f"结算ID {setl_id} 不存在，不能上传结算清单")
        held = self.settlement_lists.get(setl_id)
        if held is None:
            held = {"setl_list_id": self._new_id(9), "setlinfo": info}
            self.settlement_lists[setl_id] = held
        return {"data": {"setl_list_id": held["setl_list_id"]}}

    # --- reconciliation ---
    def _rows_in(self, begin: str, end: str, insutype: str = "", clr_type: str = "") -> list[dict[str, Any]]:
        """Every settlement and cancellation row whose settlement time falls in [begin, end], as the
        center holds it (planted divergences included)."""
        rows = []
        for settlement in self.settlements.values():
            for info in (settlement.setlinfo, (settlement.cancellation or {}).get("setlinfo")):
                if not info:
                    continue
                day = str(info.get("setl_time", ""))[:10]
                if not (begin <= day <= end):
                    continue
                if insutype and info.get("insutype") != insutype:
                    continue
                if clr_type and str(info.get("clr_type")) != clr_type:
                    continue
                extra = Decimal(self.diverge.get(str(info["setl_id"]), "0"))
                rows.append(
                    {
                        "setl_id": str(info["setl_id"]),
                        "mdtrt_id": info["mdtrt_id"],
                        "psn_no": info["psn_no"],
                        "msgid": info.get("medins_setl_id", ""),
                        "medfee_sumamt": to_decimal(info["medfee_sumamt"]) + extra,
                        "fund_pay_sumamt": to_decimal(info["fund_pay_sumamt"]),
                        "acct_pay": to_decimal(info["acct_pay"]),
                        "refd_setl_flag": str(info.get("refd_setl_flag") or "0"),
                    }
                )
        return rows

    def trx_3201(self, payload, envelope):
        data = payload.get("data") or {}
        rows = self._rows_in(
            str(data.get("stmt_begndate", "")),
            str(data.get("stmt_enddate", "")),
            str(data.get("insutype", "")),
            str(data.get("clr_type", "")),
        )
        theirs = (
            sum((r["medfee_sumamt"] for r in rows), Decimal("0")),
            sum((r["fund_pay_sumamt"] for r in rows), Decimal("0")),
            sum((r["acct_pay"] for r in rows), Decimal("0")),
            len(rows),
        )
        ours = (
            to_decimal(data.get("medfee_sumamt")),
            to_decimal(data.get("fund_pay_sumamt")),
            to_decimal(data.get("acct_pay")),
            int(data.get("fixmedins_setl_cnt") or 0),
        )
        balanced = theirs == ours
        return {
            "stmtinfo": {
                "setl_optins": data.get("setl_optins", ""),
                "stmt_rslt": "0" if balanced else "1",
                "stmt_rslt_dscr": "平帐"
                if balanced
                else f"不平：中心 总额 {theirs[0]} 基金 {theirs[1]} 账户 {theirs[2]} 笔数 {theirs[3]}",
            }
        }

    def trx_9101(self, payload, envelope):
        data = payload.get("fsUploadIn") or {}
        try:
            content = base64.b64decode(str(data.get("in", "")), validate=True)
            zipfile.ZipFile(io.BytesIO(content)).namelist()
        except (ValueError, zipfile.BadZipFile) as exc:
            raise CenterRefusal("文件不是有效的 ZIP") from exc
        number = f"F{self._new_id(12)}"
        self.files[number] = (str(data.get("filename", "upload.zip")), content)
        return {"file_qury_no": number, "filename": data.get("filename"), "dld_endtime": ""}

    def trx_9102(self, payload, envelope):
        data = payload.get("fsDownloadIn") or {}
        held = self.files.get(str(data.get("file_qury_no", "")))
        if held is None:
            raise CenterRefusal("文件查询号不存在")
        return {"filename": held[0], "file": base64.b64encode(held[1]).decode()}

    def trx_3202(self, payload, envelope):
        """Per-settlement comparison: each of the hospital's lines, then the center's rows the hospital
        did not list; result file columns as JX/OH (10: … medfee, fund, acct as the center holds them)."""
        data = payload.get("data") or {}
        held = self.files.get(str(data.get("file_qury_no", "")))
        if held is None:
            raise CenterRefusal("文件查询号不存在，请先用 9101 上传明细文件")
        theirs = {
            (r["setl_id"], r["refd_setl_flag"]): r
            for r in self._rows_in(
                str(data.get("stmt_begndate", "")),
                str(data.get("stmt_enddate", "")),
                clr_type=str(data.get("clr_type") or ""),
            )
        }
        result, seen = [], set()
        for row in unzip_rows(held[1]):
            setl_id, mdtrt_id, psn_no, medfee, fund, acct, flag = (row + [None] * 7)[:7]
            key = (str(setl_id), str(flag or "0"))
            seen.add(key)
            center_row = theirs.get(key)
            if center_row is None:
                result.append([psn_no, mdtrt_id, setl_id, "", "1", flag, "中心无此结算", "", "", ""])
                continue
            same = (
                center_row["medfee_sumamt"] == to_decimal(medfee)
                and center_row["fund_pay_sumamt"] == to_decimal(fund)
                and center_row["acct_pay"] == to_decimal(acct)
            )
            result.append(
                [
                    psn_no,
                    mdtrt_id,
                    setl_id,
                    center_row["msgid"],
                    "0" if same else "1",
                    flag,
                    "" if same else "金额不符",
                    center_row["medfee_sumamt"],
                    center_row["fund_pay_sumamt"],
                    center_row["acct_pay"],
                ]
            )
        for key, center_row in theirs.items():
            if key not in seen:
                result.append(
                    [
                        center_row["psn_no"],
                        center_row["mdtrt_id"],
                        center_row["setl_id"],
                        center_row["msgid"],
                        "1",
                        center_row["refd_setl_flag"],
                        "医院未上报此结算",
                        center_row["medfee_sumamt"],
                        center_row["fund_pay_sumamt"],
                        center_row["acct_pay"],
                    ]
                )
        number = f"F{self._new_id(12)}"
        self.files[number] = ("result.zip", zip_rows("result.txt", result))
        return {"fileinfo": {"file_qury_no": number, "filename": "result.zip", "dld_endtime": ""}}

    # --- downloads ---
    def trx_1301(self, payload, envelope):
        """Catalog by version (P2.6 A): rows of every version newer than `ver`, as a 9102 file."""
        data = payload.get("data") or {}
        held = str(data.get("ver") or "0")
        rows = []
        for version in self.catalog_versions:
            if held != "0" and str(version["ver"]) <= held:
                continue
            for code, item in version["items"].items():
                rows.append(
                    [
                        code,
                        item.get("name", ""),
                        item.get("class", "C"),
                        item.get("selfpay_prop", ""),
                        item.get("pric_uplmt_amt") or "",
                        item.get("vali_flag", "1"),
                        version["begndate"],
                        version["ver"],
                        version.get("name", version["ver"]),
                    ]
                )
        number = f"F{self._new_id(12)}"
        self.files[number] = ("catalog.zip", zip_rows("catalog.txt", rows))
        return {"file_qury_no": number, "filename": "catalog.zip", "dld_end_time": "", "data_cnt": len(rows)}

    def trx_1901(self, payload, envelope):
        """字典表查询: rows of `type` (all types when empty) changed on or after `date`."""
        data = payload.get("data") or {}
        wanted = str(data.get("type") or "")
        since = str(data.get("date") or "")
        return {
            "list": [
                row
                for row in self.dictionary
                if (not wanted or row["type"] == wanted) and str(row.get("createDate", "")) >= since
            ]
        }

    def snapshot(self) -> dict[str, Any]:
        snap = super().snapshot()
        snap["fees_held"] = sum(len(v.fees) for v in self.visits.values())
        snap["settlement_lists"] = sorted(self.settlement_lists)
        return snap
