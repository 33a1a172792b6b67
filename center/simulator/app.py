"""HTTP front of the simulated center: the national interface's single POST endpoint plus a
control API to inject faults (latency, timeout, infcode -1, garbled reply, down).

POST <path>                    an envelope (signed/encrypted per the auth profile)
POST /_control/faults          {"mode": "ok|latency|timeout|error|garbled|down", "infno": "2304" | null,
                                "seconds": 2.0, "after_process": false, "count": null, "add": false}
                               (add: true keeps the faults already set, e.g. 2304 loses its reply
                               while 2601 finds the center down; the first fault matching a
                               transaction applies)
POST /_control/reset           forget every visit, settlement and fault
POST /_control/persons         [roster entries] add or replace persons (as export_center_roster writes)
POST /_control/catalog         {med_list_codg: {class, selfpay_prop, pric_uplmt_amt, name}} add catalog items
POST /_control/policy          {"key": "310/21:inpatient", "changes": {"fund_ratio": "0.80"}} plant a policy
                                difference (the center's own parameters; until reset or restart)
GET  /_control/policy          the center's parameters
POST /_control/sync            issue 20 switches and downloads (center/simulator/sync_state.py)
GET  /_control/state           visits, active settlements, accumulators (for tests)
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from center.auth import PlainAuth, SignatureError
from center.protocol import PERSON_TRANSACTIONS
from center.simulator.state import CenterRefusal, CenterState, center_now


@dataclass
class Fault:
    mode: str = "ok"
    infno: str | None = None
    seconds: float = 2.0
    after_process: bool = False
    count: int | None = None

    def applies(self, infno: str) -> bool:
        return (
            self.mode != "ok" and (self.infno in (None, "", infno)) and (self.count is None or self.count > 0)
        )


class CenterSimulator:
    def __init__(self, state: CenterState, auth: PlainAuth) -> None:
        self.state = state
        self.auth = auth
        self.faults: list[Fault] = []
        self._fault_lock = threading.Lock()
        self._refmsg = itertools.count(1)

    def _reply(
        self, envelope: dict[str, Any], infcode: int, output: dict[str, Any], err_msg: str = ""
    ) -> dict:
        now = center_now()
        return {
            "infcode": infcode,
            "inf_refmsgid": f"{self.state.region}{now:%Y%m%d%H%M%S}{next(self._refmsg):010d}",
            "refmsg_time": now.strftime("%Y%m%d%H%M%S%f")[:17],
            "respond_time": center_now().strftime("%Y%m%d%H%M%S%f")[:17],
            "err_msg": err_msg or None,
            "warn_msg": None,
            "output": output,
        }

    def process(self, envelope: dict[str, Any]) -> dict[str, Any]:
        msgid = str(envelope.get("msgid", ""))
        with self.state.lock:
            if msgid in self.state.replies:  # a resent message is answered, never processed twice
                return self.state.replies[msgid]
            if msgid in self.state.reversed_msgids:
                return self._reply(envelope, -1, {}, f"报文 {msgid} 已被冲正，不予处理")
            missing = [
                f
                for f in ("infno", "msgid", "mdtrtarea_admvs", "fixmedins_code", "inf_time", "opter")
                if not envelope.get(f)
            ]
            if (
                not missing
                and envelope["infno"] in PERSON_TRANSACTIONS
                and not envelope.get("insuplc_admdvs")
            ):
                missing = ["insuplc_admdvs"]  # §0.1: required when the input carries psn_no
            if missing:
                reply = self._reply(envelope, -1, {}, f"报文头缺少必填字段：{','.join(missing)}")
            else:
                try:
                    reply = self._reply(envelope, 0, self.state.handle(envelope))
                except CenterRefusal as exc:
                    reply = self._reply(envelope, -1, {}, str(exc))
            self.state.replies[msgid] = reply
            self.state.save()
            return reply

    def set_fault(self, spec: dict[str, Any]) -> list[Fault]:
        with self._fault_lock:
            fault = Fault(
                mode=spec.get("mode", "ok"),
                infno=spec.get("infno"),
                seconds=float(spec.get("seconds", 2.0)),
                after_process=bool(spec.get("after_process", False)),
                count=spec.get("count"),
            )
            kept = self.faults if spec.get("add") else []
            self.faults = [*kept, fault] if fault.mode != "ok" else kept
            return list(self.faults)

    def _take_fault(self, infno: str) -> Fault | None:
        with self._fault_lock:
            for fault in self.faults:
                if fault.applies(infno):
                    if fault.count is not None:
                        fault.count -= 1
                    return Fault(**vars(fault))
            return None

    # --- WSGI ---
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        if path.startswith("/_control/"):
            return self._control(path, method, body, start_response)
        if method != "POST":
            return self._send(start_response, "405 Method Not Allowed", b"POST only")
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        try:
            envelope = self.auth.open_request(headers, body)
        except (SignatureError, ValueError) as exc:
            reply = self._reply({}, -1, {}, f"签名或报文校验失败：{exc}")
            return self._send(start_response, "200 OK", self.auth.seal_reply(reply))
        infno = str(envelope.get("infno", ""))
        fault = self._take_fault(infno)
        if fault and fault.mode == "down":
            return self._send(start_response, "503 Service Unavailable", b"center down")
        if fault and fault.mode in {"latency", "timeout"} and not fault.after_process:
            time.sleep(fault.seconds)
        if fault and fault.mode == "error":
            reply = self._reply(envelope, -1, {}, "中心系统异常（模拟）")
            return self._send(start_response, "200 OK", self.auth.seal_reply(reply))
        reply = self.process(envelope)
        if fault and fault.mode in {"latency", "timeout"} and fault.after_process:
            time.sleep(
                fault.seconds
            )  # processed, but the reply arrives late or never: outcome unknown to the client
        if fault and fault.mode == "garbled":
            return self._send(start_response, "200 OK", b'{"infcode": 0, "output": {"setlinfo": ')
        return self._send(start_response, "200 OK", self.auth.seal_reply(reply))

    def _control(self, path, method, body, start_response):
        if path == "/_control/faults" and method == "POST":
            faults = self.set_fault(json.loads(body or b"{}"))
            return self._json(start_response, {"faults": [vars(f) for f in faults]})
        if path == "/_control/reset" and method == "POST":
            self.state.forget()
            self.state.__init__(self.state.region, self.state.data_dir)
            self.set_fault({})
            return self._json(start_response, {"reset": True})
        if path == "/_control/persons" and method == "POST":
            people = json.loads(body or b"[]")
            with self.state.lock:
                self.state.persons.update({p["psn_no"]: p for p in people})
            return self._json(start_response, {"persons": len(people)})
        if path == "/_control/catalog" and method == "POST":
            items = json.loads(body or b"{}")
            with self.state.lock:
                self.state.catalog.update(items)
            return self._json(start_response, {"catalog": len(items)})
        if path == "/_control/policy" and method == "POST":
            # Plant a policy difference: the center's own parameter changes, the hospital's does not.
            spec = json.loads(body or b"{}")
            with self.state.lock:
                try:
                    changed = self.state.plant_policy(str(spec.get("key", "")), spec.get("changes") or {})
                except KeyError:
                    return self._send(start_response, "404 Not Found", b"unknown policy key")
            return self._json(start_response, {"policy": changed})
        if path == "/_control/policy" and method == "GET":
            with self.state.lock:
                return self._json(start_response, self.state.policies)
        if path == "/_control/sync" and method == "POST" and hasattr(self.state, "control_sync"):
            try:
                return self._json(start_response, self.state.control_sync(json.loads(body or b"{}")))
            except CenterRefusal as exc:
                return self._send(start_response, "409 Conflict", str(exc).encode())
        if path == "/_control/state":
            with self.state.lock:
                return self._json(start_response, self.state.snapshot())
        return self._send(start_response, "404 Not Found", b"unknown control path")

    def _json(self, start_response, value):
        return self._send(start_response, "200 OK", json.dumps(value, ensure_ascii=False).encode())

    @staticmethod
    def _send(start_response, status, payload: bytes):
        start_response(
            status,
            [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(payload)))],
        )
        return [payload]
