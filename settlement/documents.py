"""Read models of the documents a patient takes home from the window: 结算单 (SET-8), the national
医疗保障基金结算清单 (ADM-9, DRG-1), the reversal slip (SET-9) and the SET-10 refund slip.

Each function returns plain data (strings with two-decimal amounts, dates, rows with Chinese labels)
that one template renders as a print page and, through WeasyPrint, as a PDF — so both show the same
figures. National field names stay in the API; here every code carries its Chinese name.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone

from core import codes
from core.money import money
from settlement.models import SelfPayRefund, Settlement

CLASS_NAMES = {**codes.CLASS_NAMES, "": "未对照"}
GENDER_NAMES = {"1": "男", "2": "女", "0": "未知", "9": "未说明"}
SETTLEMENT_TIERS = {3: "三级", 2: "二级", 1: "一级"}
DISCHARGE_WAYS = {
    "1": "医嘱离院",
    "2": "医嘱转院",
    "3": "医嘱转社区卫生服务机构/乡镇卫生院",
    "4": "非医嘱离院",
    "5": "死亡",
    "9": "其他",
}

# 医疗收费项目类别 of the national settlement list (med_chrgitm_type 01–14), in its order.
FEE_CATEGORIES = [
    ("01", "床位费"),
    ("02", "诊察费"),
    ("03", "检查费"),
    ("04", "化验费"),
    ("05", "治疗费"),
    ("06", "手术费"),
    ("07", "护理费"),
    ("08", "卫生材料费"),
    ("09", "西药费"),
    ("10", "中药饮片费"),
    ("11", "中成药费"),
    ("12", "一般诊疗费"),
    ("13", "挂号费"),
    ("14", "其他费"),
]
_BY_ITEM_TYPE = {"western": "09", "patent": "11", "herbal": "10", "consumable": "08", "facility": "01"}
# Service items until the catalog carries med_chrgitm_type: the category by the item's name.
_SERVICE_KEYWORDS = [
    ("01", ("床位",)),
    ("13", ("挂号",)),
    ("02", ("诊查", "诊察", "会诊")),
    ("12", ("一般诊疗",)),
    ("07", ("护理",)),
    ("06", ("手术", "麻醉")),
    ("04", ("检验", "化验", "血常规", "尿常规", "生化", "测定", "培养")),
    ("03", ("CT", "MR", "磁共振", "X线", "DR", "超声", "彩超", "心电", "造影", "检查", "内镜", "镜检")),
    ("05", ("治疗", "注射", "输液", "换药", "吸氧", "雾化", "穿刺", "导尿", "针灸", "推拿")),
]


def amount(value: Any) -> str:
    """Money on paper: always two decimals, half-up (¥ 12 → "12.00")."""
    return str(money(value or 0))


def fee_category(item_type: str, name: str) -> str:
    """The settlement list's fee category code (01–14) of a charge line."""
    if item_type in _BY_ITEM_TYPE:
        return _BY_ITEM_TYPE[item_type]
    upper = (name or "").upper()
    for code, words in _SERVICE_KEYWORDS:
        if any(word.upper() in upper for word in words):
            return code
    return "14"


def insutype_name(code: str) -> str:
    from insured.models import InsuranceType

    row = InsuranceType.objects.filter(code=code).values_list("name", flat=True).first()
    return row or codes.INSUTYPE_NAMES.get(code, code)


def center_settled_at(settlement: Settlement) -> datetime.datetime | None:
    """The center's settlement time (setlinfo.setl_time), else when the hospital recorded the answer."""
    text = str((settlement.center_answer or {}).get("setl_time") or "")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M%S", "%Y-%m-%d %H:%M"):
        try:
            parsed = datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return timezone.make_aware(parsed)
    return settlement.settled_at


