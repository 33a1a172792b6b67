"""The rule engine: run one rule over a period (nightly batch, set-based) or over one stay, visit or
prescription (事中, in-process). Both forms run the same statement (audit/rules_sql.py) or the same
function (RX-1..RX-3, RX-5, RX-6 reuse prescriptions' check), so they give the same findings.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from audit import rules_rx, rules_sql, rules_sql_patterns
from audit.models import AuditRule, Finding, RuleParameter
from drug_catalog.selectors import catalog_region

PYTHON_RULES = set(rules_rx.RULE_NAMES)
# Every set-based statement by rule id (line rules and the cross-record patterns).
SQL = rules_sql.SQL | rules_sql_patterns.SQL
# The planner overestimates the JSON-parameter joins and would spend seconds compiling (JIT) statements
# that run in milliseconds; the audit's statements run without it (measured in benchmarks/audit.py).
# Chunks are the unit of parallelism (workers), so one statement uses one core and sorts in memory.
# One round trip (a statement without parameters may hold several).
SESSION = "SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL work_mem = '64MB'"
# A day's copy of the lines stays in the session's own buffers instead of being re-read from disk by
# each rule (the default 8 MB holds ~35,000 lines; a busy day of a 1 M-line month has 49,000).
TEMP_BUFFERS = "64MB"


@dataclass(frozen=True)
class Hit:
    """One row a rule answers (a finding before it is saved)."""

    evidence_key: str
    occurred_on: datetime.date
    stay_id: int | None
    visit_id: int | None
    person_id: int | None
    department_id: int | None
    doctor_id: int | None
    amount: Decimal
    explanation: str
    evidence: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def params_as_of(rule_code: str, on_date: datetime.date) -> dict[str, Any]:
    """The rule's parameters valid on `on_date` (RuleParameter rows are versioned and admin-editable)."""
    row = (
        RuleParameter.objects.filter(RuleParameter.valid_on_filter(on_date), rule_id=rule_code)
        .order_by("-effective_from")
        .first()
    )
    return dict(row.values) if row else {}


def _sql_args(
    rule_code: str, start: datetime.date, end: datetime.date, stay: int | None, visit: int | None, params
) -> dict[str, Any]:
    values = params if params is not None else params_as_of(rule_code, end)
    return {
        "start": start,
        "end": end,
        "stay": stay,
        "visit": visit,
        "p": json.dumps(values),
        "region": catalog_region(),
        "tier": settings.HOSPITAL["TIER"],
    }


def run_rule(
    rule_code: str,
    *,
    start: datetime.date,
    end: datetime.date,
    stay: int | None = None,
    visit: int | None = None,
    prescription: int | None = None,
    params: dict | None = None,
) -> list[Hit]:
    """Select the rule's hits anchored in [start, end] (optionally on one stay/visit/prescription)."""
    if rule_code in PYTHON_RULES:
        if stay is not None or visit is not None:
            return []
        return rules_rx.hits(rule_code, start=start, end=end, prescription=prescription)
    if prescription is not None:
        return []
    sql = SQL[rule_code]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SESSION)
        cursor.execute(sql, _sql_args(rule_code, start, end, stay, visit, params))
        rows = cursor.fetchall()
    hits = []
    for row in rows:
        values = dict(zip(rules_sql.COLUMNS, row, strict=True))
        evidence = values["evidence"]
        values["evidence"] = json.loads(evidence) if isinstance(evidence, str) else evidence
        values["amount"] = Decimal(values["amount"] or 0).quantize(Decimal("0.01"))
        hits.append(Hit(**values))
    return sorted(hits, key=lambda h: h.evidence_key)


INSERT = """
INSERT INTO audit_finding (rule_id, level, evidence_key, occurred_on, stay_id, visit_id, person_id,
    department_id, doctor_id, amount, explanation, evidence, chunk_id, status, decision_reason,
    appeal_text, recheck_note, panel_note, created_at, updated_at)
SELECT %(rule)s, %(level)s, q.evidence_key, q.occurred_on, q.stay_id, q.visit_id, q.person_id,
    q.department_id, q.doctor_id, round(coalesce(q.amount, 0), 2), left(q.explanation, 500), q.evidence,
    %(chunk)s, 'open', '', '', '', '', now(), now()
FROM ({sql}) AS q ({columns})
ON CONFLICT (rule_id, evidence_key) DO NOTHING
"""


def insert_findings(
    rule: AuditRule, *, start: datetime.date, end: datetime.date, chunk_id: int | None = None
) -> int:
    """Batch form: insert the rule's hits in [start, end] as open findings; existing ones stay as they are
    (idempotent). Returns the number of new findings. The caller holds the transaction."""
    if rule.code in PYTHON_RULES:
        hits = rules_rx.hits(rule.code, start=start, end=end)
        existing = set(
            Finding.objects.filter(rule=rule, evidence_key__in=[h.evidence_key for h in hits]).values_list(
                "evidence_key", flat=True
            )
        )
        new = [
            Finding(
                rule=rule,
                level=rule.level,
                chunk_id=chunk_id,
                **{k: getattr(h, k) for k in rules_sql.COLUMNS},
            )
            for h in hits
            if h.evidence_key not in existing
        ]
        Finding.objects.bulk_create(new, ignore_conflicts=True)
        return len(new)
    sql = INSERT.format(sql=SQL[rule.code], columns=", ".join(rules_sql.COLUMNS))
    args = _sql_args(rule.code, start, end, None, None, None)
    args.update(rule=rule.code, level=rule.level, chunk=chunk_id)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SESSION)
        cursor.execute(sql, args)
        return cursor.rowcount


