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


def inpatient_registration(
    *,
    psn_no: str,
    insutype: str,
    begntime: datetime.datetime,
    cert: tuple[str, str],
    med_type: str,
    ipt_no: str,
    medrcdno: str,
    attending_doctor: tuple[str, str],
    department: tuple[str, str],
    bed: str,
    main_diagnosis: tuple[str, str] | None,
) -> dict:
    """2401 `mdtrtinfo`."""
    code, name = main_diagnosis or ("", "")
    return {
        "psn_no": psn_no,
        "insutype": insutype,
        "begntime": center_time(begntime),
        "mdtrt_cert_type": cert[0],
        "mdtrt_cert_no": cert[1],
        "med_type": med_type,
        "ipt_no": ipt_no,
        "medrcdno": medrcdno,
        "atddr_no": attending_doctor[0],
        "chfpdr_name": attending_doctor[1],
        "adm_diag_dscr": name,
        "adm_dept_codg": department[0],
        "adm_dept_name": department[1],
        "adm_bed": bed,
        "dscg_maindiag_code": code,
        "dscg_maindiag_name": name,
    }


def diagnosis(
    *,
    psn_no: str,
    diag_type: str,
    is_main: bool,
    order: int,
    code: str,
    name: str,
    department_code: str,
    doctor: tuple[str, str],
    diagnosed_at: datetime.datetime,
) -> dict:
    """One 2401 `diseinfo` row."""
    return {
        "psn_no": psn_no,
        "diag_type": diag_type,
        "maindiag_flag": "1" if is_main else "0",
        "diag_srt_no": order,
        "diag_code": code,
        "diag_name": name,
        "diag_dept": department_code,
        "dise_dor_no": doctor[0],
        "dise_dor_name": doctor[1],
        "diag_time": center_time(diagnosed_at),
    }


def discharge(
    *,
    mdtrt_id: str,
    psn_no: str,
    insutype: str,
    endtime: datetime.datetime,
    dscg_way: str,
    main_diagnosis: tuple[str, str] | None,
    department: tuple[str, str],
) -> dict:
    """2402 `dscginfo`."""
    code, name = main_diagnosis or ("", "")
    return {
        "mdtrt_id": mdtrt_id,
        "psn_no": psn_no,
        "insutype": insutype,
        "endtime": center_time(endtime),
        "dscg_way": dscg_way,
        "dscg_maindiag_code": code,
        "dscg_maindiag_name": name,
        "dscg_dept_codg": department[0],
        "dscg_dept_name": department[1],
    }


def outpatient_registration(
    *,
    psn_no: str,
    insutype: str,
    begntime: datetime.datetime,
    cert: tuple[str, str],
    visit_no: str,
    doctor: tuple[str, str],
    department: tuple[str, str, str],
) -> dict:
    """2201 `data` (department: code, name, 科别 caty)."""
    return {
        "psn_no": psn_no,
        "insutype": insutype,
        "begntime": center_time(begntime),
        "mdtrt_cert_type": cert[0],
        "mdtrt_cert_no": cert[1],
        "ipt_otp_no": visit_no,
        "atddr_no": doctor[0],
        "dr_name": doctor[1],
        "dept_code": department[0],
        "dept_name": department[1],
        "caty": department[2],
    }


def outpatient_visit_info(
    *, mdtrt_id: str, psn_no: str, med_type: str, begntime: datetime.datetime, disease_code: str
) -> dict:
    """2203 `mdtrtinfo` (14 门诊慢特病 needs the disease code)."""
    return {
        "mdtrt_id": mdtrt_id,
        "psn_no": psn_no,
        "med_type": med_type,
        "begntime": center_time(begntime),
        "dise_codg": disease_code,
        "dise_name": disease_code,
    }


def settlement_list(
    *,
    mdtrt_id: str,
    setl_id: str,
    psn_no: str,
    psn_name: str,
    insuplc_admdvs: str,
    hi_type: str,
    adm_time: datetime.datetime | None,
    dscg_time: datetime.datetime | None,
    department: tuple[str, str],
    amounts: dict[str, str],
    funds: list[tuple[str, str]],
    diagnoses: list[tuple[str, str, bool]],
    fixmedins: tuple[str, str],
    setl_period: tuple[datetime.date, datetime.date],
) -> dict:
    """4101 (P2.5): `setlinfo` (one row) + `payinfo` + `diseinfo`; the fields the hospital holds."""
    return {
        "setlinfo": {
            "mdtrt_id": mdtrt_id,
            "setl_id": setl_id,
            "psn_no": psn_no,
            "psn_name": psn_name,
            "fixmedins_code": fixmedins[0],
            "fixmedins_name": fixmedins[1],
            "hi_type": hi_type,
            "insuplc": insuplc_admdvs,
            "ipt_med_type": "1",
            "adm_time": center_time(adm_time) if adm_time else "",
            "dscg_time": center_time(dscg_time) if dscg_time else "",
            "adm_caty": department[0],
            "dscg_caty": department[0],
            "setl_begn_date": setl_period[0].isoformat(),
            "setl_end_date": setl_period[1].isoformat(),
            **amounts,
        },
        "payinfo": [{"fund_pay_type": code, "fund_payamt": amount} for code, amount in funds],
        "diseinfo": [
            {"diag_type": "1", "diag_code": code, "diag_name": name, "maindiag_flag": "1" if main else "0"}
            for code, name, main in diagnoses
        ],
    }
