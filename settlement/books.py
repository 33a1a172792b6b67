"""The books-agree check (对账, per settlement; issue 16, SYNC-2): every center settlement of the period,
the hospital's state and amounts against what the center holds (5203), each difference with the action
that resolves it. Run by the office page and `manage.py books_agree`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from center import transactions
from center.client import CenterError
from settlement import flow
from settlement.models import Settlement

COMPARED = (
    ("total", "medfee_sumamt"),
    ("fund_pay_total", "fund_pay_sumamt"),
    ("personal_account_pay", "acct_pay"),
)


@dataclass
class Difference:
    settlement_id: int | None
    medins_setl_id: str
    person: str
    problem: str
    action: str
    hospital: str = ""
    center: str = ""


def books_agree(
    *, since: datetime.date | None = None, until: datetime.date | None = None, actor: Any = None
) -> list[Difference]:
    """Differences between the hospital's center settlements and the center's, visit by visit."""
    rows = (
        Settlement.objects.filter(mode=Settlement.Mode.CENTER).exclude(mdtrt_id="").select_related("person")
    )
    if since:
        rows = rows.filter(created_at__date__gte=since)
    if until:
        rows = rows.filter(created_at__date__lte=until)
    by_visit: dict[tuple[str, str], list[Settlement]] = {}
    for settlement in rows.exclude(status=Settlement.Status.REVERSAL).order_by("pk"):
        by_visit.setdefault((settlement.mdtrt_id, settlement.person.psn_no), []).append(settlement)
    differences: list[Difference] = []
    for (mdtrt_id, psn_no), ours in by_visit.items():
        try:
            theirs = transactions.query_settlements(
                flow.center(),
                psn_no=psn_no,
                mdtrt_id=mdtrt_id,
                insuplc_admdvs=ours[0].insuplc_admdvs,
                actor=actor,
            )
        except CenterError as error:
            differences.append(
                Difference(
                    None,
                    "",
                    ours[0].person.name,
                    f"无法向医保中心查询就诊 {mdtrt_id}：{error.message}",
                    "医保中心恢复后重新对账",
                )
            )
            continue
        differences += _compare_visit(ours, theirs)
    return differences


def _compare_visit(ours: list[Settlement], theirs: list[dict]) -> list[Difference]:
    made = {
        r["setlinfo"].get("medins_setl_id"): r
        for r in theirs
        if str(r["setlinfo"].get("refd_setl_flag") or "0") != "1"
    }
    cancelled = {
        str(r["setlinfo"].get("init_setl_id"))
        for r in theirs
        if str(r["setlinfo"].get("refd_setl_flag") or "0") == "1"
    }
    differences = []
    known = set()
    for s in ours:
        known.add(s.msgid)
        row = made.get(s.msgid)
        active_there = row is not None and str(row["setlinfo"].get("setl_id")) not in cancelled
        name = s.person.name
        if s.status in (Settlement.Status.PENDING, Settlement.Status.REVERSING):
            differences.append(
                Difference(
                    s.pk,
                    s.medins_setl_id,
                    name,
                    f"本院“{s.get_status_display()}”，结果待确认",
                    "点击“立即核实”（或等待每分钟的自动核实）",
                )
            )
        elif s.status == Settlement.Status.SETTLED and not active_there:
            differences.append(
                Difference(
                    s.pk,
                    s.medins_setl_id,
                    name,
                    "本院已结算，中心无有效结算",
                    "核实后撤销本院结算（SET-9）或联系医保中心",
                    "已结算",
                    "无/已撤销",
                )
            )
        elif (
            s.status in (Settlement.Status.FAILED, Settlement.Status.REVERSED, Settlement.Status.RESETTLED)
            and active_there
        ):
            differences.append(
                Difference(
                    s.pk,
                    s.medins_setl_id,
                    name,
                    f"本院“{s.get_status_display()}”，中心仍有有效结算",
                    "向中心发起撤销（2305/2601）或补记本院结算",
                    s.get_status_display(),
                    "有效",
                )
            )
        elif s.status == Settlement.Status.SETTLED and row is not None:
            for ours_field, center_field in COMPARED:
                value = row["setlinfo"].get(center_field)
                if value is not None and abs(Decimal(value) - getattr(s, ours_field)) > Decimal("0.005"):
                    differences.append(
                        Difference(
                            s.pk,
                            s.medins_setl_id,
                            name,
                            f"金额不一致：{center_field}",
                            "以中心为准核对后撤销重结（SET-9）",
                            str(getattr(s, ours_field)),
                            str(value),
                        )
                    )
    for msgid, row in made.items():
        if msgid not in known and str(row["setlinfo"].get("setl_id")) not in cancelled:
            info = row["setlinfo"]
            differences.append(
                Difference(
                    None,
                    str(msgid),
                    str(info.get("psn_name", "")),
                    "中心有有效结算，本院无记录",
                    "补记本院结算或向中心撤销（2305）",
                    "无",
                    str(info.get("setl_id")),
                )
            )
    return differences
