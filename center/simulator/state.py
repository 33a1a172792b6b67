"""The simulated insurance center's state and transactions.

A development stand-in, never production: it keeps its own persons, catalog, parameters,
visits, settlements and counters in memory (no access to the hospital's tables) and settles with
its own engine (center.simulator.engine) over its own parameters (policies.json), never the
hospital's engine or counters: a policy difference between the two shows as a difference (issue 18).
`/_control/policy` plants one on purpose. Pure Python: no Django.
"""

from __future__ import annotations

import datetime
import itertools
import json
import pickle
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from center.protocol import to_decimal
from center.simulator import engine

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CLASS_LEVEL = {"A": "01", "B": "02", "C": "03"}
# The center's own dictionary (CENTER-INTERFACE §7.2); 390200 is 居民大病, not an account.
FUND_PAY_TYPE_NAMES = {
    "310100": "城镇职工基本医疗保险统筹基金",
    "310200": "城镇职工基本医疗保险个人账户基金",
    "320100": "公务员医疗补助基金",
    "330100": "大额医疗费用补助基金",
    "340100": "离休人员医疗保障基金",
    "390100": "城乡居民基本医疗保险基金",
    "390200": "城乡居民大病医疗保险基金",
    "610100": "医疗救助基金",
}
INPATIENT = "inpatient"


def center_now() -> datetime.datetime:
    """The center's clock: Beijing time (its messages carry local times), whatever the host's zone."""
    return datetime.datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)


class CenterRefusal(Exception):
    """A business refusal: answered with infcode -1 and this message."""


def _fmt(value: Decimal | None) -> float | None:
    # Real centers answer amounts as JSON numbers; two decimals.
    return None if value is None else float(engine.cents(value))


@dataclass
class Visit:
    mdtrt_id: str
    psn_no: str
    insutype: str
    med_type: str
    begntime: str
    status: str = "admitted"  # admitted / discharged / cancelled
    ipt_otp_no: str = ""
    fees: dict[str, dict[str, Any]] = field(default_factory=dict)
    settlements: list[str] = field(default_factory=list)
    endtime: str = ""


@dataclass
class Settlement:
    setl_id: str
    mdtrt_id: str
    psn_no: str
    insutype: str
    year: int
    setlinfo: dict[str, Any]
    setldetail: list[dict[str, Any]]
    fee_sns: list[str]
    deductible_paid: Decimal
    fund_pay: Decimal
    acct_pay: Decimal
    mid_setl: bool
    msgid: str
    cancelled_by: str | None = None
    cancellation: dict[str, Any] | None = None  # the 2305/2208 answer (negative amounts), for 5203
    counter_key: tuple = ()
    year_deductible: Decimal = Decimal("0")  # what went into the year counter's deductible
    layer_deltas: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)  # code -> (paid, dedc)
    fund_base: Decimal = Decimal("0")