def _local(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def stay_period(stay) -> dict[str, Any]:
    """Admission and discharge dates and the days in hospital (same day counts as one day)."""
    admitted = timezone.localtime(stay.admitted_at).date()
    discharged = timezone.localtime(stay.discharged_at).date() if stay.discharged_at else None
    days = max(((discharged or timezone.localdate()) - admitted).days, 1)
    return {"admitted": admitted, "discharged": discharged, "days": days}


def _hospital() -> dict[str, str]:
    tier = settings.HOSPITAL["TIER"]
    return {
        "name": settings.HOSPITAL["NAME"],
        "code": settings.HOSPITAL["CODE"],
        "tier": SETTLEMENT_TIERS.get(tier, str(tier)),
    }


def _age(person, on: datetime.date) -> str:
    return f"{person.age_on(on)} 岁"


def _payers(settlement: Settlement) -> dict[str, Any]:
    """SET-8: fund rows (every fund layer the center paid), the personal account, cash, hospital share."""
    funds = []
    account = Decimal(0)
    for fund in settlement.funds.all().order_by("fund_pay_type"):
        if fund.fund_pay_type.endswith("200"):
            account += fund.fund_payamt
            continue
        funds.append(
            {"code": fund.fund_pay_type, "name": fund.fund_pay_type_name, "amount": amount(fund.fund_payamt)}
        )
    if not funds and settlement.fund_pay:
        funds.append(
            {
                "code": f"{settlement.insutype}100",
                "name": "基本医疗保险统筹基金",
                "amount": amount(settlement.fund_pay),
            }
        )
    return {
        "funds": funds,
        "fund_total": amount(settlement.fund_pay_total),
        "account": amount(settlement.personal_account_pay or account),
        "cash": amount(settlement.cash_pay),
        "hospital_share": amount(settlement.hospital_share),
    }


def _subject(settlement: Settlement) -> dict[str, Any]:
    """What was settled: the stay (住院号, dates, days, department) or the visit (门诊号, date)."""
    if settlement.stay_id:
        stay = settlement.stay
        period = stay_period(stay)
        return {
            "kind": "inpatient",
            "number_label": "住院号",
            "number": stay.ipt_no,
            "department": stay.department.name,
            "ward": f"{stay.ward.name} {stay.bed.number + ' 床' if stay.bed_id else ''}".strip(),
            "admitted": period["admitted"],
            "discharged": period["discharged"],
            "days": period["days"],
            "doctor": stay.attending_doctor.name if stay.attending_doctor_id else "",
        }
    visit = settlement.visit
    return {
        "kind": "outpatient",
        "number_label": "门诊号",
        "number": visit.visit_no,
        "department": visit.department.name,
        "ward": "",
        "admitted": visit.visit_date,
        "discharged": None,
        "days": None,
        "doctor": visit.doctor.name,
    }


def load_settlement(settlement_id: int) -> Settlement:
    return (
        Settlement.objects.select_related(
            "person",
            "stay__department",
            "stay__ward",
            "stay__bed",
            "stay__attending_doctor",
            "stay__record",
            "visit__department",
            "visit__doctor",
            "reversal_of",
        )
        .prefetch_related("funds")
        .get(pk=settlement_id)
    )


def settlement_receipt(settlement: Settlement) -> dict[str, Any]:
    """结算单 (SET-8): hospital, patient, 医疗类别 by name, dates and days, department, the parts,
    every fund row, the personal account, cash and the hospital's share."""
    person = settlement.person
    subject = _subject(settlement)
    on = subject["discharged"] or subject["admitted"]
    parts = [
        ("医疗费总额", settlement.total),
        ("全自费金额", settlement.full_self_pay),
        ("超限价自费", settlement.over_limit_self_pay),
        ("先行自付", settlement.pre_self_pay),
        ("符合政策范围金额", settlement.in_scope),
        ("实际支付起付线", settlement.deductible_paid),
        ("基金支付总额", settlement.fund_pay_total),
        ("个人负担总额", settlement.personal_burden),
    ]
    # FEE-1 (issue 17): unmapped items never reach the center; the patient pays them beside the settlement.
    not_sent = settlement.fee_lines.filter(upload_status="not_sent").aggregate(total=Sum("amount"))["total"]
    if not_sent and settlement.mode != Settlement.Mode.SELF_PAY:
        parts.append(("未对照项目（未上传医保，患者自付）", not_sent))
    return {
        "title": ("住院" if subject["kind"] == "inpatient" else "门诊") + "医疗费用结算单",
        "hospital": _hospital(),
        "patient": {
            "name": person.name,
            "gender": GENDER_NAMES.get(person.gender, ""),
            "age": _age(person, on),
            "psn_no": person.psn_no,
            "insutype": insutype_name(settlement.insutype) if settlement.insutype else "",
        },
        "subject": subject,
        "med_type": codes.med_type_name(settlement.med_type),
        "mode": settlement.get_mode_display(),
        "setl_id": settlement.setl_id or settlement.medins_setl_id,
        "settled_at": _local(center_settled_at(settlement)),
        "parts": [{"label": label, "amount": amount(value)} for label, value in parts],
        "payers": _payers(settlement),
        "status": settlement.get_status_display(),
    }


def _charge_rows(settlement: Settlement) -> list[dict[str, Any]]:
    """The settled charge lines grouped by item (refunds netted), with the FEE-1 over-limit part; an
    unmapped item is shown as the patient's, not sent to the center (FEE-1, issue 17)."""
    from fees.models import FeeLine

    if settlement.stay_id:
        lines = FeeLine.objects.filter(stay=settlement.stay, charged_on__lte=settlement.covers_to)
        # Only what this settlement covers: the days an earlier mid-stay settlement paid are not its
        # lines (SET-10's cash settlement and its manual-claim list show only the rest).
        earlier = (
            Settlement.objects.filter(
                stay_id=settlement.stay_id,
                is_final=False,
                status=Settlement.Status.SETTLED,
                created_at__lt=settlement.created_at,
            )
            .exclude(pk=settlement.pk)
            .order_by("-covers_to")
            .values_list("covers_to", flat=True)
            .first()
        )
        if earlier is not None:
            lines = lines.filter(charged_on__gt=earlier)
    else:
        lines = FeeLine.objects.filter(visit_id=settlement.visit_id)
    rows = (
        lines.values("name", "med_list_codg", "insurance_class", "item_type", "unit_price")
        .annotate(
            quantity=Sum("quantity"),
            total=Sum("amount"),
            over_limit=Sum("over_limit_amount"),
            self_paid=Sum("full_self_pay_amount"),
            not_sent=Count("id", filter=Q(upload_status=FeeLine.UploadStatus.NOT_SENT)),
            lines=Count("id"),
        )
        .order_by("insurance_class", "name")
    )
    return [
        {
            "name": r["name"],
            "code": r["med_list_codg"],
            "klass": (
                "自费（未对照，不上传医保）"
                if r["not_sent"]
                else CLASS_NAMES.get(r["insurance_class"], r["insurance_class"])
            ),
            "class_code": r["insurance_class"],
            "category": fee_category(r["item_type"], r["name"]),
            "quantity": r["quantity"],
            "unit_price": amount(r["unit_price"]),
            "total": r["total"],
            "over_limit": r["over_limit"] or Decimal(0),
            "self_paid": r["self_paid"] or Decimal(0),
            "not_sent": bool(r["not_sent"]),
        }
        for r in rows
        if r["quantity"]
    ]


def _fee_table(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The national list's 医疗收费信息: per category the amount, class A, class B, self-paid and other."""
    table = []
    for code, name in FEE_CATEGORIES:
        mine = [r for r in rows if r["category"] == code]
        total = sum((r["total"] for r in mine), Decimal(0))
        # 自费: whole self-paid lines and the FEE-1 over-limit part of the others; 甲/乙 the rest.
        self_paid = sum((r["self_paid"] or r["over_limit"] for r in mine), Decimal(0))
        paid = [r for r in mine if not r["self_paid"]]
        class_a = sum((r["total"] - r["over_limit"] for r in paid if r["class_code"] == "A"), Decimal(0))
        class_b = sum((r["total"] - r["over_limit"] for r in paid if r["class_code"] == "B"), Decimal(0))
        table.append(
            {
                "code": code,
                "name": name,
                "total": amount(total),
                "class_a": amount(class_a),
                "class_b": amount(class_b),
                "self_paid": amount(self_paid),
                "other": amount(total - class_a - class_b - self_paid),
            }
        )
    return table


def settlement_list(settlement: Settlement) -> dict[str, Any]:
    """医疗保障基金结算清单 (national layout): header, patient, diagnoses and procedures, the fee
    categories, fund payment, personal burden, signatures (ADM-9, DRG-1)."""
    receipt = settlement_receipt(settlement)
    person = settlement.person
    diagnoses: list[dict[str, str]] = []
    procedures: list[dict[str, str]] = []
    extra: dict[str, str] = {}
    if settlement.stay_id:
        stay = settlement.stay
        chosen = list(stay.diagnoses.filter(stage="discharge").order_by("order")) or list(
            stay.diagnoses.filter(stage="admission").order_by("order")
        )
        diagnoses = [
            {"main": "主要诊断" if d.is_main else "其他诊断", "code": d.code, "name": d.name} for d in chosen
        ]
        procedures = [
            {
                "main": "主要手术" if p.is_main else "其他手术",
                "code": p.code,
                "name": p.name,
                "date": p.performed_on,
                "operator": p.operator.name if p.operator_id else "",
                "anaesthesia": p.anaesthesia,
            }
            for p in stay.procedures.select_related("operator").order_by("order")
        ]
        extra = {
            "medrcdno": stay.record.medrcdno if stay.record_id else "",
            "discharge_way": DISCHARGE_WAYS.get(stay.discharge_way, stay.discharge_way),
        }
    elif settlement.visit.disease_code:
        diagnoses = [{"main": "门诊慢特病病种", "code": settlement.visit.disease_code, "name": ""}]
    rows = _charge_rows(settlement)
    full_self_pay = settlement.full_self_pay + settlement.over_limit_self_pay
    return {
        **receipt,
        "title": "医疗保障基金结算清单",
        "extra": extra,
        "certno": person.certno[:4] + "*" * max(len(person.certno) - 8, 0) + person.certno[-4:],
        "birth_date": person.birth_date,
        "insuplc": settlement.insuplc_admdvs or person.insuplc_admdvs,
        "diagnoses": diagnoses,
        "procedures": procedures,
        "fee_table": _fee_table(rows),
        "fee_total": amount(sum((r["total"] for r in rows), Decimal(0))),
        "items": [
            {
                **r,
                "quantity": r["quantity"].normalize()
                if r["quantity"] == r["quantity"].to_integral()
                else r["quantity"],
                "total": amount(r["total"]),
                "over_limit": amount(r["over_limit"]),
                "self_paid": amount(r["self_paid"]),
            }
            for r in rows
        ],
        "over_limit_total": amount(sum((r["over_limit"] for r in rows), Decimal(0))),
        "burden": {
            # 个人自费 = 全自费 + 超限价自费; 个人自付 = 个人负担 − 个人自费 (先行自付、起付线、比例自付).
            "self_paid": amount(full_self_pay),
            "co_paid": amount(settlement.personal_burden - full_self_pay),
            "account": amount(settlement.personal_account_pay),
            "cash": amount(settlement.cash_pay),
        },
    }


def reversal_slip(settlement: Settlement) -> dict[str, Any]:
    """SET-9: the slip of a reversed settlement — what the original paid and what comes back."""
    reversal = Settlement.objects.filter(reversal_of=settlement).first()
    receipt = settlement_receipt(settlement)
    return {
        **receipt,
        "title": "结算撤销（退费）凭证",
        "reversal": {
            "id": reversal.medins_setl_id if reversal else "",
            "at": _local(reversal.settled_at or reversal.created_at) if reversal else "",
            "reason": (reversal.reason if reversal else "") or settlement.reason,
        },
        "refund_cash": amount(settlement.cash_pay),
        "refund_account": amount(settlement.personal_account_pay),
        "refund_fund": amount(settlement.fund_pay_total),
    }


def refund_slip(refund: SelfPayRefund) -> dict[str, Any]:
    """SET-10: the refund of cash paid beyond the patient's share after re-settling."""
    original = refund.original
    receipt = settlement_receipt(refund.resettlement)
    return {
        **receipt,
        "title": "重新结算退款凭证",
        "receipt_no": refund.receipt_no,
        "original_id": original.setl_id or original.medins_setl_id,
        "original_cash": amount(original.cash_pay),
        "new_cash": amount(refund.resettlement.cash_pay),
        "refund": amount(refund.amount),
        "refunded_at": _local(refund.created_at),
    }


def settlement_rows(settlements) -> list[dict[str, Any]]:
    """The settlement list of a stay or visit: each with the center's settlement time."""
    return [
        {"settlement": s, "settled_at": _local(center_settled_at(s) or s.created_at)} for s in settlements
    ]
