"""The audit's data feeds: stock movements (STOCK) and exam results (FEE-5) from CSV — whole file or
nothing, re-import adds nothing, a changed row under an old serial is refused, bad rows answered in
Chinese; imported rows feed the rules."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from audit import engine, feeds
from audit.models import ExamResult, StockMovement
from core.errors import DomainError
from tests.audit.factories import END, START, at, charge, make_stay, make_world

pytestmark = pytest.mark.django_db

STOCK = """serial,item_code,direction,quantity,moved_at,store
KC001,H-AMX,入库,100,2026-03-01 08:00,中心药房
KC002,H-AMX,出库,4,2026-03-05 09:00,中心药房
KC003,H-AMX,return,1,2026-03-05 16:00:00,中心药房
"""


def test_aud_3_stock_file_imports_once_and_feeds_the_stock_rule():
    w = make_world()
    stay = make_stay(w)
    charge(w, stay, "H-AMX", at(5, 9), qty="5")
    result = feeds.stock_import(actor=None, text=STOCK)
    assert (result.created, result.unchanged, result.errors) == (3, 0, [])
    assert StockMovement.objects.get(serial="KC003").moved_on == datetime.date(2026, 3, 5)
    again = feeds.stock_import(actor=None, text=STOCK)
    assert (again.created, again.unchanged, again.errors) == (0, 3, [])
    # 03-05: charged 5 × 2.88 = 14.40; dispensed 4 − 1 = 3; 2 too many → 14.40 × 2 / 5 = 5.76.
    hits = engine.run_rule("STOCK", start=START, end=END)
    assert [(h.evidence_key, h.amount) for h in hits] == [
        (f"STOCK:{w.items['H-AMX'].pk}:2026-03-05", Decimal("5.76"))
    ]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("KC9,H-NONE,出库,1,2026-03-05 09:00,", "院内项目编码“H-NONE”不存在"),
        ("KC9,H-AMX,借出,1,2026-03-05 09:00,", "方向须为"),
        ("KC9,H-AMX,出库,-1,2026-03-05 09:00,", "数量须为大于 0"),
        ("KC9,H-AMX,出库,1e9,2026-03-05 09:00,", "数量须为大于 0"),
        ("KC9,H-AMX,出库,0.001,2026-03-05 09:00,", "最多两位小数"),
        ("KC9,H-AMX,出库,NaN,2026-03-05 09:00,", "数量须为大于 0"),
        ("KC9,H-AMX,出库,1,05/03/2026,", "发生时间格式"),
        (",H-AMX,出库,1,2026-03-05 09:00,", "流水号须为"),
        ("KC001,H-AMX,出库,7,2026-03-05 09:00,", "已导入且内容不同"),
    ],
    ids=["AUD-3 unknown item", "AUD-3 direction", "AUD-3 negative", "AUD-3 too large", "AUD-3 3 decimals",
         "AUD-3 NaN", "AUD-3 time", "AUD-3 no serial", "AUD-3 changed serial"],
)  # fmt: skip
def test_aud_3_bad_stock_row_saves_nothing(row, message):
    make_world()
    feeds.stock_import(actor=None, text=STOCK.splitlines()[0] + "\nKC001,H-AMX,入库,100,2026-03-01 08:00,\n")
    before = StockMovement.objects.count()
    text = STOCK.splitlines()[0] + "\nKC010,H-AMX,出库,1,2026-03-06 09:00,\n" + row + "\n"
    result = feeds.stock_import(actor=None, text=text)
    assert result.created == 0
    assert len(result.errors) == 1 and message in result.errors[0]
    assert StockMovement.objects.count() == before


def test_aud_3_stock_file_without_its_columns_is_refused():
    with pytest.raises(DomainError, match="文件缺少列：direction"):
        feeds.stock_import(actor=None, text="serial,item_code,quantity,moved_at,store\n")


def test_fee_5_results_file_by_command(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text(
        "feedetl_sn,positive,reported_at,report_no\nFD1,阳性,2026-03-05 12:00,R1\nFD2,0,2026-03-05 12:00,\n",
        encoding="utf-8-sig",
    )
    call_command("import_audit_feed", "results", str(path))
    assert dict(ExamResult.objects.values_list("feedetl_sn", "positive")) == {"FD1": True, "FD2": False}
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "feedetl_sn,positive,reported_at,report_no\nFD3,maybe,2026-03-05 12:00,\n", encoding="utf-8"
    )
    with pytest.raises(CommandError, match="1 处错误"):
        call_command("import_audit_feed", "results", str(bad))
    assert ExamResult.objects.count() == 2
