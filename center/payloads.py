"""Payload builders: the center's field names and formats in one place. Callers pass plain values
(no hospital models), so the center app depends on no other app."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone


def center_time(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def fee_line(
    *,
    feedetl_sn: str,
    mdtrt_id: str,
    psn_no: str,
    med_type: str,
    charged_at: datetime.datetime,
    med_list_codg: str,
    medins_list_codg: str,
    amount: Decimal,
    quantity: Decimal,
    unit_price: Decimal,
    ordering_department: tuple[str, str],
    ordering_doctor: tuple[str, str],
    executing_department: str = "",
    init_feedetl_sn: str | None = None,
    drord_no: str = "",
    hosp_appr_flag: str = "",
    tcmdrug_used_way: str = "",
    external_lab: bool = False,
    discharge_medication: bool = False,
    chrg_bchno: str = "",
) -> dict:
    """One `feedetail` row of 2301 (inpatient) or 2204 (outpatient, with chrg_bchno)."""
    row = {
        "feedetl_sn": feedetl_sn,
        "init_feedetl_sn": init_feedetl_sn,
        "mdtrt_id": mdtrt_id,
        "drord_no": drord_no,
        "psn_no": psn_no,
        "med_type": med_type,
        "fee_ocur_time": center_time(charged_at),
        "med_list_codg": med_list_codg,
        "medins_list_codg": medins_list_codg,
        "det_item_fee_sumamt": str(amount),
        "cnt": str(quantity),
        "pric": str(unit_price),
        "bilg_dept_codg": ordering_department[0],
        "bilg_dept_name": ordering_department[1],
        "bilg_dr_codg": ordering_doctor[0],
        "bilg_dr_name": ordering_doctor[1],
        "acord_dept_codg": executing_department,
        "hosp_appr_flag": hosp_appr_flag,
        "tcmdrug_used_way": tcmdrug_used_way,
        "etip_flag": "1" if external_lab else "0",
        "dscg_tkdrug_flag": "1" if discharge_medication else "0",
    }
    if chrg_bchno:
        row["chrg_bchno"] = chrg_bchno
    return row
