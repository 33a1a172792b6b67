"""Readable serials (住院号, 病案号, 医嘱号, 费用流水号) from row-locked counters.

Called inside the caller's transaction: the counter row stays locked until it commits, so two
clerks never receive the same number, and a rolled-back admission gives its number back.
"""

from __future__ import annotations

from django.db import connection, transaction

from admission.models import StaySequence


def next_value(name: str) -> int:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("serials are drawn inside the transaction that uses them")
    with connection.cursor() as cursor:
        # One round trip: create the counter on first use, increment it, and lock the row.
        cursor.execute(
            f"INSERT INTO {StaySequence._meta.db_table} (name, last) VALUES (%s, 1) "
            f"ON CONFLICT (name) DO UPDATE SET last = {StaySequence._meta.db_table}.last + 1 RETURNING last",
            [name],
        )
        return cursor.fetchone()[0]


def ipt_no(year: int) -> str:
    return f"ZY{year}{next_value(f'ipt:{year}'):06d}"


def medrcdno() -> str:
    return f"BA{next_value('medrcdno'):08d}"


def drord_no(year: int) -> str:
    return f"YZ{year}{next_value(f'drord:{year}'):08d}"


def feedetl_sn(year: int) -> str:
    return f"F{year}{next_value(f'fee:{year}'):010d}"
