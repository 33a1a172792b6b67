"""Pure rules of the insured domain (INS-3, INS-4, INS-5). No ORM, no services: plain values in, plain out.

Policy numbers (INS-4 thresholds and durations) are not here: they arrive as `SanctionPolicyRow`s read
from the validity-dated `SanctionPolicy` table, seeded with the regulation's values (seed 000 §2–§4).
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import hmac
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class RuleId(StrEnum):
    """Rule ids of this app; they never change meaning (RULES.md)."""

    INS_1 = "INS-1"
    INS_2 = "INS-2"
    INS_3 = "INS-3"
    INS_4 = "INS-4"
    INS_5 = "INS-5"


class ViolationCategory(StrEnum):
    """INS-4 categories of violations by insured persons (seed 000 §2 一–五)."""

    I = "I"  # noqa: E741 - the regulation's own numbering
    II = "II"
    III = "III"
    IV = "IV"
    V = "V"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    ViolationCategory.I: "第一类：出借/冒用凭证、伪造材料、隐瞒第三方或工伤支付、倒卖药品",
    ViolationCategory.II: "第二类：约谈警告后拒不改正或未退回基金损失",
    ViolationCategory.III: "第三类：个人负担费用纳入基金、转嫁工伤/第三方费用、重复超量开药",
    ViolationCategory.IV: "第四类：住院期间擅自离院、不配合结算或经办工作",
    ViolationCategory.V: "第五类：涉嫌犯罪，移送司法机关",
}


@dataclass(frozen=True)
class SanctionPolicyRow:
    """One INS-4 table row: for `category`, a fund loss in [loss_min, loss_max) gives these measures."""

    category: str
    loss_min: Decimal
    loss_max: Decimal | None
    settlement_changed: bool = False
    scope_restricted: bool = False
    interview: bool = False
    key_monitoring: bool = False
    judicial_referral: bool = False
    duration_months: int | None = None
    policy_id: int | None = None

    def covers(self, category: str, loss: Decimal) -> bool:
        return (
            self.category == category
            and loss >= self.loss_min
            and (self.loss_max is None or loss < self.loss_max)
        )


@dataclass(frozen=True)
class SanctionMeasures:
    """What INS-4 imposes for one violation: the measures and their period (end exclusive)."""

    settlement_changed: bool
    scope_restricted: bool
    interview: bool
    key_monitoring: bool
    judicial_referral: bool
    start_date: datetime.date
    end_date: datetime.date | None
    duration_months: int | None
    policy_id: int | None = None

    @property
    def labels(self) -> list[str]:
        return measure_labels(self)


class NoPolicyRow(LookupError):
    """The INS-4 table has no row for this category and loss on that date (a data gap, not a rule)."""


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Same day `months` later; the 31st becomes the month's last day (2024-08-31 + 6 → 2025-02-28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def sanction_measures(
    *,
    category: str,
    fund_loss: Decimal,
    start_date: datetime.date,
    policy: Iterable[SanctionPolicyRow],
) -> SanctionMeasures:
    """INS-4: the measures for a violation of `category` with fund loss `fund_loss` (元), from `policy`.

    Boundaries follow seed 000 §2 ("3000元(含)" belongs to the higher band): a row covers
    loss_min <= L < loss_max. The period runs from `start_date` for the row's months; the end date is
    exclusive (the first day without the sanction). Rows without months (interview, key monitoring,
    judicial referral) have no end date: the office lifts them.
    """
    if not isinstance(fund_loss, Decimal):
        raise TypeError("fund_loss must be a Decimal")
    if fund_loss < 0:
        raise ValueError("fund loss cannot be negative")
    category = ViolationCategory(category).value
    matches = [row for row in policy if row.covers(category, fund_loss)]
    if len(matches) != 1:
        raise NoPolicyRow(f"INS-4 table has {len(matches)} rows for category {category}, loss {fund_loss}")
    row = matches[0]
    end = add_months(start_date, row.duration_months) if row.duration_months else None
    return SanctionMeasures(
        settlement_changed=row.settlement_changed,
        scope_restricted=row.scope_restricted,
        interview=row.interview,
        key_monitoring=row.key_monitoring,
        judicial_referral=row.judicial_referral,
        start_date=start_date,
        end_date=end,
        duration_months=row.duration_months,
        policy_id=row.policy_id,
    )


def measure_labels(measures: object) -> list[str]:
    """Chinese names of the measures an object (SanctionMeasures or a Sanction row) carries."""
    labels = []
    if getattr(measures, "settlement_changed", False):
        labels.append("改变医保结算方式")
    if getattr(measures, "scope_restricted", False):
        labels.append("限制医保就医范围")
    if getattr(measures, "interview", False):
        labels.append("约谈")
    if getattr(measures, "key_monitoring", False):
        labels.append("重点监控")
    if getattr(measures, "judicial_referral", False):
        labels.append("移送司法机关")
    return labels


def policy_table_gaps(rows: Sequence[SanctionPolicyRow]) -> list[str]:
    """INS-4 table consistency: per category the bands start at 0, touch without overlap, end open."""
    problems = []
    for category in ViolationCategory:
        bands = sorted((r for r in rows if r.category == category), key=lambda r: r.loss_min)
        if not bands:
            problems.append(f"{category}: 无参数")
            continue
        if bands[0].loss_min != 0:
            problems.append(f"{category}: 最低档应从 0 元起")
        for lower, upper in itertools.pairwise(bands):
            if lower.loss_max != upper.loss_min:
                problems.append(f"{category}: {lower.loss_max} 与 {upper.loss_min} 之间不连续")
        if bands[-1].loss_max is not None:
            problems.append(f"{category}: 最高档应无上限")
    return problems


# --- INS-3: no duplicate benefits ---------------------------------------------------------------


@dataclass(frozen=True)
class EnrollmentFact:
    insutype: str
    is_basic: bool
    active: bool


def duplicate_benefit_problems(enrollments: Sequence[EnrollmentFact]) -> list[str]:
    """INS-3: one active enrollment per insurance type, one active basic scheme, supplements need a basic."""
    active = [e for e in enrollments if e.active]
    problems = []
    seen: set[str] = set()
    for e in active:
        if e.insutype in seen:
            problems.append(f"险种 {e.insutype} 已有有效参保记录，同一险种只能有一条有效记录。")
        seen.add(e.insutype)
    basics = sorted({e.insutype for e in active if e.is_basic})
    if len([e for e in active if e.is_basic]) > 1:
        problems.append(f"同时参加了多个基本医疗保险（{'、'.join(basics)}），不得重复享受待遇。")
    if not basics:
        for e in active:
            if not e.is_basic:
                problems.append(f"险种 {e.insutype} 是补充保险，必须建立在有效的基本医疗保险之上。")
    return problems


# --- What the window must do (INS-4 effects, INS-5) ---------------------------------------------

# INS-5 (seed 000 §4 三.8): what the hospital hands over at discharge to a person who pays in full.
NON_DIRECT_HANDOVER = ("费用清单", "入院记录", "出院记录", "发票")


@dataclass
class WindowNotice:
    level: str  # "danger", "warn" or "info"
    rule: str
    message: str


@dataclass
class WindowAssessment:
    direct_settlement: bool
    notices: list[WindowNotice] = field(default_factory=list)


@dataclass(frozen=True)
class ActiveSanctionFact:
    settlement_changed: bool
    scope_restricted: bool
    key_monitoring: bool
    judicial_referral: bool
    last_day: datetime.date | None
    allowed_institutions: tuple[str, ...] = ()


def window_assessment(
    *,
    has_active_basic: bool,
    enrollment_direct_allowed: bool,
    is_local: bool,
    sanctions: Sequence[ActiveSanctionFact],
    institution_code: str,
) -> WindowAssessment:
    """INS-4/INS-5 at the window: may the stay be settled directly, and what must the clerk be told."""
    notices: list[WindowNotice] = []
    direct = has_active_basic and enrollment_direct_allowed
    if not has_active_basic:
        notices.append(WindowNotice("danger", RuleId.INS_3, "无有效的基本医疗保险参保记录，不能按医保结算。"))
    for s in sanctions:
        until = f"（至 {s.last_day:%Y-%m-%d}）" if s.last_day else ""
        if s.settlement_changed:
            direct = False
            notices.append(
                WindowNotice(
                    "danger",
                    RuleId.INS_4,
                    f"已被改变医保结算方式{until}：不得直接结算，须全额自付后回参保地手工报销。",
                )
            )
        if s.scope_restricted and institution_code not in s.allowed_institutions:
            names = "、".join(s.allowed_institutions) or "未指定"
            notices.append(
                WindowNotice(
                    "danger",
                    RuleId.INS_4,
                    f"已被限制医保就医范围{until}：本院不在其指定就医机构内（指定：{names}）。",
                )
            )
        elif s.scope_restricted:
            notices.append(
                WindowNotice("warn", RuleId.INS_4, f"已被限制医保就医范围{until}，本院为指定机构。")
            )
        if s.key_monitoring:
            notices.append(
                WindowNotice("warn", RuleId.INS_4, f"重点监控对象{until}：就医购药行为须重点核查。")
            )
        if s.judicial_referral:
            notices.append(WindowNotice("warn", RuleId.INS_4, "涉嫌违法案件已移送司法机关，请通知医保办。"))
    if has_active_basic and not direct:
        handover = "、".join(NON_DIRECT_HANDOVER)
        reason = (
            "异地参保且未开通直接结算" if not is_local and not enrollment_direct_allowed else "不能直接结算"
        )
        notices.append(WindowNotice("warn", RuleId.INS_5, f"{reason}：出院时全额自付，须交付{handover}。"))
    elif not is_local:
        notices.append(WindowNotice("info", "REM-7", "异地参保人员：按就医地目录、参保地政策结算。"))
    return WindowAssessment(direct_settlement=direct, notices=notices)


def reader_mac(secret: str, credential_value: str, card_sn: str = "") -> str:
    """INS-1: what a registered reader appends to each read — HMAC-SHA256 over the credential and the
    card serial with the reader's own secret (16 hex characters). It is the reader, not the caller,
    that says a read came from a reader."""
    message = f"{credential_value}|{card_sn}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:16]
