"""One fee-line table for inpatient and outpatient care (issue 17; FEE-1..4, FEE-6, RX-5..7, ADM-10, SET-2).

A line belongs to a stay XOR an outpatient visit. It keeps the catalog terms as they were when it was
charged (class, SET-2 share for this person, payment standard, bureau price, restrictions) and the
local split of its amount (full self-pay + over-limit + class-B first self-pay + in scope = amount),
so the settlement, the audit SQL and the center's per-line answer are compared against the same row.
Append-only: a refund is a negative counter-line pointing at the original (`init_feedetl_sn`).

Built for set-based audit over months: `charged_on` is part of every uniqueness rule (the table can
be range-partitioned by month), foreign keys carry no single-column index of their own, and the
composite indexes are those the audit and the pages query by.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.models import TrackedModel

MONEY = {"max_digits": 14, "decimal_places": 2}
PRICE = {"max_digits": 14, "decimal_places": 4}
QUANTITY = {"max_digits": 12, "decimal_places": 4}
ZERO = Decimal("0.00")


class SelfPayReason(models.TextChoices):
    """Why (part of) a line is the patient's; '' = nothing beyond the normal class-B share."""

    AFTER_NOTICE = "after_notice", "出院通知后费用（ADM-10）"
    NO_APPROVAL = "no_approval", "限定支付/须审批项目未审批（RX-5/RX-6）"
    RX7 = "rx7", "门诊营养类药品（RX-7）"
    UNMAPPED = "unmapped", "未对照医保目录，不上传、患者自付（FEE-1）"
    CONSENTED = "consented", "患者签字同意自费（FEE-4）"
    CLASS_C = "class_c", "丙类（SET-2）"
    FEE6 = "fee6", "基金不予支付（FEE-6）"
    OVER_LIMIT = "over_limit", "超医保支付标准部分自付（FEE-1）"


# A line with one of these reasons is paid fully by the patient (hosp_appr_flag 2 at the center).
FULL_SELF_PAY = frozenset(r.value for r in SelfPayReason if r != SelfPayReason.OVER_LIMIT)