GROUP_INSERT = """
WITH ins AS (
INSERT INTO audit_finding (rule_id, level, evidence_key, occurred_on, stay_id, visit_id, person_id,
    department_id, doctor_id, amount, explanation, evidence, chunk_id, status, decision_reason,
    appeal_text, recheck_note, panel_note, created_at, updated_at)
SELECT q.rule_id, q.level, q.evidence_key, q.occurred_on, q.stay_id, q.visit_id, q.person_id,
    q.department_id, q.doctor_id, round(coalesce(q.amount, 0), 2), left(q.explanation, 500), q.evidence,
    q.chunk_id, 'open', '', '', '', '', now(), now()
FROM ({branches}) AS q
ON CONFLICT (rule_id, evidence_key) DO NOTHING
RETURNING rule_id
)
SELECT rule_id, count(*) FROM ins GROUP BY rule_id
"""
BRANCH = (
    "SELECT %(rule{n})s::text AS rule_id, %(level{n})s::text AS level, %(chunk{n})s::bigint AS chunk_id, "
    "b{n}.* FROM ({sql}) AS b{n} ({columns})"
)


def insert_findings_together(
    members: list[tuple[AuditRule, int | None]], *, start: datetime.date, end: datetime.date
) -> dict[str, int]:
    """Batch form of several set-based rules over the same days in one statement (one round trip, one
    plan; the day's line rules over engine.day_lines): each rule's own statement — the one the
    in-process check runs — is a branch of one INSERT, with its own parameters (`p` renamed per
    branch). Returns the new findings per rule. The caller holds the transaction."""
    branches, args = [], {}
    for n, (rule, chunk_id) in enumerate(members):
        sql = SQL[rule.code].replace("%(p)s", f"%(p{n})s")
        branches.append(BRANCH.format(n=n, sql=sql, columns=", ".join(rules_sql.COLUMNS)))
        rule_args = _sql_args(rule.code, start, end, None, None, None)
        args[f"p{n}"] = rule_args.pop("p")
        args.update(rule_args)
        args.update({f"rule{n}": rule.code, f"level{n}": rule.level, f"chunk{n}": chunk_id})
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SESSION)
        cursor.execute(GROUP_INSERT.format(branches="\nUNION ALL\n".join(branches)), args)
        counts = dict(cursor.fetchall())
    return {rule.code: counts.get(rule.code, 0) for rule, _ in members}


def check_stay(stay_id: int, *, start: datetime.date, end: datetime.date) -> list[tuple[AuditRule, Hit]]:
    """事中: every enabled rule on one stay (what the clerk sees before the nightly batch)."""
    found = []
    for rule in AuditRule.objects.filter(enabled=True):
        for hit in run_rule(rule.code, start=start, end=end, stay=stay_id):
            found.append((rule, hit))
    return found


@contextmanager
def day_lines(start: datetime.date, end: datetime.date) -> Iterator[None]:
    """Read the period's fee lines once for several line rules (rules_sql.PERIOD_LINE_RULES): a temporary
    table named `audit_fee_line` shadows the view for the rest of the transaction (pg_temp is searched
    first), so each rule scans a plain table instead of the view's joins and refund filter. The copy
    reads the day's lines by hash/merge joins (the planner's per-stay nested loop over every stay was
    twice as slow) and is analysed on a small sample (statistics target 10: 47 ms instead of 580 ms for
    49,000 lines, same plans); the rules only need its row counts and the rough spread of its keys.
    Dropped on success; on an error the transaction's rollback removes it."""
    _temp_buffers()
    with connection.cursor() as cursor:
        cursor.execute(
            SESSION + "; DROP TABLE IF EXISTS pg_temp.audit_fee_line; SET LOCAL enable_nestloop = off"
        )
        cursor.execute(
            "CREATE TEMP TABLE audit_fee_line ON COMMIT DROP AS "
            "SELECT * FROM public.audit_fee_line WHERE charged_on BETWEEN %s AND %s",
            [start, end],
        )
        cursor.execute(
            "RESET enable_nestloop; SET LOCAL default_statistics_target = 10; "
            "ANALYZE pg_temp.audit_fee_line; RESET default_statistics_target"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS pg_temp.audit_fee_line")


def _temp_buffers() -> None:
    """Raise the session's temp_buffers once; PostgreSQL refuses it after the session's first temporary
    table (then the copy still works, only slower), hence the savepoint."""
    if getattr(connection, "audit_temp_buffers", None) == id(connection.connection):
        return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET temp_buffers = '{TEMP_BUFFERS}'")
    except DatabaseError:
        pass
    connection.audit_temp_buffers = id(connection.connection)


def count_lines(start: datetime.date, end: datetime.date) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_fee_line WHERE charged_on BETWEEN %s AND %s", [start, end])
        return cursor.fetchone()[0]
