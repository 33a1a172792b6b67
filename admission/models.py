"""Inpatient stays: admission, insurance registration, beds and rounds, orders and charges, discharge.

A stay is never deleted (ADM-12); status moves along ALLOWED_TRANSITIONS and every change is kept by
pghistory. Charge lines are narrow and append-only: a correction is a negative counter-line pointing
at the line it reverses (init_feedetl_sn), never an edit.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.models import TrackedModel, ValidityPeriodModel, track_history

MONEY = {"max_digits": 14, "decimal_places": 2}
PRICE = {"max_digits": 14, "decimal_places": 4}
QUANTITY = {"max_digits": 12, "decimal_places": 4}


class MedType(models.TextChoices):
    """National med_type codes used for inpatient stays."""

    INPATIENT = "21", "21 普通住院"
    TRAUMA = "22", "22 外伤住院"
    REFERRED_OUT = "23", "23 转外诊治住院"
    EMERGENCY_TO_INPATIENT = "24", "24 急诊转住院"
    DAY_SURGERY = "28", "28 日间手术"
    MATERNITY = "52", "52 生育住院"


@track_history()
class AdmissionPolicy(TrackedModel, ValidityPeriodModel):
    """The admission rules' numbers as versioned data, seeded with the regulations' values."""

    formalities_working_days = models.PositiveSmallIntegerField("急诊入院补办手续工作日（ADM-3）", default=3)
    custody_hours = models.PositiveSmallIntegerField("医保卡交存时限（小时，ADM-2）", default=24)
    ghost_bed_absences = models.PositiveSmallIntegerField("挂床认定无假缺床次数（ADM-5）", default=2)
    split_window_days = models.PositiveSmallIntegerField("分解住院判定天数（ADM-8）", default=10)
    no_bed_fine_min = models.PositiveSmallIntegerField("无床位住院罚款倍数下限（ADM-5）", default=3)
    no_bed_fine_max = models.PositiveSmallIntegerField("无床位住院罚款倍数上限（ADM-5）", default=5)
    referral_rate_limit = models.DecimalField(
        "转诊率上限 %（ADM-11）", max_digits=5, decimal_places=2, default=3
    )
    retention_years_inpatient = models.PositiveSmallIntegerField("住院病历保存年限（ADM-12）", default=15)
    retention_years_outpatient = models.PositiveSmallIntegerField("门诊处方保存年限（ADM-12）", default=2)

    class Meta(ValidityPeriodModel.Meta):
        verbose_name = "住院管理参数"
        verbose_name_plural = "住院管理参数"
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"住院管理参数（{self.effective_from} 起）"


@track_history()
class DailyItemGroup(TrackedModel, ValidityPeriodModel):
    """FEE-3: items charged once a day per stay (bed, nursing level): a second charge of any item
    of the group on the same day is a duplicate. Items belong by national code prefix
    (med_list_codg, e.g. 001102 = 1102 床位费 of the national service-price catalog)."""

    name = models.CharField("项目组", max_length=40)
    code_prefixes = models.CharField(
        "医保编码前缀", max_length=400, help_text="逗号分隔，如 001102；以任一前缀开头的医保编码属于本组"
    )
    per_day = models.PositiveSmallIntegerField("每日上限", default=1)

    class Meta(ValidityPeriodModel.Meta):
        verbose_name = "按日计费项目组（FEE-3）"
        verbose_name_plural = "按日计费项目组（FEE-3）"
        ordering = ["name", "-effective_from"]

    def __str__(self) -> str:
        return f"{self.name}（{self.effective_from} 起）"

    @property
    def prefixes(self) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.code_prefixes.split(",") if p.strip())


class MedicalRecord(models.Model):
    """病案号 (medrcdno): one per person, reused on every re-admission, never shared (two constraints)."""

    person = models.OneToOneField(
        "insured.InsuredPerson", verbose_name="患者", on_delete=models.PROTECT, related_name="medical_record"
    )
    medrcdno = models.CharField("病案号", max_length=30, unique=True)
    created_at = models.DateTimeField("建档时间", auto_now_add=True)

    class Meta:
        verbose_name = "病案"
        verbose_name_plural = "病案"

    def __str__(self) -> str:
        return self.medrcdno


class StayQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=Stay.OPEN_STATUSES)


@track_history()
class Stay(TrackedModel):
    """One hospitalisation (住院), identified by its own serial ipt_no."""

    class Kind(models.TextChoices):
        NORMAL = "normal", "普通入院"
        EMERGENCY = "emergency", "急诊入院"
        TRAUMA = "trauma", "外伤（非刷卡）入院"
        TRANSFER_IN = "transfer_in", "转院转入"

    class Status(models.TextChoices):
        ADMITTED = "admitted", "在院"
        DISCHARGE_ORDERED = "discharge_ordered", "已开出院医嘱"
        DISCHARGED = "discharged", "已出院"
        SETTLED = "settled", "已结算"
        CANCELLED = "cancelled", "已取消"

    class DischargeWay(models.TextChoices):
        ORDERED = "1", "医嘱离院"
        TRANSFER = "2", "医嘱转院"
        COMMUNITY = "3", "医嘱转社区卫生服务机构/乡镇卫生院"
        AGAINST_ADVICE = "4", "非医嘱离院"
        DEATH = "5", "死亡"
        OTHER = "9", "其他"

    class FundStatus(models.TextChoices):
        RECOGNISED = "recognised", "医保认可"
        PENDING_REVIEW = "pending_review", "待医保办审核"
        NOT_PAYABLE = "not_payable", "基金不予支付"

    OPEN_STATUSES = (Status.ADMITTED, Status.DISCHARGE_ORDERED)
    ALLOWED_TRANSITIONS = {
        Status.ADMITTED: {Status.DISCHARGE_ORDERED, Status.CANCELLED},
        Status.DISCHARGE_ORDERED: {Status.DISCHARGED, Status.ADMITTED},
        Status.DISCHARGED: {Status.SETTLED},
        Status.SETTLED: {Status.DISCHARGED},  # SET-9: a reversed settlement reopens the stay
        Status.CANCELLED: set(),
    }

    ipt_no = models.CharField("住院号", max_length=30, unique=True)
    record = models.ForeignKey(
        MedicalRecord, verbose_name="病案", on_delete=models.PROTECT, related_name="stays"
    )
    person = models.ForeignKey(
        "insured.InsuredPerson", verbose_name="患者", on_delete=models.PROTECT, related_name="stays"
    )
    kind = models.CharField("入院方式", max_length=12, choices=Kind.choices, default=Kind.NORMAL)
    med_type = models.CharField("医疗类别", max_length=4, choices=MedType.choices, default=MedType.INPATIENT)
    newborn_with_mother = models.BooleanField("新生儿随母", default=False)
    transfer_in_deductible_paid = models.DecimalField(
        "转出医院已付起付线",
        **MONEY,
        null=True,
        blank=True,
        help_text="SET-7 转院：一次住院只付一次（较高的）起付线",
    )
    department = models.ForeignKey(
        "hospital.Department", verbose_name="科室", on_delete=models.PROTECT, related_name="+"
    )
    ward = models.ForeignKey("hospital.Ward", verbose_name="病区", on_delete=models.PROTECT, related_name="+")
    bed = models.ForeignKey(
        "hospital.Bed",
        verbose_name="床位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stays",
    )
    attending_doctor = models.ForeignKey(
        "hospital.Practitioner", verbose_name="主治医师", on_delete=models.PROTECT, related_name="+"
    )
    outpatient_doctor = models.ForeignKey(
        "hospital.Practitioner",
        verbose_name="门诊医师",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    admitted_at = models.DateTimeField("入院时间")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.ADMITTED)
    self_pay = models.BooleanField(
        "自费入院", default=False, help_text="未持卡入院；出示医保凭证后可转医保（ADM-3）"
    )
    formalities_due = models.DateField("医保手续截止日", null=True, blank=True, help_text="ADM-3 急诊入院")
    formalities_completed_on = models.DateField("医保手续办结日", null=True, blank=True)
    fund_status = models.CharField(
        "医保认可状态", max_length=16, choices=FundStatus.choices, default=FundStatus.RECOGNISED
    )
    fund_status_reason = models.CharField("不予支付/待审原因", max_length=300, blank=True)
    discharge_ordered_at = models.DateTimeField("出院医嘱时间", null=True, blank=True)
    discharged_at = models.DateTimeField("出院时间", null=True, blank=True)
    discharge_way = models.CharField("离院方式", max_length=2, choices=DischargeWay.choices, blank=True)
    cancel_reason = models.CharField("取消原因", max_length=200, blank=True)

    objects = StayQuerySet.as_manager()

    class Meta:
        verbose_name = "住院"
        verbose_name_plural = "住院"
        ordering = ["-admitted_at"]
        constraints = [
            # ADM-5: one active patient per bed.
            models.UniqueConstraint(
                fields=["bed"],
                condition=Q(status__in=["admitted", "discharge_ordered"]) & Q(bed__isnull=False),
                name="stay_one_active_patient_per_bed",
                violation_error_message="该床位已有在院患者（ADM-5）。",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["discharged", "settled"]) | Q(discharged_at__isnull=False),
                name="stay_discharged_has_time",
            ),
            models.CheckConstraint(
                condition=Q(discharged_at__isnull=True) | Q(discharged_at__gte=F("admitted_at")),
                name="stay_discharge_after_admission",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "department"], name="stay_status_dept"),
            models.Index(fields=["person", "-admitted_at"], name="stay_person_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.ipt_no} {self.person.name}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class StaySequence(models.Model):
    """Counters for readable serials (ipt_no per year, medrcdno, feedetl_sn), row-locked on use."""

    name = models.CharField(max_length=30, primary_key=True)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "编号序列"
        verbose_name_plural = "编号序列"

    def __str__(self) -> str:
        return f"{self.name}={self.last}"


class DiagnosisStage(models.TextChoices):
    ADMISSION = "admission", "入院诊断"
    DISCHARGE = "discharge", "出院诊断"


class StayDiagnosis(models.Model):
    """Ordered diagnoses of a stay (diseinfo: diag_type, maindiag_flag, diag_srt_no, diag_code …)."""

    class DiagType(models.TextChoices):
        WESTERN = "1", "西医诊断"
        TCM_DISEASE = "2", "中医主病诊断"
        TCM_SYNDROME = "3", "中医主证诊断"

    stay = models.ForeignKey(Stay, on_delete=models.PROTECT, related_name="diagnoses")
    stage = models.CharField("阶段", max_length=10, choices=DiagnosisStage.choices)
    order = models.PositiveSmallIntegerField("序号")
    diag_type = models.CharField("诊断类别", max_length=1, choices=DiagType.choices, default=DiagType.WESTERN)
    code = models.CharField("诊断代码", max_length=20)
    name = models.CharField("诊断名称", max_length=200)
    is_main = models.BooleanField("主诊断", default=False)
    department = models.ForeignKey(
        "hospital.Department", verbose_name="科室", on_delete=models.PROTECT, related_name="+"
    )
    doctor = models.ForeignKey(
        "hospital.Practitioner", verbose_name="诊断医师", on_delete=models.PROTECT, related_name="+"
    )
    diagnosed_at = models.DateTimeField("诊断时间")

    class Meta:
        verbose_name = "住院诊断"
        verbose_name_plural = "住院诊断"
        ordering = ["stay", "stage", "order"]
        constraints = [
            models.UniqueConstraint(fields=["stay", "stage", "order"], name="stay_diagnosis_unique_order"),
            models.UniqueConstraint(
                fields=["stay", "stage"], condition=Q(is_main=True), name="stay_diagnosis_one_main"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class DiagnosisCorrection(models.Model):
    """A correction of a stay's diagnoses before discharge: what they were, what they became, why and
    who (append-only; the diagnoses themselves are rewritten, this row is the history, ADM-1)."""

    stay = models.ForeignKey(Stay, on_delete=models.PROTECT, related_name="diagnosis_corrections")
    stage = models.CharField("阶段", max_length=10, choices=DiagnosisStage.choices)
    before = models.JSONField("更正前", help_text="[{code, name, is_main}]")
    after = models.JSONField("更正后", help_text="[{code, name, is_main}]")
    reason = models.CharField("更正原因", max_length=200)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="更正人", on_delete=models.PROTECT, null=True, related_name="+"
    )
    corrected_at = models.DateTimeField("更正时间", auto_now_add=True)

    class Meta:
        verbose_name = "诊断更正记录"
        verbose_name_plural = "诊断更正记录"
        ordering = ["stay", "-corrected_at"]

    def __str__(self) -> str:
        return f"{self.stay_id} {self.corrected_at:%Y-%m-%d %H:%M}"


class StayProcedure(models.Model):
    """Operations and procedures (ICD-9-CM-3 insurance edition) for the discharge record and DRG."""

    stay = models.ForeignKey(Stay, on_delete=models.PROTECT, related_name="procedures")
    order = models.PositiveSmallIntegerField("序号")
    code = models.CharField("手术操作代码", max_length=20)
    name = models.CharField("手术操作名称", max_length=200)
    performed_on = models.DateField("手术操作日期")
    operator = models.ForeignKey(
        "hospital.Practitioner", verbose_name="术者", on_delete=models.PROTECT, related_name="+"
    )
    anaesthesia = models.CharField("麻醉方式", max_length=40, blank=True)
    is_main = models.BooleanField("主手术", default=False)

    class Meta:
        verbose_name = "手术操作"
        verbose_name_plural = "手术操作"
        ordering = ["stay", "order"]
        constraints = [models.UniqueConstraint(fields=["stay", "order"], name="stay_procedure_unique_order")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


@track_history()
class InsuranceRegistration(TrackedModel):
    """The stay's registration at the center (2401), zero or more per stay; at most one in force."""

    class Status(models.TextChoices):
        REGISTERED = "registered", "已登记"
        CANCELLED = "cancelled", "已撤销（2404）"

    stay = models.ForeignKey(Stay, on_delete=models.PROTECT, related_name="registrations")
    enrollment = models.ForeignKey(
        "insured.Enrollment",
        verbose_name="参保记录",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    insutype = models.CharField("险种", max_length=6)
    med_type = models.CharField("医疗类别", max_length=4)
    mdtrt_cert_type = models.CharField("就诊凭证类型", max_length=3)
    mdtrt_cert_no = models.CharField("就诊凭证编号", max_length=50)
    insuplc_admdvs = models.CharField("参保地医保区划", max_length=6)
    mdtrt_id = models.CharField("就诊ID（中心）", max_length=30, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.REGISTERED)
    registered_at = models.DateTimeField("登记时间")
    cancelled_at = models.DateTimeField("撤销时间", null=True, blank=True)
    center_message = models.CharField("中心提示", max_length=300, blank=True)

    class Meta:
        verbose_name = "医保登记"
        verbose_name_plural = "医保登记"
        ordering = ["stay", "-registered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["stay"], condition=Q(status="registered"), name="registration_one_in_force_per_stay"
            ),
            models.UniqueConstraint(
                fields=["mdtrt_id"], condition=~Q(mdtrt_id=""), name="registration_unique_mdtrt_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stay_id} {self.mdtrt_id or '未回传'} {self.get_status_display()}"


class CardCustody(TrackedModel):
    """ADM-2: the card handed to the insurance office for the stay, and when it was returned."""

    stay = models.OneToOneField(Stay, on_delete=models.PROTECT, related_name="custody")
    received_at = models.DateTimeField("交存时间")
    card_no = models.CharField("卡号", max_length=50, blank=True)
    returned_at = models.DateTimeField("归还时间", null=True, blank=True)

    class Meta:
        verbose_name = "医保卡交存"
        verbose_name_plural = "医保卡交存"

    def __str__(self) -> str:
        return f"{self.stay_id} {self.received_at:%Y-%m-%d %H:%M}"


@track_history()
class TraumaReport(TrackedModel):
    """ADM-4: time, place and cause of injury; the office decides fund eligibility with a written reason."""

    class Cause(models.TextChoices):
        TRAFFIC = "traffic", "交通事故"
        WORK = "work", "工伤"
        SELF_HARM = "self_harm", "自伤自残"
        DRUNK = "drunk", "酗酒"
        ILLEGAL = "illegal", "违法犯罪"
        MEDICAL = "medical", "医疗事故"
        COSMETIC = "cosmetic", "美容整形"
        BY_OTHERS = "by_others", "他人伤害"
        ACCIDENT = "accident", "意外伤害（无责任方）"

    class Decision(models.TextChoices):
        PENDING = "pending", "待医保办认定"
        PAYABLE = "payable", "基金支付"
        FUND_FIRST = "fund_first", "基金先行支付（无第三人或不能确定，社会保险法第三十条）"
        NOT_PAYABLE = "not_payable", "基金不予支付"

    # Causes the fund does not pay by default (ADM-4); by_others is decided case by case.
    NOT_PAYABLE_CAUSES = frozenset(
        {"traffic", "work", "self_harm", "drunk", "illegal", "medical", "cosmetic"}
    )

    stay = models.OneToOneField(Stay, on_delete=models.PROTECT, related_name="trauma")
    injured_at = models.DateTimeField("受伤时间")
    place = models.CharField("受伤地点", max_length=200)
    cause = models.CharField("受伤原因", max_length=12, choices=Cause.choices)
    description = models.CharField("经过", max_length=500, blank=True)
    decision = models.CharField(
        "医保办认定", max_length=12, choices=Decision.choices, default=Decision.PENDING
    )
    decision_reason = models.CharField("认定理由", max_length=500, blank=True)
    decided_at = models.DateTimeField("认定时间", null=True, blank=True)

    class Meta:
        verbose_name = "外伤登记"
        verbose_name_plural = "外伤登记"
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="pending") | ~Q(decision_reason=""),
                name="trauma_decision_has_reason",
                violation_error_message="认定须填写书面理由（ADM-4）。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.stay_id} {self.get_cause_display()} {self.get_decision_display()}"


class WardRound(TrackedModel):
    """ADM-5/ADM-6: an office inspection of one stay's bed."""

    class Finding(models.TextChoices):
        PRESENT = "present", "在床"
        ABSENT = "absent", "不在床（无假条）"
        ON_LEAVE = "on_leave", "不在床（已批准请假）"

    stay = models.ForeignKey(Stay, on_delete=models.PROTECT, related_name="rounds")
    inspected_at = models.DateTimeField("查房时间")
    finding = models.CharField("结果", max_length=10, choices=Finding.choices)
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "查房记录"
        verbose_name_plural = "查房记录"
        ordering = ["stay", "inspected_at"]

    def __str__(self) -> str:
        return f"{self.stay_id} {self.inspected_at:%m-%d %H:%M} {self.get_finding_display()}"


@track_history()
class LeaveRequest(TrackedModel):
    """ADM-6: leaving the ward requires an approved leave; approval by the doctor."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "待批准"
        APPROVED = "approved", "已批准"
        REFUSED = "refused", "未批准"

    stay = models.ForeignKey(Stay, on_delete=models.PROTECT, related_name="leaves")
    starts_at = models.DateTimeField("离院时间")
    ends_at = models.DateTimeField("返院时间")
    reason = models.CharField("事由", max_length=200)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.REQUESTED)
    decided_by = models.ForeignKey(
        "hospital.Practitioner",
        verbose_name="批准医师",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "请假"
        verbose_name_plural = "请假"
        ordering = ["stay", "starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="leave_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.stay_id} {self.starts_at:%m-%d}–{self.ends_at:%m-%d}"


@track_history()
class Consultation(TrackedModel):
    """会诊: a doctor of another department invited onto a stay; he may then act on it like its
    department's doctors (issue 19: who may touch what, per object)."""

    stay = models.ForeignKey(Stay, on_delete=models.PROTECT, related_name="consultations")
    doctor = models.ForeignKey(
        "hospital.Practitioner", verbose_name="会诊医师", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField("会诊目的", max_length=200)

    class Meta:
        verbose_name = "会诊"
        verbose_name_plural = "会诊"
        constraints = [
            models.UniqueConstraint(fields=["stay", "doctor"], name="consultation_one_per_doctor_per_stay")
        ]

    def __str__(self) -> str:
        return f"{self.stay_id} {self.doctor_id}"


@track_history()
class StayReview(TrackedModel):
    """An office decision about a stay: ghost bed (ADM-5), split admission (ADM-8), no bed (ADM-5)."""

    class Kind(models.TextChoices):
        GHOST_BED = "ghost_bed", "挂床住院（ADM-5）"
        SPLIT_ADMISSION = "split_admission", "分解住院（ADM-8）"
        NO_BED = "no_bed", "无床位住院（ADM-5）"
        LEFT_WITHOUT_LEAVE = "left_without_leave", "未请假离院（ADM-6）"

    class Status(models.TextChoices):
        OPEN = "open", "待审核"
        CONFIRMED = "confirmed", "确认违规"
        DISMISSED = "dismissed", "排除"

    stay = models.ForeignKey(Stay, on_delete=models.PROTECT, related_name="reviews")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    detail = models.CharField("情况", max_length=300)
    related_stay = models.ForeignKey(
        Stay, verbose_name="相关住院", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fine_multiple_min = models.PositiveSmallIntegerField("罚款倍数下限", null=True, blank=True)
    fine_multiple_max = models.PositiveSmallIntegerField("罚款倍数上限", null=True, blank=True)
    decision_reason = models.CharField("审核意见", max_length=500, blank=True)
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        verbose_name = "住院审核事项"
        verbose_name_plural = "住院审核事项"
        ordering = ["status", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["stay", "kind"], name="stay_review_one_per_kind"),
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(decision_reason=""), name="stay_review_decision_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stay_id} {self.get_kind_display()} {self.get_status_display()}"


class Transfer(TrackedModel):
    """ADM-11: an outward transfer (used by SET-7 and remote care)."""

    stay = models.OneToOneField(Stay, on_delete=models.PROTECT, related_name="transfer_out")
    destination_code = models.CharField("转往机构编码", max_length=30, blank=True)
    destination_name = models.CharField("转往机构", max_length=100)
    reason = models.CharField("转院原因", max_length=300)
    transferred_at = models.DateTimeField("转出时间")

    class Meta:
        verbose_name = "转院"
        verbose_name_plural = "转院"
        indexes = [models.Index(fields=["transferred_at"], name="transfer_month")]

    def __str__(self) -> str:
        return f"{self.stay_id} → {self.destination_name}"


@track_history()
class Order(TrackedModel):
    """医嘱: what a doctor ordered; every charge fulfils one (FEE-2)."""

    class Kind(models.TextChoices):
        LONG_TERM = "long", "长期医嘱"
        TEMPORARY = "temp", "临时医嘱"
        DISCHARGE_MEDICATION = "discharge_med", "出院带药"

    class Status(models.TextChoices):
        ACTIVE = "active", "执行中"
        STOPPED = "stopped", "已停止"
        CANCELLED = "cancelled", "已作废"

    stay = models.ForeignKey(Stay, on_delete=models.PROTECT, related_name="orders")
    drord_no = models.CharField("医嘱号", max_length=30, unique=True)
    kind = models.CharField("类型", max_length=14, choices=Kind.choices)
    hospital_item = models.ForeignKey(
        "drug_catalog.HospitalItem", verbose_name="项目", on_delete=models.PROTECT, related_name="+"
    )
    content = models.CharField("医嘱内容", max_length=300)
    quantity = models.DecimalField("每次数量", **QUANTITY, default=Decimal(1))
    frequency = models.CharField("频次", max_length=5, blank=True)
    doctor = models.ForeignKey(
        "hospital.Practitioner", verbose_name="开嘱医师", on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "hospital.Department", verbose_name="开嘱科室", on_delete=models.PROTECT, related_name="+"
    )
    ordered_at = models.DateTimeField("开嘱时间")
    stopped_at = models.DateTimeField("停嘱时间", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)

    class Meta:
        verbose_name = "医嘱"
        verbose_name_plural = "医嘱"
        ordering = ["stay", "ordered_at"]

    def __str__(self) -> str:
        return f"{self.drord_no} {self.content}"


class SelfPayConsent(TrackedModel):
    """FEE-4: the patient's signed consent to self-paid items (自费项目协议书), before they are charged."""

    stay = models.ForeignKey(Stay, on_delete=models.PROTECT, related_name="consents")
    hospital_item = models.ForeignKey(
        "drug_catalog.HospitalItem", verbose_name="项目", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField("自费原因", max_length=200)
    estimated_amount = models.DecimalField("预计金额", **MONEY, null=True, blank=True)
    signed_at = models.DateTimeField("签字时间")
    signer = models.CharField("签字人", max_length=50, help_text="患者本人或其亲属")

    class Meta:
        verbose_name = "自费项目协议"
        verbose_name_plural = "自费项目协议"
        constraints = [
            models.UniqueConstraint(fields=["stay", "hospital_item"], name="consent_one_per_item_per_stay")
        ]

    def __str__(self) -> str:
        return f"{self.stay_id} {self.hospital_item_id} {self.signed_at:%Y-%m-%d}"


class DailyListAcknowledgement(TrackedModel):
    """ADM-9: the patient (or family) signed the day's fee list."""

    stay = models.ForeignKey(Stay, on_delete=models.PROTECT, related_name="daily_acks")
    day = models.DateField("清单日期")
    signer = models.CharField("签字人", max_length=50)
    signed_at = models.DateTimeField("签字时间")

    class Meta:
        verbose_name = "每日清单签字"
        verbose_name_plural = "每日清单签字"
        constraints = [models.UniqueConstraint(fields=["stay", "day"], name="daily_ack_once_per_day")]

    def __str__(self) -> str:
        return f"{self.stay_id} {self.day}"