class FeeLine(models.Model):
    """One fee line (2301/2204 feedetail) of a stay or an outpatient visit."""

    class UploadStatus(models.TextChoices):
        PENDING = "pending", "未上传"
        UPLOADED = "uploaded", "已上传"
        REJECTED = "rejected", "中心退回"
        NOT_SENT = "not_sent", "不上传（未对照，患者自付）"

    id = models.BigAutoField(primary_key=True)
    stay = models.ForeignKey(
        "admission.Stay",
        verbose_name="住院",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="charges",
        db_index=False,
    )
    visit = models.ForeignKey(
        "settlement.OutpatientVisit",
        verbose_name="门诊就诊",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="charges",
        db_index=False,
    )
    person = models.ForeignKey(
        "insured.InsuredPerson",
        verbose_name="参保人",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    feedetl_sn = models.CharField("费用明细流水号", max_length=30)
    init_feedetl_sn = models.CharField("原费用流水号（退费）", max_length=30, blank=True)
    order = models.ForeignKey(
        "admission.Order",
        verbose_name="医嘱",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="charges",
        db_index=False,
    )
    prescription_item = models.ForeignKey(
        "prescriptions.PrescriptionItem",
        verbose_name="处方明细",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    hospital_item = models.ForeignKey(
        "drug_catalog.HospitalItem",
        verbose_name="院内项目",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    name = models.CharField("名称", max_length=200)
    med_list_codg = models.CharField("医保目录编码", max_length=50, blank=True, help_text="未对照时为空")
    item_type = models.CharField("类别", max_length=12)
    # The catalog's terms as at entry (the settlement reads these, not today's catalog).
    insurance_class = models.CharField("医保类别", max_length=1, blank=True)
    b_self_pay_ratio = models.DecimalField(
        "乙类先行自付比例",
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="SET-2，按本人险种与人员类别",
    )
    price_cap = models.DecimalField("医保支付标准", **PRICE, null=True, blank=True)
    bureau_price = models.DecimalField("物价核定价格", **PRICE, null=True, blank=True)
    restricted = models.BooleanField("限定支付/须审批", default=False)
    restriction_text = models.CharField("限定支付范围", max_length=500, blank=True)
    quantity = models.DecimalField("数量", **QUANTITY)
    unit_price = models.DecimalField("单价", **PRICE)
    amount = models.DecimalField("金额", **MONEY)
    # The hospital's own split of `amount` (the four parts add up to it).
    full_self_pay_amount = models.DecimalField("全自费", **MONEY, default=ZERO)
    over_limit_amount = models.DecimalField("超限价自费", **MONEY, default=ZERO)
    pre_self_pay_amount = models.DecimalField("乙类先行自付", **MONEY, default=ZERO)
    in_scope_amount = models.DecimalField("符合范围", **MONEY, default=ZERO)
    self_pay_reason = models.CharField("自费原因", max_length=20, blank=True, choices=SelfPayReason.choices)
    hosp_appr_flag = models.CharField(
        "医院审批标志", max_length=1, blank=True, help_text="0 无须审批 1 审批通过 2 审批不通过（患者全自费）"
    )
    charged_at = models.DateTimeField("费用发生时间")
    charged_on = models.DateField("费用日期")
    ordering_department = models.ForeignKey(
        "hospital.Department",
        verbose_name="开单科室",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    ordering_doctor = models.ForeignKey(
        "hospital.Practitioner",
        verbose_name="开单医师",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    executing_department = models.ForeignKey(
        "hospital.Department",
        verbose_name="执行科室",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    executing_staff = models.ForeignKey(
        "hospital.Practitioner",
        verbose_name="执行人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    discharge_medication = models.BooleanField("出院带药", default=False)
    tcmdrug_used_way = models.CharField("中药使用方式", max_length=1, blank=True, help_text="1 复方 2 单方")
    external_lab = models.BooleanField("外检", default=False)
    refund_reason = models.CharField("退费原因", max_length=200, blank=True)
    upload_status = models.CharField(
        "上传状态", max_length=10, choices=UploadStatus.choices, default=UploadStatus.PENDING
    )
    upload_message = models.CharField("中心信息", max_length=200, blank=True)
    upload_msgid = models.CharField(
        "上传报文ID", max_length=30, blank=True, help_text="已发送、待中心确认的报文"
    )
    # The center's per-line answer to 2301/2204 (null until it answered).
    center_class = models.CharField(
        "中心收费项目等级", max_length=3, blank=True, help_text="chrgitm_lv 01 甲 02 乙 03 丙"
    )
    center_selfpay_prop = models.DecimalField(
        "中心自付比例", max_digits=5, decimal_places=4, null=True, blank=True
    )
    center_pric_uplmt_amt = models.DecimalField(
        "中心定价上限", max_digits=16, decimal_places=6, null=True, blank=True
    )
    center_fulamt_ownpay_amt = models.DecimalField("中心全自费", **MONEY, null=True, blank=True)
    center_overlmt_amt = models.DecimalField("中心超限价", **MONEY, null=True, blank=True)
    center_preselfpay_amt = models.DecimalField("中心先行自付", **MONEY, null=True, blank=True)
    center_inscp_scp_amt = models.DecimalField("中心符合范围", **MONEY, null=True, blank=True)
    center_memo = models.CharField("中心备注", max_length=200, blank=True)
    settlement = models.ForeignKey(
        "settlement.Settlement",
        verbose_name="结算",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fee_lines",
        db_index=False,
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    entered_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "费用明细"
        verbose_name_plural = "费用明细"
        ordering = ["charged_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(stay__isnull=False) & Q(visit__isnull=True))
                | (Q(stay__isnull=True) & Q(visit__isnull=False)),
                name="feeline_stay_xor_visit",
                violation_error_message="费用须属于一次住院或一次门诊，且只属于其一。",
            ),
            models.CheckConstraint(condition=~Q(quantity=0), name="feeline_quantity_nonzero"),
            models.CheckConstraint(
                condition=(Q(quantity__gt=0) & Q(init_feedetl_sn=""))
                | (Q(quantity__lt=0) & ~Q(init_feedetl_sn="")),
                name="feeline_refund_points_at_original",
                violation_error_message="退费行须为负数并指向原费用流水号。",
            ),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="feeline_price_not_negative"),
            models.CheckConstraint(
                condition=Q(
                    amount=F("full_self_pay_amount")
                    + F("over_limit_amount")
                    + F("pre_self_pay_amount")
                    + F("in_scope_amount")
                ),
                name="feeline_split_adds_up",
                violation_error_message="全自费、超限价、先行自付与符合范围之和须等于金额。",
            ),
            # The line date is part of every uniqueness rule (monthly range partitions).
            models.UniqueConstraint(fields=["feedetl_sn", "charged_on"], name="feeline_sn_day"),
            models.UniqueConstraint(
                fields=["order", "hospital_item", "charged_at", "charged_on"],
                condition=Q(quantity__gt=0, order__isnull=False),
                name="feeline_no_duplicate",
                violation_error_message="同一医嘱同一项目同一时间已计费（重复收费）。",
            ),
        ]
        indexes = [
            models.Index(
                fields=["stay", "charged_on"], name="feeline_stay_day", condition=Q(stay__isnull=False)
            ),
            models.Index(
                fields=["visit", "charged_on"], name="feeline_visit_day", condition=Q(visit__isnull=False)
            ),
            models.Index(fields=["ordering_doctor", "charged_on"], name="feeline_doctor_day"),
            models.Index(fields=["hospital_item", "charged_on"], name="feeline_item_day"),
            models.Index(fields=["person", "charged_on"], name="feeline_person_day"),
            models.Index(fields=["charged_on", "med_list_codg"], name="feeline_day_code"),
            models.Index(fields=["order"], name="feeline_order", condition=Q(order__isnull=False)),
            models.Index(
                fields=["init_feedetl_sn"], name="feeline_refunds", condition=~Q(init_feedetl_sn="")
            ),
            models.Index(
                fields=["settlement"], name="feeline_settlement", condition=Q(settlement__isnull=False)
            ),
            models.Index(
                fields=["upload_status", "stay", "visit"],
                name="feeline_upload",
                condition=Q(upload_status__in=["pending", "rejected"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.feedetl_sn} {self.amount}"

    @property
    def fully_self_paid(self) -> bool:
        return self.self_pay_reason in FULL_SELF_PAY

    @property
    def center_answered(self) -> bool:
        return self.center_inscp_scp_amt is not None


class PlausibilityBound(TrackedModel):
    """Plausibility bounds of one item type (issue 17 item 6): admin-editable data, not code."""

    item_type = models.CharField(
        "项目类别",
        max_length=12,
        unique=True,
        help_text="western/patent/herbal/service/consumable/facility/unmapped",
    )
    max_quantity_per_line = models.DecimalField("单行最大数量", **QUANTITY)
    max_quantity_per_day = models.DecimalField("每日最大数量", **QUANTITY)
    min_unit_price = models.DecimalField("最低单价", **PRICE)

    class Meta:
        verbose_name = "费用合理性界限"
        verbose_name_plural = "费用合理性界限"
        ordering = ["item_type"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_quantity_per_line__gt=0)
                & Q(max_quantity_per_day__gte=F("max_quantity_per_line"))
                & Q(min_unit_price__gte=0),
                name="plausibility_bounds_ordered",
                violation_error_message="每日最大数量不得小于单行最大数量，最低单价不得为负。",
            )
        ]

    def __str__(self) -> str:
        return self.item_type