class CenterState:
    def __init__(self, region: str = "610100", data_dir: Path | None = None) -> None:
        self.region = region
        self.data_dir = data_dir
        self.lock = threading.RLock()
        source = data_dir if data_dir and (data_dir / "persons.json").exists() else FIXTURES
        self.persons = {p["psn_no"]: p for p in json.loads((source / "persons.json").read_text())}
        catalog_dir = data_dir if data_dir and (data_dir / "catalog.json").exists() else FIXTURES
        self.catalog = {
            k: v for k, v in json.loads((catalog_dir / "catalog.json").read_text()).items() if k[0] != "_"
        }
        policy_dir = data_dir if data_dir and (data_dir / "policies.json").exists() else FIXTURES
        self.policies = {
            k: v for k, v in json.loads((policy_dir / "policies.json").read_text()).items() if k[0] != "_"
        }
        self.visits: dict[str, Visit] = {}
        self.settlements: dict[str, Settlement] = {}
        # (psn_no, insutype, counter care type, year start) -> {dedc, fund, layers: {code: [paid, dedc]}},
        # the center's own counters (never the hospital's)
        self.counters: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        self.replies: dict[
            str, dict[str, Any]
        ] = {}  # msgid -> reply, so a resent message is answered, not redone
        self.reversed_msgids: set[str] = set()
        self._ids = itertools.count(1)
        self.load()

    # --- persistence: with a data dir, the center remembers visits and settlements across restarts ---
    PERSISTED = (
        "persons",
        "visits",
        "settlements",
        "counters",
        "replies",
        "reversed_msgids",
        "_ids",
    )

    @property
    def state_file(self) -> Path | None:
        return self.data_dir / "state.pickle" if self.data_dir else None

    def save(self) -> None:
        if self.state_file is None:
            return
        snapshot = {name: getattr(self, name) for name in self.PERSISTED}
        temporary = self.state_file.with_suffix(".tmp")
        temporary.write_bytes(pickle.dumps(snapshot))
        temporary.replace(self.state_file)

    def load(self) -> None:
        if self.state_file is None or not self.state_file.exists():
            return
        snapshot = pickle.loads(self.state_file.read_bytes())  # our own file, written by save()
        for name in self.PERSISTED:
            if name in snapshot:
                setattr(self, name, snapshot[name])
        # Persons and the catalog may have been re-exported since: the files win for identities.
        source = self.data_dir / "persons.json"
        if source.exists():
            for person in json.loads(source.read_text()):
                self.persons.setdefault(person["psn_no"], person)

    def forget(self) -> None:
        """/_control/reset: a clean center (the persisted file too)."""
        if self.state_file is not None and self.state_file.exists():
            self.state_file.unlink()

    # --- helpers ---
    def _new_id(self, width: int = 12) -> str:
        return f"{next(self._ids):0{width}d}"

    def _person(self, psn_no: str) -> dict[str, Any]:
        try:
            return self.persons[psn_no]
        except KeyError as exc:
            raise CenterRefusal(f"人员编号 {psn_no} 不存在") from exc

    def _insuinfo(self, person: dict[str, Any], insutype: str) -> dict[str, Any]:
        for info in person["insuinfo"]:
            if info["insutype"] == insutype and info.get("psn_insu_stas", "1") == "1":
                return info
        raise CenterRefusal(f"人员 {person['psn_no']} 无有效的 {insutype} 险种参保信息")

    def _visit(self, mdtrt_id: str, psn_no: str | None = None) -> Visit:
        visit = self.visits.get(mdtrt_id)
        if visit is None or (psn_no and visit.psn_no != psn_no):
            raise CenterRefusal(f"就诊ID {mdtrt_id} 不存在")
        return visit

    @staticmethod
    def _care_type(med_type: str) -> str:
        """The center's own reading of med_type: 2x and 52 inpatient, 14 chronic, else outpatient."""
        if med_type.startswith("2") or med_type == "52":
            return "inpatient"
        return "chronic_outpatient" if med_type == "14" else "outpatient"

    def _person_type(self, person: dict[str, Any], info: dict[str, Any], day: datetime.date) -> str:
        """The center's person type on the service date: a 390 resident is a child (42) before the 18th
        birthday, an adult (41) from it; otherwise the insurance record's type."""
        code = str(info.get("psn_type", ""))
        if info.get("insutype") == "390" and code in ("41", "42"):
            born = datetime.date.fromisoformat(person["brdy"])
            age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
            return "42" if age < 18 else "41"
        return code

    def _benefit(self, insutype: str, med_type: str, person_type: str = "") -> engine.Benefit:
        care_type = self._care_type(med_type)
        params = self.policies.get(f"{insutype}/{person_type}:{care_type}") or self.policies.get(
            f"{insutype}:{care_type}"
        )
        if params is None:
            raise CenterRefusal(f"险种 {insutype} 人员类别 {person_type} 无 {care_type} 待遇参数")
        return engine.Benefit.from_json(params, care_type)

    def plant_policy(self, key: str, changes: dict[str, Any]) -> dict[str, Any]:
        """/_control/policy: change one of the center's own parameters (tests plant a difference)."""
        if key not in self.policies:
            raise KeyError(key)
        self.policies[key] = {**self.policies[key], **changes}
        return self.policies[key]

    @staticmethod
    def _year_start(benefit: engine.Benefit, day: datetime.date) -> datetime.date:
        start = datetime.date(day.year, *benefit.year_start)
        return start if start <= day else start.replace(year=day.year - 1)

    def _layer_allowed(self, layer: engine.Layer, person: dict[str, Any], day: datetime.date) -> bool:
        if not layer.needs:
            return True
        if layer.needs in ("330", "320"):
            return any(
                i["insutype"] == layer.needs and i.get("psn_insu_stas", "1") == "1"
                for i in person["insuinfo"]
            ) or (layer.needs == "320" and any(i.get("cvlserv_flag") == "1" for i in person["insuinfo"]))
        if layer.needs == "maf":
            for idet in person.get("idetinfo") or []:
                begin = datetime.date.fromisoformat(str(idet.get("begntime", "1900-01-01"))[:10])
                end = idet.get("endtime")
                if begin <= day and (not end or day < datetime.date.fromisoformat(str(end)[:10])):
                    return True
        return False

    @staticmethod
    def _day_of(stamp: str) -> datetime.date | None:
        try:
            return datetime.date.fromisoformat(str(stamp)[:10])
        except ValueError:
            return None

    def _service_day(self, visit: Visit, pending: list[dict[str, Any]]) -> datetime.date:
        """The center's date for policy, year and counters: the discharge day of a stay; for an open
        stay its latest fee day; for an outpatient visit its day."""
        inpatient = self._care_type(visit.med_type) == INPATIENT
        if inpatient and visit.endtime and self._day_of(visit.endtime):
            return self._day_of(visit.endtime)
        if inpatient:
            days = [self._day_of(f.get("time", "")) for f in pending]
            days = [d for d in days if d]
            if days:
                return max(days)
            return center_now().date()
        return self._day_of(visit.begntime) or center_now().date()

    def _counters_for(
        self, visit: Visit, benefit: engine.Benefit, day: datetime.date, key: tuple
    ) -> tuple[engine.Counters, engine.Benefit]:
        held = self.counters.get(key) or {"dedc": Decimal("0"), "fund": Decimal("0"), "layers": {}}
        inpatient = self._care_type(visit.med_type) == INPATIENT
        mine = self._active_settlements(visit) if inpatient else []
        counters = engine.Counters(
            fund_paid=held["fund"],
            layer_paid={code: v[0] for code, v in held["layers"].items()},
            layer_deductible={code: v[1] for code, v in held["layers"].items()},
            settled_base=sum((s.fund_base for s in mine), Decimal("0")),
        )
        if benefit.period == "year":
            counters.deductible_paid = held["dedc"]
        elif benefit.period == "hospitalisation" and inpatient:
            counters.deductible_paid = sum((s.deductible_paid for s in mine), Decimal("0"))
            if benefit.later_deductible is not None and self._earlier_stay_in_year(visit, key[3]):
                benefit.deductible = benefit.later_deductible
        elif benefit.period == "benefit_period" and inpatient:
            counters.deductible_paid = self._benefit_period_deductible(visit, benefit.benefit_days)
        return counters, benefit

    def _earlier_stay_in_year(self, visit: Visit, year_start: str) -> bool:
        admitted = self._day_of(visit.begntime)
        for other in self.visits.values():
            if other.mdtrt_id == visit.mdtrt_id or other.psn_no != visit.psn_no:
                continue
            if other.insutype != visit.insutype or self._care_type(other.med_type) != INPATIENT:
                continue
            ended = self._day_of(other.endtime)
            finals = [s for s in self._active_settlements(other) if not s.mid_setl]
            if finals and ended and year_start <= ended.isoformat() and admitted and ended <= admitted:
                return True
        return False

    def _benefit_period_deductible(self, visit: Visit, days: int) -> Decimal:
        admitted = self._day_of(visit.begntime)
        mine = [
            (self._day_of(v.begntime), v)
            for v in self.visits.values()
            if v.psn_no == visit.psn_no
            and v.insutype == visit.insutype
            and v.mdtrt_id != visit.mdtrt_id
            and self._care_type(v.med_type) == INPATIENT
            and self._active_settlements(v)
        ]
        opener = None
        for begun, _ in sorted(mine, key=lambda x: x[0]):
            if begun > admitted:
                break
            if opener is None or begun >= opener + datetime.timedelta(days=days):
                opener = begun
        if opener is None or admitted >= opener + datetime.timedelta(days=days):
            return sum((s.deductible_paid for s in self._active_settlements(visit)), Decimal("0"))
        return sum(
            (
                s.deductible_paid
                for begun, v in [*mine, (admitted, visit)]
                if opener <= begun <= admitted
                for s in self._active_settlements(v)
            ),
            Decimal("0"),
        )

    def _item(self, fee: dict[str, Any]) -> dict[str, Any] | None:
        """The center's own catalog entry for the line, None when the line is the patient's: out of the
        catalog, or hosp_appr_flag 2 (审批不通过), or a restricted item (lmt_used_flag 1) without 1
        (CENTER-INTERFACE part 2 §P2.1, 1.3)."""
        item = self.catalog.get(fee["med_list_codg"])
        appr = fee.get("appr", "")
        if item is None or appr == "2" or (str(item.get("lmt_used_flag", "0")) == "1" and appr != "1"):
            return None
        return item

    def _parts(self, fee: dict[str, Any], cnt: Decimal | None = None) -> tuple[Decimal, ...]:
        return engine.line_parts(
            cnt=fee["cnt"] if cnt is None else cnt, pric=fee["pric"], item=self._item(fee)
        )

    # --- transactions ---
    def handle(self, envelope: dict[str, Any]) -> dict[str, Any]:
        """Dispatch one envelope; returns `output`. Raises CenterRefusal for business errors."""
        infno = str(envelope.get("infno", ""))
        handler = getattr(self, f"trx_{infno}", None)
        if handler is None:
            raise CenterRefusal(f"不支持的交易编号 {infno}")
        payload = envelope.get("input") or {}
        return handler(payload, envelope)

    def trx_9001(self, payload, envelope):
        now = center_now()
        return {
            "signinoutb": {
                "sign_time": now.strftime("%Y-%m-%d %H:%M:%S"),
                "sign_no": f"{self.region}{now:%Y%m%d%H%M%S}{self._new_id(10)}",
            }
        }

    def trx_1101(self, payload, envelope):
        data = payload.get("data") or {}
        cert_type, cert_no = str(data.get("mdtrt_cert_type", "")), str(data.get("mdtrt_cert_no", ""))
        for person in self.persons.values():
            for cred in person.get("credentials", []):
                if cred["mdtrt_cert_type"] == cert_type and cred["mdtrt_cert_no"] == cert_no:
                    if cert_type == "03" and cred.get("card_sn") and data.get("card_sn") != cred["card_sn"]:
                        raise CenterRefusal("卡识别码 card_sn 与社保卡不符")
                    return self._person_output(person)
        raise CenterRefusal("未查询到人员信息")

    def _person_output(self, person):
        birth = datetime.date.fromisoformat(person["brdy"])
        age = Decimal((center_now().date() - birth).days) / Decimal("365.25")
        base = {
            k: person[k] for k in ("psn_no", "psn_cert_type", "certno", "psn_name", "gend", "naty", "brdy")
        }
        base["age"] = float(age.quantize(Decimal("0.1")))
        insuinfo = [
            {
                **info,
                "balc": float(Decimal(info["balc"])),
                "psn_insu_date": info.get("psn_insu_date", "2010-01-01"),
                "paus_insu_date": None,
            }
            for info in person["insuinfo"]
        ]
        return {"baseinfo": base, "insuinfo": insuinfo, "idetinfo": []}

    def trx_2401(self, payload, envelope):
        info = payload.get("mdtrtinfo") or {}
        person = self._person(info.get("psn_no", ""))
        self._insuinfo(person, info.get("insutype", ""))
        for visit in self.visits.values():
            if visit.psn_no == person["psn_no"] and visit.status == "admitted" and visit.med_type[0] == "2":
                raise CenterRefusal(f"该人员已有在院登记（就诊ID {visit.mdtrt_id}），不能重复办理入院")
        mdtrt_id = self._new_id()
        self.visits[mdtrt_id] = Visit(
            mdtrt_id,
            person["psn_no"],
            info["insutype"],
            str(info.get("med_type", "21")),
            str(info.get("begntime", "")),
            ipt_otp_no=str(info.get("ipt_no", "")),
        )
        return {"result": {"mdtrt_id": mdtrt_id}}

    def trx_2402(self, payload, envelope):
        info = payload.get("dscginfo") or {}
        visit = self._visit(info.get("mdtrt_id", ""), info.get("psn_no"))
        if visit.status != "admitted":
            raise CenterRefusal("该就诊不在院，不能办理出院")
        visit.status = "discharged"
        visit.endtime = str(info.get("endtime", ""))
        return {}

    def trx_2404(self, payload, envelope):
        data = payload.get("data") or {}
        visit = self._visit(data.get("mdtrt_id", ""), data.get("psn_no"))
        if visit.fees or visit.settlements:
            raise CenterRefusal("已上传费用或已结算的就诊不能撤销入院，请先撤销费用")
        visit.status = "cancelled"
        return {}

    def trx_2405(self, payload, envelope):
        data = payload.get("data") or {}
        visit = self._visit(data.get("mdtrt_id", ""), data.get("psn_no"))
        if visit.status != "discharged" or self._active_settlements(visit):
            raise CenterRefusal("只有未结算的已出院就诊可以撤销出院")
        visit.status = "admitted"
        return {}

    def trx_2301(self, payload, envelope):
        lines = payload.get("feedetail") or []
        results, staged = [], {}
        for raw in lines:
            visit = self._visit(str(raw.get("mdtrt_id", "")), raw.get("psn_no"))
            if visit.status == "cancelled":
                raise CenterRefusal(f"就诊 {visit.mdtrt_id} 已撤销")
            sn = str(raw.get("feedetl_sn", ""))
            if not sn or sn in visit.fees or (visit.mdtrt_id, sn) in staged:
                raise CenterRefusal(f"费用明细流水号 {sn} 重复或为空")
            cnt, pric = to_decimal(raw.get("cnt")), to_decimal(raw.get("pric"))
            amount = to_decimal(raw.get("det_item_fee_sumamt"))
            if engine.cents(cnt * pric) != engine.cents(amount):
                raise CenterRefusal(f"明细 {sn} 金额 {amount} 与数量×单价 {engine.cents(cnt * pric)} 不符")
            fee = {
                "sn": sn,
                "med_list_codg": str(raw.get("med_list_codg", "")),
                "cnt": abs(cnt),
                "pric": pric,
                "amount": abs(amount),
                "sign": -1 if cnt < 0 else 1,
                "init_sn": raw.get("init_feedetl_sn"),
                "settled_by": None,
                "batch": str(raw.get("chrg_bchno") or ""),
                "time": str(raw.get("fee_ocur_time") or ""),
                "appr": str(raw.get("hosp_appr_flag") or ""),
            }
            staged[(visit.mdtrt_id, sn)] = (visit, fee)
            results.append(
                {
                    "feedetl_sn": sn,
                    "det_item_fee_sumamt": _fmt(amount),
                    "cnt": float(cnt),
                    "pric": float(pric),
                    **self._line_answer(fee),
                }
            )
        for (_, sn), (visit, fee) in staged.items():
            visit.fees[sn] = fee
        return {"result": results}

    def _line_answer(self, fee) -> dict:
        """The center's per-line split (class, share, payment standard, the four parts), as 2301/2204
        answer it and 5204 repeats it for the lines the center holds."""
        _, own, over, share, scope = self._parts(fee)
        listed = self.catalog.get(fee["med_list_codg"])
        item = self._item(fee)
        sign = fee["sign"]
        return {
            "pric_uplmt_amt": float(item["pric_uplmt_amt"]) if item and item.get("pric_uplmt_amt") else None,
            "selfpay_prop": float(item["selfpay_prop"]) if item else 1.0,
            "fulamt_ownpay_amt": _fmt(sign * own),
            "overlmt_amt": _fmt(sign * over),
            "preselfpay_amt": _fmt(sign * share),
            "inscp_scp_amt": _fmt(sign * scope),
            "chrgitm_lv": CLASS_LEVEL[listed["class"]] if listed else "03",
            "med_chrgitm_type": "",
            "lmt_used_flag": str(listed.get("lmt_used_flag", "0")) if listed else "0",
            "memo": ""
            if item
            else ("目录外项目，全额自费" if listed is None else "医院审批不通过或未审批，全额自费"),
        }

    def trx_2302(self, payload, envelope):
        data = payload.get("data") or {}
        visit = self._visit(data.get("mdtrt_id", ""), data.get("psn_no"))
        sn = str(data.get("feedetl_sn", ""))
        targets = [s for s, f in visit.fees.items() if f["settled_by"] is None] if sn == "0000" else [sn]
        for target in targets:
            fee = visit.fees.get(target)
            if fee is None:
                raise CenterRefusal(f"费用明细 {target} 不存在")
            if fee["settled_by"]:
                raise CenterRefusal(f"费用明细 {target} 已结算，不能撤销")
        for target in targets:
            del visit.fees[target]
        return {}

    def _active_settlements(self, visit: Visit) -> list[Settlement]:
        return [self.settlements[s] for s in visit.settlements if self.settlements[s].cancelled_by is None]

    def _compute(
        self, data: dict[str, Any], msgid: str
    ) -> tuple[Visit, engine.Outcome, list[str], dict, Any, tuple]:
        visit = self._visit(str(data.get("mdtrt_id", "")), data.get("psn_no"))
        if visit.status == "cancelled":
            raise CenterRefusal("就诊已撤销")
        mid = str(data.get("mid_setl_flag", "0")) == "1"
        if not mid and any(not s.mid_setl for s in self._active_settlements(visit)):
            raise CenterRefusal("该就诊已结算，不能重复结算")
        batch = str(data.get("chrg_bchno") or "")
        pending = [
            f for f in visit.fees.values() if f["settled_by"] is None and (not batch or f["batch"] == batch)
        ]
        total = sum((f["sign"] * f["amount"] for f in pending), Decimal("0"))
        declared = to_decimal(data.get("medfee_sumamt"))
        if engine.cents(declared) != engine.cents(total):
            raise CenterRefusal(f"医疗费总额 {declared} 与已上传明细合计 {engine.cents(total)} 不符")
        # Refund lines (negative cnt) reduce the line they point at (init_feedetl_sn).
        refunded: dict[str, Decimal] = {}
        for f in pending:
            if f["sign"] < 0:
                refunded[f["init_sn"]] = refunded.get(f["init_sn"], Decimal("0")) + f["cnt"]
        lines = []
        for f in pending:
            net = f["cnt"] - refunded.get(f["sn"], Decimal("0"))
            if f["sign"] > 0 and net > 0:
                lines.append(self._parts(f, cnt=net))
        person = self._person(visit.psn_no)
        info = self._insuinfo(person, visit.insutype)
        day = self._service_day(visit, pending)
        benefit = self._benefit(visit.insutype, visit.med_type, self._person_type(person, info, day))
        benefit.layers = [x for x in benefit.layers if self._layer_allowed(x, person, day)]
        key = (visit.psn_no, visit.insutype, benefit.counter, self._year_start(benefit, day).isoformat())
        counters, benefit = self._counters_for(visit, benefit, day, key)
        balance = Decimal(info["balc"]) if visit.insutype == "310" else None
        result = engine.calculate(
            lines,
            benefit,
            counters=counters,
            account_balance=balance,
            use_account=str(data.get("acct_used_flag", "1")) == "1",
        )
        return visit, result, [f["sn"] for f in pending], person, info, (benefit, key, day)

    def _setlinfo(self, visit, result, person, info, *, setl_id, msgid, balc):
        return {
            "mdtrt_id": visit.mdtrt_id,
            "setl_id": setl_id,
            "psn_no": person["psn_no"],
            "psn_name": person["psn_name"],
            "psn_cert_type": person["psn_cert_type"],
            "certno": person["certno"],
            "gend": person["gend"],
            "brdy": person["brdy"],
            "insutype": visit.insutype,
            "psn_type": info.get("psn_type", ""),
            "setl_time": center_now().strftime("%Y-%m-%d %H:%M:%S"),
            "med_type": visit.med_type,
            "medfee_sumamt": _fmt(result.medfee_sumamt),
            "fulamt_ownpay_amt": _fmt(result.fulamt_ownpay_amt),
            "overlmt_selfpay": _fmt(result.overlmt_selfpay),
            "preselfpay_amt": _fmt(result.preselfpay_amt),
            "inscp_scp_amt": _fmt(result.inscp_scp_amt),
            "act_pay_dedc": _fmt(result.act_pay_dedc),
            "hifp_pay": _fmt(result.hifp_pay),
            "pool_prop_selfpay": float(result.pool_prop_selfpay),
            "cvlserv_pay": _fmt(result.layer_fields.get("cvlserv_pay", engine.NOTHING)),
            "hifes_pay": 0,
            "hifmi_pay": _fmt(result.layer_fields.get("hifmi_pay", engine.NOTHING)),
            "hifob_pay": _fmt(result.layer_fields.get("hifob_pay", engine.NOTHING)),
            "maf_pay": _fmt(result.layer_fields.get("maf_pay", engine.NOTHING)),
            "oth_pay": 0,
            "fund_pay_sumamt": _fmt(result.fund_pay_sumamt),
            "hosp_part_amt": _fmt(result.hosp_part_amt),
            "psn_part_amt": _fmt(result.psn_part_amt),
            "acct_pay": _fmt(result.acct_pay),
            "psn_cash_pay": _fmt(result.psn_cash_pay),
            "balc": _fmt(balc),
            "acct_mulaid_pay": 0,
            "medins_setl_id": msgid,
            "clr_optins": info.get("insuplc_admdvs", self.region),
            "clr_way": "1",
            "clr_type": "21" if visit.med_type.startswith("2") or visit.med_type == "52" else "11",
        }

    def _setldetail(self, visit, result, benefit=None, sign=1):
        """Payers by fund type: the basic fund under the scheme's code, each further fund under its
        own, the personal account (310 only: 390200 is 居民大病, not an account)."""
        names = FUND_PAY_TYPE_NAMES
        basic = (benefit.fund_code if benefit else "") or f"{visit.insutype}100"
        rows = [(basic, result.hifp_pay)]
        rows += list(result.layer_pay.items())
        if visit.insutype == "310":
            rows.append(("310200", result.acct_pay))
        return [
            {
                "fund_pay_type": code,
                "inscp_scp_amt": _fmt(sign * result.inscp_scp_amt),
                "fund_payamt": _fmt(sign * amount),
                "fund_pay_type_name": names.get(code, ""),
            }
            for code, amount in rows
            if amount
        ]

    def trx_2303(self, payload, envelope):
        data = payload.get("data") or {}
        visit, result, _, person, info, (benefit, _, _) = self._compute(data, envelope["msgid"])
        balance = Decimal(info["balc"]) - result.acct_pay
        setlinfo = self._setlinfo(
            visit, result, person, info, setl_id=None, msgid=envelope["msgid"], balc=balance
        )
        setlinfo.pop("setl_id")
        return {"setlinfo": setlinfo, "setldetail": self._setldetail(visit, result, benefit)}

    def trx_2304(self, payload, envelope):
        data = payload.get("data") or {}
        visit, result, sns, person, info, (benefit, key, day) = self._compute(data, envelope["msgid"])
        setl_id = self._new_id()
        held = self.counters.setdefault(key, {"dedc": Decimal("0"), "fund": Decimal("0"), "layers": {}})
        year_deductible = result.act_pay_dedc if benefit.period == "year" else Decimal("0")
        held["dedc"] += year_deductible
        held["fund"] += result.hifp_pay
        layer_deltas = {}
        for layer in benefit.layers:
            paid = result.layer_pay.get(layer.code, result.layer_fields.get(layer.field, Decimal("0")))
            dedc = result.layer_dedc.get(layer.code, Decimal("0"))
            layer_deltas[layer.code] = (paid, dedc)
            row = held["layers"].setdefault(layer.code, [Decimal("0"), Decimal("0")])
            row[0] += paid
            row[1] += dedc
        info["balc"] = str(Decimal(info["balc"]) - result.acct_pay)
        for sn in sns:
            visit.fees[sn]["settled_by"] = setl_id
        setlinfo = self._setlinfo(
            visit, result, person, info, setl_id=setl_id, msgid=envelope["msgid"], balc=Decimal(info["balc"])
        )
        self.settlements[setl_id] = Settlement(
            setl_id,
            visit.mdtrt_id,
            visit.psn_no,
            visit.insutype,
            day.year,
            setlinfo,
            self._setldetail(visit, result, benefit),
            sns,
            result.act_pay_dedc,
            result.hifp_pay,
            result.acct_pay,
            str(data.get("mid_setl_flag", "0")) == "1",
            envelope["msgid"],
            counter_key=key,
            year_deductible=year_deductible,
            layer_deltas=layer_deltas,
            fund_base=result.fund_base,
        )
        visit.settlements.append(setl_id)
        return {"setlinfo": setlinfo, "setldetail": self.settlements[setl_id].setldetail}

    def trx_2305(self, payload, envelope):
        data = payload.get("data") or {}
        settlement = self.settlements.get(str(data.get("setl_id", "")))
        if settlement is None or settlement.mdtrt_id != data.get("mdtrt_id"):
            raise CenterRefusal(f"结算ID {data.get('setl_id')} 不存在")
        return self._cancel(settlement, envelope["msgid"])

    def _cancel(self, settlement: Settlement, msgid: str = "") -> dict[str, Any]:
        if settlement.cancelled_by:
            raise CenterRefusal(f"结算 {settlement.setl_id} 已撤销")
        visit = self.visits[settlement.mdtrt_id]
        held = self.counters.get(getattr(settlement, "counter_key", ()))
        if held is not None:  # exactly what the settlement added
            held["dedc"] -= settlement.year_deductible
            held["fund"] -= settlement.fund_pay
            for code, (paid, dedc) in getattr(settlement, "layer_deltas", {}).items():
                held["layers"][code][0] -= paid
                held["layers"][code][1] -= dedc
        info = self._insuinfo(self._person(settlement.psn_no), settlement.insutype)
        info["balc"] = str(Decimal(info["balc"]) + settlement.acct_pay)
        for sn in settlement.fee_sns:
            if sn in visit.fees:
                visit.fees[sn]["settled_by"] = None
        cancel_id = self._new_id()
        settlement.cancelled_by = cancel_id
        negated = {
            k: (-v if isinstance(v, (int, float)) and k not in {"pool_prop_selfpay"} else v)
            for k, v in settlement.setlinfo.items()
        }
        negated.update(
            {
                "setl_id": cancel_id,
                "balc": float(Decimal(info["balc"])),
                "medins_setl_id": msgid or settlement.msgid,
                "refd_setl_flag": "1",
                "init_setl_id": settlement.setl_id,
                "setl_time": center_now().strftime("%Y-%m-%d %H:%M:%S"),
            }
        )
        detail = [
            {**d, "fund_payamt": -d["fund_payamt"], "inscp_scp_amt": -d["inscp_scp_amt"]}
            for d in settlement.setldetail
        ]
        settlement.cancellation = {"setlinfo": negated, "setldetail": detail}
        return {"setlinfo": negated, "setldetail": detail}

    def trx_2601(self, payload, envelope):
        data = payload.get("data") or {}
        omsgid = str(data.get("omsgid", ""))
        original = self.replies.get(omsgid)
        self.reversed_msgids.add(omsgid)
        if (
            original is not None
            and original.get("infcode") == 0
            and str(data.get("oinfno")) in {"2304", "2207"}
        ):
            setl_id = original["output"]["setlinfo"]["setl_id"]
            settlement = self.settlements[setl_id]
            if settlement.cancelled_by is None:
                self._cancel(settlement)
        return {}

    # --- P2.3 queries: what the center holds ---
    def trx_5201(self, payload, envelope):
        """就诊信息查询: the person's visits (vali_flag 0 once cancelled by 2404/2202)."""
        data = payload.get("data") or {}
        psn_no = str(data.get("psn_no", ""))
        self._person(psn_no)
        wanted = str(data.get("mdtrt_id") or "")
        return {
            "mdtrtinfo": [
                {
                    "mdtrt_id": v.mdtrt_id,
                    "psn_no": v.psn_no,
                    "insutype": v.insutype,
                    "med_type": v.med_type,
                    "begntime": v.begntime,
                    "ipt_otp_no": v.ipt_otp_no,
                    "inhosp_stas": "1" if v.status == "admitted" else "0",
                    "vali_flag": "0" if v.status == "cancelled" else "1",
                }
                for v in self.visits.values()
                if v.psn_no == psn_no and (not wanted or v.mdtrt_id == wanted)
            ]
        }

    def trx_5203(self, payload, envelope):
        """结算信息查询. With setl_id: that settlement (a cancelled one carries refd_setl_flag via its
        cancellation row); without it (extension): every settlement and cancellation of the visit."""
        data = payload.get("data") or {}
        visit = self._visit(str(data.get("mdtrt_id", "")), data.get("psn_no"))
        wanted = str(data.get("setl_id") or "")
        rows, details = [], []
        for setl_id in visit.settlements:
            settlement = self.settlements[setl_id]
            cancel_id = (settlement.cancellation or {}).get("setlinfo", {}).get("setl_id")
            if wanted and wanted not in (setl_id, cancel_id):
                continue
            rows.append({**settlement.setlinfo, "refd_setl_flag": "0", "year": settlement.year})
            details += [{**d, "setl_id": setl_id} for d in settlement.setldetail]
            if settlement.cancellation:
                info = settlement.cancellation["setlinfo"]
                rows.append({**info, "year": settlement.year})
                details += [{**d, "setl_id": info["setl_id"]} for d in settlement.cancellation["setldetail"]]
        if wanted and not rows:
            raise CenterRefusal(f"结算ID {wanted} 不存在")
        return {"setlinfo": rows, "setldetail": details}

    def trx_5204(self, payload, envelope):
        """费用明细查询: the lines the center holds for the visit (optionally of one settlement)."""
        data = payload.get("data") or {}
        visit = self._visit(str(data.get("mdtrt_id", "")), data.get("psn_no"))
        wanted = str(data.get("setl_id") or "")
        return {
            "result": [
                {
                    "mdtrt_id": visit.mdtrt_id,
                    "setl_id": fee["settled_by"] or "",
                    "feedetl_sn": sn,
                    "med_list_codg": fee["med_list_codg"],
                    "cnt": float(fee["sign"] * fee["cnt"]),
                    "pric": float(fee["pric"]),
                    "det_item_fee_sumamt": _fmt(fee["sign"] * fee["amount"]),
                    "fee_ocur_time": fee["time"],
                    "hosp_appr_flag": fee["appr"],  # echoed back
                    **self._line_answer(fee),
                }
                for sn, fee in visit.fees.items()
                if not wanted or fee["settled_by"] == wanted
            ]
        }

    # --- outpatient (22xx): registration, visit information, fees by charge batch, settlement ---
    def trx_2201(self, payload, envelope):
        data = payload.get("data") or {}
        person = self._person(data.get("psn_no", ""))
        self._insuinfo(person, data.get("insutype", ""))
        mdtrt_id = self._new_id()
        self.visits[mdtrt_id] = Visit(
            mdtrt_id,
            person["psn_no"],
            data["insutype"],
            "11",
            str(data.get("begntime", "")),
            ipt_otp_no=str(data.get("ipt_otp_no", "")),
        )
        return {
            "data": {
                "mdtrt_id": mdtrt_id,
                "psn_no": person["psn_no"],
                "ipt_otp_no": data.get("ipt_otp_no", ""),
                "exp_content": None,
            }
        }

    def trx_2202(self, payload, envelope):
        data = payload.get("data") or {}
        return self.trx_2404({"data": data}, envelope)

    def trx_2203(self, payload, envelope):
        info = payload.get("mdtrtinfo") or {}
        visit = self._visit(info.get("mdtrt_id", ""), info.get("psn_no"))
        if self._active_settlements(visit):
            raise CenterRefusal("已结算的就诊不能修改就诊信息")
        med_type = str(info.get("med_type", visit.med_type))
        if med_type == "14" and not info.get("dise_codg"):
            raise CenterRefusal("门诊慢特病就诊须填写病种编码 dise_codg")
        visit.med_type = med_type
        return {}

    def trx_2204(self, payload, envelope):
        return self.trx_2301(payload, envelope)

    def trx_2205(self, payload, envelope):
        data = payload.get("data") or {}
        visit = self._visit(data.get("mdtrt_id", ""), data.get("psn_no"))
        batch = str(data.get("chrg_bchno", ""))
        targets = [sn for sn, f in visit.fees.items() if f["batch"] == batch]
        if not targets:
            raise CenterRefusal(f"收费批次 {batch} 不存在")
        if any(visit.fees[sn]["settled_by"] for sn in targets):
            raise CenterRefusal(f"收费批次 {batch} 已结算，不能撤销")
        for sn in targets:
            del visit.fees[sn]
        return {}

    def trx_2206(self, payload, envelope):
        return self.trx_2303(payload, envelope)

    def trx_2207(self, payload, envelope):
        data = payload.get("data") or {}
        # Outpatient: each charge batch settles on its own, several per visit.
        return self.trx_2304({"data": {**data, "mid_setl_flag": "1"}}, envelope)

    def trx_2208(self, payload, envelope):
        return self.trx_2305(payload, envelope)

    # --- inspection for tests and the control endpoint ---
    def snapshot(self) -> dict[str, Any]:
        return {
            "visits": {
                k: {
                    "psn_no": v.psn_no,
                    "med_type": v.med_type,
                    "status": v.status,
                    "fees": len(v.fees),
                    "settlements": v.settlements,
                }
                for k, v in self.visits.items()
            },
            "active_settlements": [s.setl_id for s in self.settlements.values() if s.cancelled_by is None],
            "accumulators": {
                "|".join(map(str, k)): {
                    "deductible": str(v["dedc"]),
                    "fund": str(v["fund"]),
                    "layers": {code: [str(x) for x in pair] for code, pair in v["layers"].items()},
                }
                for k, v in self.counters.items()
            },
        }
