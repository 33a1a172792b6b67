"""Prescriptions (处方): saved as written, with the check that judged them.

RX-4 looks back at the patient's earlier inpatient supplies, and the audit engine will screen every
saved line, so items keep the computed days supply and the day the supply is used up. Nothing is
ever deleted (ADM-12): a wrong prescription is cancelled with a reason.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.models import TrackedModel, ValidityPeriodModel, track_history
from prescriptions.rules import FREQUENCY_LABELS, VISIT_TYPE_LABELS, VisitType


@track_history()
class DaySupplyProfile(TrackedModel, ValidityPeriodModel):
    """RX-1/RX-2/RX-3 limits as a named, versioned profile; the hospital picks one (HOSPITAL_RX_PROFILE).

    000: acute ≤ 7, general ≤ 7, chronic ≤ 15, specified diseases ≤ 30 (seed 000 §4 二.3);
    004: the county hospital's stricter acute ≤ 3 (seed 004, 道县).
    """

    code = models.CharField("方案编码", max_length=20)
    name = models.CharField("方案名称", max_length=100)
    acute_days = models.PositiveSmallIntegerField("急性病天数上限")
    general_days = models.PositiveSmallIntegerField("一般疾病天数上限")
    chronic_days = models.PositiveSmallIntegerField("慢性病天数上限")
    specified_days = models.PositiveSmallIntegerField("特定病种天数上限")
    discharge_days = models.PositiveSmallIntegerField("出院带药天数上限", default=15)
    discharge_uses_outpatient_limits = models.BooleanField(
        "出院带药参照门诊限量",
        default=False,
        help_text="RX-3：seed 004 出院带药“参照上述执行”，按所治诊断的门诊天数上限判断",
    )
    max_drugs = models.PositiveSmallIntegerField("每张处方药品种数上限", default=5)
    approval_valid_days = models.PositiveSmallIntegerField("审批有效天数（RX-6）", default=5)
    source = models.CharField("依据", max_length=200, blank=True)

    class Meta(ValidityPeriodModel.Meta):
        verbose_name = "处方限量方案"
        verbose_name_plural = "处方限量方案"
        ordering = ["code", "-effective_from"]
        constraints = [
            *ValidityPeriodModel.Meta.constraints,
            models.UniqueConstraint(fields=["code", "effective_from"], name="rx_profile_unique_version"),
            models.CheckConstraint(
                condition=Q(acute_days__gt=0, general_days__gt=0, chronic_days__gt=0, specified_days__gt=0),
                name="rx_profile_days_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}（{self.effective_from} 起）"


@track_history()
class DrugApproval(TrackedModel):
    """RX-5 hospital approval of a restricted drug, RX-6 the insurance office's approval of a protein
    product (valid a limited number of days). Approvals are revoked, never deleted."""

    class Kind(models.TextChoices):
        RESTRICTED = "restricted", "限定支付药品院内审批（RX-5）"
        PROTEIN = "protein", "蛋白类制品医保办审批（RX-6）"

    person = models.ForeignKey(
        "insured.InsuredPerson",
        verbose_name="参保人",
        on_delete=models.PROTECT,
        related_name="drug_approvals",
    )
    item_code = models.CharField("医保目录编码", max_length=50)
    kind = models.CharField("审批类型", max_length=12, choices=Kind.choices)
    approved_on = models.DateField("审批日期")
    evidence = models.CharField("依据（化验指标等）", max_length=300, blank=True)
    revoked = models.BooleanField("已撤销", default=False)

    class Meta:
        verbose_name = "用药审批"
        verbose_name_plural = "用药审批"
        ordering = ["-approved_on"]
        indexes = [models.Index(fields=["person", "item_code", "-approved_on"], name="rx_approval_lookup")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.item_code} {self.get_kind_display()} {self.approved_on}"


@track_history()
class Prescription(TrackedModel):
    class Status(models.TextChoices):
        ISSUED = "issued", "已开具"
        CANCELLED = "cancelled", "已作废"

    ALLOWED_TRANSITIONS = {Status.ISSUED: {Status.CANCELLED}, Status.CANCELLED: set()}

    number = models.CharField("处方号", max_length=30, unique=True)
    person = models.ForeignKey(
        "insured.InsuredPerson", verbose_name="患者", on_delete=models.PROTECT, related_name="prescriptions"
    )
    doctor = models.ForeignKey(
        "hospital.Practitioner", verbose_name="开方医师", on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "hospital.Department", verbose_name="科室", on_delete=models.PROTECT, related_name="+"
    )
    visit_type = models.CharField(
        "就诊类型", max_length=10, choices=[(v.value, VISIT_TYPE_LABELS[v]) for v in VisitType]
    )
    prescribed_on = models.DateField("开方日期")
    insured = models.BooleanField("按医保开具", default=True, help_text="否：全部自费")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ISSUED)
    profile_code = models.CharField("限量方案", max_length=20)
    check_summary = models.JSONField("开方时审核结果", default=list, blank=True)
    cancel_reason = models.CharField("作废原因", max_length=200, blank=True)
    idempotency_key = models.CharField("幂等键", max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = "处方"
        verbose_name_plural = "处方"
        ordering = ["-prescribed_on", "-id"]
        indexes = [models.Index(fields=["person", "visit_type", "prescribed_on"], name="rx_person_visit_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="issued") | ~Q(cancel_reason=""),
                name="rx_cancel_has_reason",
                violation_error_message="作废处方须填写原因。",
            )
        ]

    def __str__(self) -> str:
        return self.number


class PrescriptionDiagnosis(models.Model):
    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, related_name="diagnoses")
    order = models.PositiveSmallIntegerField("序号")
    code = models.CharField("诊断代码", max_length=20)
    name = models.CharField("诊断名称", max_length=200, blank=True)
    category = models.CharField("RX-2 类别", max_length=10)
    disease = models.CharField("特定病种", max_length=20, blank=True)

    class Meta:
        verbose_name = "处方诊断"
        verbose_name_plural = "处方诊断"
        ordering = ["prescription", "order"]
        constraints = [
            models.UniqueConstraint(fields=["prescription", "order"], name="rx_diagnosis_unique_order")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PrescriptionItem(models.Model):
    """One line as written plus what the check computed. Narrow on purpose: the audit engine reads it."""

    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, related_name="items")
    line_no = models.PositiveSmallIntegerField("行号")
    catalog_item = models.ForeignKey(
        "drug_catalog.CatalogItem", verbose_name="目录条目", on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField("医保目录编码", max_length=50)
    name = models.CharField("名称", max_length=200)
    item_type = models.CharField("类别", max_length=12)
    quantity = models.DecimalField("数量（包装）", max_digits=10, decimal_places=2)
    unit = models.CharField("单位", max_length=10)
    dose = models.DecimalField("单次剂量", max_digits=10, decimal_places=3, null=True, blank=True)
    dose_unit = models.CharField("剂量单位", max_length=10, blank=True)
    frequency = models.CharField("频次", max_length=5, choices=list(FREQUENCY_LABELS.items()))
    declared_days = models.PositiveSmallIntegerField("天数（医师填写）", null=True, blank=True)
    days_supply = models.DecimalField("计算天数", max_digits=8, decimal_places=2, null=True, blank=True)
    supply_ends_on = models.DateField("药量用完日期", null=True, blank=True, help_text="RX-4")
    self_pay = models.BooleanField("自费", default=False)
    self_pay_reasons = models.TextField("自费原因", blank=True)
    consent = models.BooleanField("患者已签自费同意", default=False)
    indication_met = models.BooleanField("符合限定支付范围", default=False)
    diagnosis_order = models.PositiveSmallIntegerField("关联诊断序号", null=True, blank=True)

    class Meta:
        verbose_name = "处方明细"
        verbose_name_plural = "处方明细"
        ordering = ["prescription", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["prescription", "line_no"], name="rx_item_unique_line"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="rx_item_quantity_positive"),
            models.CheckConstraint(
                condition=Q(self_pay=False) | Q(consent=True),
                name="rx_item_self_pay_needs_consent",
                violation_error_message="自费项目须患者签署自费协议书（FEE-4）。",
            ),
        ]
        indexes = [models.Index(fields=["code", "supply_ends_on"], name="rx_item_supply")]

    def __str__(self) -> str:
        return f"{self.prescription_id}#{self.line_no} {self.name}"


class PrescriptionSequence(models.Model):
    """Per-day counter for readable prescription numbers (RX20261125-0001); row-locked on use."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "处方号序列"
        verbose_name_plural = "处方号序列"

    def __str__(self) -> str:
        return f"{self.day} {self.last}"
