"""Settlement policy parameters (SET-3): versioned by insured region, scheme, care type, tier and date.

A version in use is never edited: once its effective date has come, only closing it (setting
`effective_to`) is allowed; changes are a new version with a later `effective_from`.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from core.models import TrackedModel, ValidityPeriodModel, track_history


class CareType(models.TextChoices):
    """The policy's care type; national med_type codes map onto it (see selectors.care_type_for_med_type)."""

    OUTPATIENT = "outpatient", "普通门（急）诊"
    CHRONIC_OUTPATIENT = "chronic_outpatient", "门诊慢特病"
    INPATIENT = "inpatient", "住院"


class DeductiblePeriod(models.TextChoices):
    PER_SETTLEMENT = "settlement", "每次结算"
    PER_YEAR = "year", "每结算年度"
    PER_BENEFIT_PERIOD = "benefit_period", "每待遇享受期"
    PER_HOSPITALISATION = "hospitalisation", "每次住院（中途结算与出院结算共付一次；转院视为同一次住院）"


class PolicyPersonType(models.TextChoices):
    """The person types a policy row is written for (insured.PersonType codes); blank = every type."""

    EMPLOYED = "11", "在职职工"
    RETIRED = "21", "退休人员"
    VETERAN = "31", "离休人员"
    RESIDENT_ADULT = "41", "城乡居民（成年）"
    RESIDENT_CHILD = "42", "城乡居民（未成年）"
    STUDENT = "43", "在校大学生"
    FLEXIBLE = "51", "灵活就业人员"


@track_history()
class PolicyParameter(TrackedModel, ValidityPeriodModel):
    name = models.CharField("名称", max_length=100, help_text="说明来源，如“SET-1 示例（seed 003）”")
    insured_region = models.CharField(
        "参保地区划",
        max_length=6,
        help_text="6 位行政区划代码；查找顺序：本级 → 地市（xxxx00）→ 省（xx0000）",
    )
    insurance_type = models.CharField("险种 insutype", max_length=6, help_text="如 310 职工、390 城乡居民")
    care_type = models.CharField("就医类别", max_length=20, choices=CareType.choices)
    person_type = models.CharField(
        "人员类别",
        max_length=2,
        choices=PolicyPersonType.choices,
        blank=True,
        default="",
        help_text="留空表示该险种各类人员通用；有本类别专门的版本时优先使用（按就医日的人员类别）",
    )
    hospital_tier = models.PositiveSmallIntegerField(
        "医院等级", null=True, blank=True, help_text="3/2/1；留空表示各等级通用"
    )
    deductible = models.DecimalField("起付线", max_digits=14, decimal_places=2)
    deductible_period = models.CharField(
        "起付线计算周期", max_length=20, choices=DeductiblePeriod.choices, default=DeductiblePeriod.PER_YEAR
    )
    later_admission_deductible = models.DecimalField(
        "第二次及以后住院起付线",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="同一结算年度内第二次及以后住院的起付线；留空表示与首次相同",
    )
    benefit_period_days = models.PositiveSmallIntegerField(
        "待遇享受期天数", default=90, help_text="起付线按待遇享受期计算时：自开启该期的入院日起的天数"
    )
    counter_care_type = models.CharField(
        "累计计数器",
        max_length=20,
        choices=CareType.choices,
        blank=True,
        default="",
        help_text="起付线和封顶线与哪类就医共用一个年度累计；留空表示本就医类别单独累计",
    )
    fund_pay_type = models.CharField(
        "统筹基金支付类型", max_length=6, blank=True, help_text="国家基金支付类型代码；留空为“险种+100”"
    )
    year_start_month = models.PositiveSmallIntegerField("结算年度起始月", default=1)
    year_start_day = models.PositiveSmallIntegerField("结算年度起始日", default=1)
    fund_ratio = models.DecimalField("统筹支付比例", max_digits=5, decimal_places=4)
    annual_cap = models.DecimalField("年度封顶线", max_digits=14, decimal_places=2, null=True, blank=True)
    default_b_self_pay_ratio = models.DecimalField(
        "乙类先行自付比例（默认）", max_digits=5, decimal_places=4, default=Decimal("0.1000")
    )
    referred_extra_share = models.DecimalField(
        "转诊个人负担增加",
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.0500"),
        help_text="SET-6：+5 个百分点",
    )
    unreferred_tier23_extra_share = models.DecimalField(
        "未转诊至二三级机构个人负担增加",
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.1000"),
        help_text="SET-6：+10 个百分点",
    )
    referral_first_self_pay_ratio = models.DecimalField(
        "转外就医先行自付比例",
        max_digits=5,
        decimal_places=4,
        default=Decimal("0"),
        help_text="SET-6 少儿转京沪 10%",
    )
    tier_when_unknown = models.PositiveSmallIntegerField(
        "无等级证明时按等级", default=3, help_text="SET-4：不能提供医疗机构等级证明的，按三级执行"
    )

    class Meta(ValidityPeriodModel.Meta):
        verbose_name = "结算政策参数"
        verbose_name_plural = "结算政策参数"
        ordering = [
            "insured_region",
            "insurance_type",
            "person_type",
            "care_type",
            "hospital_tier",
            "-effective_from",
        ]
        constraints = [
            *ValidityPeriodModel.Meta.constraints,
            models.UniqueConstraint(
                fields=[
                    "insured_region",
                    "insurance_type",
                    "person_type",
                    "care_type",
                    "hospital_tier",
                    "effective_from",
                ],
                name="settlement_policy_one_version_per_start_and_type",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=models.Q(fund_ratio__gte=0, fund_ratio__lte=1),
                name="settlement_policy_fund_ratio_0_1",
            ),
            models.CheckConstraint(
                condition=models.Q(deductible__gte=0), name="settlement_policy_deductible_ge_0"
            ),
        ]

    def __str__(self) -> str:
        who = self.get_person_type_display() if self.person_type else "各类人员"
        return (
            f"{self.name}（{self.insured_region} {self.insurance_type} {who} {self.get_care_type_display()}）"
        )

    @property
    def counter(self) -> str:
        """The care type whose year-to-date counter this policy's deductible and cap count against."""
        return self.counter_care_type or self.care_type

    @property
    def basic_fund_pay_type(self) -> str:
        return self.fund_pay_type or f"{self.insurance_type}100"

    @property
    def in_use(self) -> bool:
        return self.pk is not None and self.effective_from <= timezone.localdate()

    def clean(self) -> None:
        if self.in_use:
            stored = type(self).objects.get(pk=self.pk)
            changed = [
                f.name
                for f in self._meta.concrete_fields
                if f.name not in {"effective_to", "updated_at", "updated_by"}
                and getattr(stored, f.attname) != getattr(self, f.attname)
            ]
            if changed:
                raise ValidationError("已生效的政策版本不得修改（SET-3），请新增一个更晚生效的版本。")


class PolicyBand(models.Model):
    """A fund-ratio band (分段) of a policy version, over this settlement's fund base."""

    policy = models.ForeignKey(PolicyParameter, on_delete=models.CASCADE, related_name="bands")
    lower = models.DecimalField("下限", max_digits=14, decimal_places=2)
    upper = models.DecimalField("上限", max_digits=14, decimal_places=2, null=True, blank=True)
    fund_ratio = models.DecimalField("统筹支付比例", max_digits=5, decimal_places=4)

    class Meta:
        verbose_name = "分段比例"
        verbose_name_plural = "分段比例"
        ordering = ["lower"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(upper__isnull=True) | models.Q(upper__gt=models.F("lower")),
                name="settlement_band_upper_gt_lower",
            )
        ]

    def __str__(self) -> str:
        return f"{self.lower}–{self.upper or '∞'}：{self.fund_ratio}"


class FundLayer(models.Model):
    """A fund stacked on the basic pooled fund of a policy version (issue 18, SET-8): 大额 (hifob) and
    居民大病 (hifmi) above the basic annual cap, 公务员补助 (cvlserv) and 医疗救助 (maf) on what remains the
    person's within scope, or the hospital's share. Versioned with its policy row (region, insurance
    type, person type, care type, date); each has its own deductible, ratio bands and annual cap."""

    class Kind(models.TextChoices):
        LARGE_EXPENSE = "hifob", "大额医疗费用补助"
        SERIOUS_ILLNESS = "hifmi", "城乡居民大病保险"
        CIVIL_SERVANT = "cvlserv", "公务员医疗补助"
        ASSISTANCE = "maf", "医疗救助"
        HOSPITAL = "hospital", "医院负担"

    class Base(models.TextChoices):
        ABOVE_BASIC_CAP = "above_basic_cap", "基本统筹封顶线以上的费用"
        PERSONAL_IN_SCOPE = "personal_in_scope", "政策范围内仍由个人负担的部分"

    class Eligibility(models.TextChoices):
        EVERYONE = "everyone", "本政策的所有参保人"
        ENROLLED_330 = "enrolled_330", "参加大额医疗费用补助（330）者"
        ENROLLED_320 = "enrolled_320", "享受公务员医疗补助（320）者"
        ASSISTANCE = "assistance", "医疗救助对象（在有效期内）"

    # The setlinfo amount each kind answers (CENTER-INTERFACE §2304).
    CENTER_FIELDS = {
        "hifob": "hifob_pay",
        "hifmi": "hifmi_pay",
        "cvlserv": "cvlserv_pay",
        "maf": "maf_pay",
        "hospital": "hosp_part_amt",
    }

    policy = models.ForeignKey(PolicyParameter, on_delete=models.CASCADE, related_name="layers")
    kind = models.CharField("基金层次", max_length=10, choices=Kind.choices)
    fund_pay_type = models.CharField(
        "基金支付类型", max_length=6, help_text="国家代码，如 330100、320100、610100"
    )
    base = models.CharField("支付基数", max_length=20, choices=Base.choices)
    eligibility = models.CharField("适用人员", max_length=20, choices=Eligibility.choices)
    deductible = models.DecimalField("起付线（年度）", max_digits=14, decimal_places=2, default=Decimal("0"))
    annual_cap = models.DecimalField("年度最高支付", max_digits=14, decimal_places=2, null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField("计算顺序", default=0)

    class Meta:
        verbose_name = "基金支付层次"
        verbose_name_plural = "基金支付层次"
        ordering = ["policy", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "fund_pay_type"], name="fund_layer_one_per_type"),
            models.CheckConstraint(condition=models.Q(deductible__gte=0), name="fund_layer_deductible_ge_0"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.fund_pay_type}）"


class FundLayerBand(models.Model):
    layer = models.ForeignKey(FundLayer, on_delete=models.CASCADE, related_name="bands")
    lower = models.DecimalField("下限", max_digits=14, decimal_places=2)
    upper = models.DecimalField("上限", max_digits=14, decimal_places=2, null=True, blank=True)
    fund_ratio = models.DecimalField("支付比例", max_digits=5, decimal_places=4)

    class Meta:
        verbose_name = "基金层次分段比例"
        verbose_name_plural = "基金层次分段比例"
        ordering = ["lower"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(upper__isnull=True) | models.Q(upper__gt=models.F("lower")),
                name="fund_layer_band_upper_gt_lower",
            ),
            models.CheckConstraint(
                condition=models.Q(fund_ratio__gte=0, fund_ratio__lte=1), name="fund_layer_band_ratio_0_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lower}–{self.upper or '∞'}：{self.fund_ratio}"


@track_history()
class MedicalAssistanceEligibility(TrackedModel, ValidityPeriodModel):
    """医疗救助对象 (低保、特困 …) for a period, as the civil-affairs list says; the 医疗救助 layer pays
    only within it."""

    person = models.ForeignKey(
        "insured.InsuredPerson",
        verbose_name="参保人",
        on_delete=models.PROTECT,
        related_name="assistance_eligibilities",
    )
    category = models.CharField("救助类别", max_length=40, help_text="如 特困供养人员、最低生活保障对象")

    class Meta(ValidityPeriodModel.Meta):
        verbose_name = "医疗救助对象"
        verbose_name_plural = "医疗救助对象"

    def __str__(self) -> str:
        return f"{self.person_id} {self.category}"


@track_history()
class TransferDeductible(TrackedModel):
    """SET-7: a stay transferred in from another hospital — the first hospital's deductible standard and
    what the patient paid there, so the two stays bear one deductible, the higher standard."""

    stay = models.OneToOneField(
        "admission.Stay", verbose_name="住院", on_delete=models.PROTECT, related_name="transfer_deductible"
    )
    first_hospital_code = models.CharField("转出医院编码", max_length=30, blank=True)
    first_hospital_name = models.CharField("转出医院", max_length=100)
    first_standard = models.DecimalField("转出医院起付标准", max_digits=14, decimal_places=2)
    first_paid = models.DecimalField("在转出医院已付起付线", max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = "转院起付线（SET-7）"
        verbose_name_plural = "转院起付线（SET-7）"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_standard__gte=0, first_paid__gte=0),
                name="transfer_deductible_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(first_paid__lte=models.F("first_standard")),
                name="transfer_deductible_paid_le_standard",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stay_id} ← {self.first_hospital_name}"


# --- Settlements (issue 12) -------------------------------------------------------------------

MONEY = {"max_digits": 14, "decimal_places": 2}


class Accumulator(models.Model):
    """A person's year-to-date deductible and fund payments per insurance type, counter (the care type
    whose counter the policy uses: inpatient, ordinary outpatient, chronic …) and settlement year;
    each further fund layer's payments and deductible by fund_pay_type in `layers`.

    The center's figures are authoritative (they include other hospitals); this row is the
    hospital's explanation and cross-check, changed only in the settle and reverse transactions,
    each change an AccumulatorEntry.
    """

    person = models.ForeignKey(
        "insured.InsuredPerson", verbose_name="参保人", on_delete=models.PROTECT, related_name="accumulators"
    )
    insutype = models.CharField("险种", max_length=6)
    care_type = models.CharField(
        "累计类别", max_length=20, choices=CareType.choices, default=CareType.INPATIENT
    )
    period_start = models.DateField("结算年度起始日")
    deductible_used = models.DecimalField("已付起付线", **MONEY, default=Decimal("0"))
    fund_paid = models.DecimalField("统筹已支付", **MONEY, default=Decimal("0"))
    layers = models.JSONField(
        "各基金层次累计", default=dict, blank=True, help_text='{"330100": {"paid": "…", "deductible": "…"}}'
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "年度累计"
        verbose_name_plural = "年度累计"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "insutype", "care_type", "period_start"],
                name="accumulator_unique_counter_period",
            ),
            models.CheckConstraint(
                condition=models.Q(deductible_used__gte=0, fund_paid__gte=0), name="accumulator_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.insutype} {self.care_type} {self.period_start}"


@track_history()
class Settlement(TrackedModel):
    """One settlement (结算) of a stay or outpatient visit, or its counter-entry (reversal_of).

    Amounts follow the NHSA names; the identities total = full_self_pay + over_limit_self_pay +
    pre_self_pay + in_scope and personal_burden = total − fund_pay_total − hospital_share, cash_pay =
    personal_burden − personal_account_pay hold on every row (database constraints).
    """

    class Kind(models.TextChoices):
        INPATIENT = "inpatient", "住院"
        OUTPATIENT = "outpatient", "门诊"

    class Mode(models.TextChoices):
        CENTER = "center", "医保中心联网结算"
        SELF_PAY = "self_pay", "全自费（中心或设备故障，SET-10）"

    class Status(models.TextChoices):
        PENDING = "pending", "结算中"
        SETTLED = "settled", "已结算"
        FAILED = "failed", "未成功"
        REVERSING = "reversing", "撤销中"
        REVERSED = "reversed", "已撤销"
        REVERSAL = "reversal", "撤销冲销记录"
        RESETTLING = "resettling", "重新结算中（SET-10）"
        RESETTLED = "resettled", "已重新结算（SET-10）"

    # Statuses that hold money (the active settlement of a stay or visit).
    ACTIVE = ("pending", "settled", "reversing")
    # A call to the center is under way or its outcome is not yet known: nothing else may start.
    IN_FLIGHT = ("pending", "reversing", "resettling")
    ALLOWED_TRANSITIONS = {
        Status.PENDING: {Status.SETTLED, Status.FAILED},
        Status.SETTLED: {Status.REVERSING, Status.REVERSED, Status.RESETTLING},
        Status.REVERSING: {Status.SETTLED, Status.REVERSED},  # the center's answer decides
        Status.RESETTLING: {Status.SETTLED, Status.RESETTLED},  # SET-10: back if the re-settle fails
        Status.FAILED: set(),
        Status.REVERSED: set(),
        Status.REVERSAL: set(),
        Status.RESETTLED: set(),
    }
    IDEMPOTENCY_KEY_MAX = 200

    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    mode = models.CharField("方式", max_length=10, choices=Mode.choices, default=Mode.CENTER)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    stay = models.ForeignKey(
        "admission.Stay",
        verbose_name="住院",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="settlements",
    )
    visit = models.ForeignKey(
        "settlement.OutpatientVisit",
        verbose_name="门诊就诊",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="settlements",
    )
    person = models.ForeignKey(
        "insured.InsuredPerson", verbose_name="参保人", on_delete=models.PROTECT, related_name="settlements"
    )
    insutype = models.CharField("险种", max_length=6, blank=True)
    med_type = models.CharField("医疗类别", max_length=6)
    is_final = models.BooleanField("最终结算", default=True, help_text="否：中途结算（mid_setl_flag）")
    covers_to = models.DateField("费用截止日期", help_text="本次结算包含此日及以前、未结算的费用")
    idempotency_key = models.CharField("幂等键", max_length=200, null=True, blank=True, unique=True)
    reversal_of = models.OneToOneField(
        "self",
        verbose_name="冲销原结算",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )
    resettlement_of = models.ForeignKey(
        "self",
        verbose_name="重新结算的原自费结算",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resettlements",
        help_text="SET-10：一次重新结算失败后可再试，每次一行",
    )
    # The center's identifiers and clearing data.
    setl_id = models.CharField("结算ID", max_length=30, blank=True)
    mdtrt_id = models.CharField("就诊ID", max_length=30, blank=True)
    medins_setl_id = models.CharField(
        "医药机构结算ID",
        max_length=40,
        unique=True,
        help_text="= 结算请求的报文ID（接口规定 30 位；早期记录最长 33 位）",
    )
    msgid = models.CharField("结算报文ID", max_length=30, blank=True)
    reversal_msgid = models.CharField("撤销报文ID", max_length=30, blank=True)
    failure = models.JSONField(
        "未成功原因", default=dict, blank=True, help_text="{code, message, rule}：同一幂等键重试时原样答复"
    )
    clr_type = models.CharField("清算类别", max_length=6, blank=True)
    clr_way = models.CharField("清算方式", max_length=6, blank=True)
    clr_optins = models.CharField("清算经办机构", max_length=6, blank=True)
    insuplc_admdvs = models.CharField("参保地区划", max_length=6, blank=True)
    # Amounts (reversals carry them negated).
    total = models.DecimalField("医疗费总额", **MONEY, default=Decimal("0"))
    full_self_pay = models.DecimalField("全自费金额", **MONEY, default=Decimal("0"))
    over_limit_self_pay = models.DecimalField("超限价自费", **MONEY, default=Decimal("0"))
    pre_self_pay = models.DecimalField("先行自付", **MONEY, default=Decimal("0"))
    in_scope = models.DecimalField("符合政策范围", **MONEY, default=Decimal("0"))
    deductible_paid = models.DecimalField("实际支付起付线", **MONEY, default=Decimal("0"))
    fund_ratio = models.DecimalField("统筹支付比例", max_digits=5, decimal_places=4, default=Decimal("0"))
    fund_pay = models.DecimalField("统筹基金支出", **MONEY, default=Decimal("0"))
    fund_pay_total = models.DecimalField("基金支付总额", **MONEY, default=Decimal("0"))
    hospital_share = models.DecimalField("医院负担", **MONEY, default=Decimal("0"))
    personal_burden = models.DecimalField("个人负担总额", **MONEY, default=Decimal("0"))
    personal_account_pay = models.DecimalField("个人账户支出", **MONEY, default=Decimal("0"))
    cash_pay = models.DecimalField("个人现金支出", **MONEY, default=Decimal("0"))
    account_balance_after = models.DecimalField("结算后账户余额", **MONEY, null=True, blank=True)
    use_personal_account = models.BooleanField("使用个人账户", default=True)
    local_calculation = models.JSONField("本院计算", default=dict, blank=True)
    center_answer = models.JSONField("中心结算结果", default=dict, blank=True)
    mismatch = models.JSONField("与中心不一致的字段", default=list, blank=True)
    needs_review = models.BooleanField("待医保办核对", default=False)
    reason = models.CharField("说明/撤销原因", max_length=300, blank=True)
    settled_at = models.DateTimeField("结算时间", null=True, blank=True)

    class Meta:
        verbose_name = "结算"
        verbose_name_plural = "结算"
        ordering = ["-created_at"]
        constraints = [
            # One active final settlement per stay and per visit: a second settle is refused.
            models.UniqueConstraint(
                fields=["stay"],
                condition=models.Q(
                    status__in=["pending", "settled", "reversing"], is_final=True, stay__isnull=False
                ),
                name="settlement_one_active_final_per_stay",
            ),
            models.UniqueConstraint(
                fields=["visit"],
                condition=models.Q(status__in=["pending", "settled", "reversing"], visit__isnull=False),
                name="settlement_one_active_per_visit",
            ),
            # Never a second call to the center for a stay before the first is resolved (mid-stay too).
            models.UniqueConstraint(
                fields=["stay"],
                condition=models.Q(status__in=["pending", "reversing"], stay__isnull=False),
                name="settlement_one_in_flight_per_stay",
            ),
            models.UniqueConstraint(
                fields=["resettlement_of"],
                condition=models.Q(status__in=["pending", "settled"], resettlement_of__isnull=False),
                name="settlement_one_active_resettlement",
            ),
            models.CheckConstraint(
                condition=models.Q(stay__isnull=False) | models.Q(visit__isnull=False),
                name="settlement_has_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    total=models.F("full_self_pay")
                    + models.F("over_limit_self_pay")
                    + models.F("pre_self_pay")
                    + models.F("in_scope")
                ),
                name="settlement_total_is_its_parts",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    personal_burden=models.F("total")
                    - models.F("fund_pay_total")
                    - models.F("hospital_share")
                ),
                name="settlement_personal_burden_identity",
            ),
            models.CheckConstraint(
                condition=models.Q(cash_pay=models.F("personal_burden") - models.F("personal_account_pay")),
                name="settlement_cash_identity",
            ),
        ]
        indexes = [models.Index(fields=["person", "-created_at"], name="settlement_person_recent")]

    def __str__(self) -> str:
        return f"{self.medins_setl_id} {self.get_status_display()} {self.total}"


class SettlementFund(models.Model):
    """Payers of a settlement by fund type (setldetail): 310100 employees' pooled fund, 310200 personal
    account, 390100 residents' pooled fund …; further layers are new rows, not new columns (SET-8)."""

    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="funds")
    fund_pay_type = models.CharField("基金支付类型", max_length=10)
    fund_pay_type_name = models.CharField("名称", max_length=50)
    fund_payamt = models.DecimalField("支付金额", **MONEY)
    inscp_scp_amt = models.DecimalField("符合政策范围金额", **MONEY, default=Decimal("0"))

    class Meta:
        verbose_name = "结算基金分项"
        verbose_name_plural = "结算基金分项"
        constraints = [
            models.UniqueConstraint(
                fields=["settlement", "fund_pay_type"], name="settlement_fund_unique_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.fund_pay_type} {self.fund_payamt}"


class AccumulatorEntry(models.Model):
    """Each change of an accumulator: a settlement adds, its reversal subtracts (SET-9)."""

    accumulator = models.ForeignKey(Accumulator, on_delete=models.PROTECT, related_name="entries")
    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="accumulator_entries")
    deductible_delta = models.DecimalField("起付线变动", **MONEY)
    fund_delta = models.DecimalField("统筹支付变动", **MONEY)
    layer_deltas = models.JSONField("各基金层次变动", default=dict, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "年度累计变动"
        verbose_name_plural = "年度累计变动"
        constraints = [
            models.UniqueConstraint(fields=["accumulator", "settlement"], name="accumulator_entry_once")
        ]

    def __str__(self) -> str:
        return f"{self.settlement_id} {self.deductible_delta} {self.fund_delta}"


class SelfPayRefund(TrackedModel):
    """SET-10: after re-settling a self-paid settlement, the cash paid beyond the patient's share is
    refunded — once, on the clerk's action (one row per re-settlement)."""

    original = models.OneToOneField(Settlement, on_delete=models.PROTECT, related_name="self_pay_refund")
    resettlement = models.OneToOneField(Settlement, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField("退还现金", **MONEY)
    receipt_no = models.CharField("退款凭证号", max_length=30, unique=True)

    class Meta:
        verbose_name = "重新结算退款"
        verbose_name_plural = "重新结算退款"
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=0), name="refund_not_negative")]

    def __str__(self) -> str:
        return f"{self.receipt_no} {self.amount}"


@track_history()
class ChronicDiseaseFiling(TrackedModel, ValidityPeriodModel):
    """SET-5: a person's filed and approved chronic/special disease (门诊慢特病); the chronic ratio
    applies only to visits for this disease within the approval's validity."""

    person = models.ForeignKey(
        "insured.InsuredPerson",
        verbose_name="参保人",
        on_delete=models.PROTECT,
        related_name="chronic_filings",
    )
    disease_code = models.CharField("病种/诊断代码", max_length=20)
    disease_name = models.CharField("病种名称", max_length=100)
    approved_by_center = models.BooleanField("医保中心已核准", default=True)

    class Meta(ValidityPeriodModel.Meta):
        verbose_name = "门诊慢特病备案"
        verbose_name_plural = "门诊慢特病备案"

    def __str__(self) -> str:
        return f"{self.person_id} {self.disease_code} {self.disease_name}"


class FundPayType(models.Model):
    """基金支付类型 fund_pay_type (CENTER-INTERFACE §7.2): names for payer rows, never guessed."""

    code = models.CharField("代码", max_length=6, unique=True)
    name = models.CharField("名称", max_length=60)

    class Meta:
        verbose_name = "基金支付类型"
        verbose_name_plural = "基金支付类型"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


@track_history()
class OutpatientVisit(TrackedModel):
    """An outpatient visit (med_type 11 普通门诊, 13 急诊, 14 门诊慢特病) registered after a card read.
    ADM-8: several card uses by one person on one day are one visit."""

    class Status(models.TextChoices):
        OPEN = "open", "就诊中"
        SETTLED = "settled", "已结算"
        CANCELLED = "cancelled", "已撤销"

    ALLOWED_TRANSITIONS = {
        Status.OPEN: {Status.SETTLED, Status.CANCELLED},
        Status.SETTLED: {Status.OPEN},  # SET-9: a reversed settlement reopens the visit
        Status.CANCELLED: set(),
    }

    person = models.ForeignKey(
        "insured.InsuredPerson",
        verbose_name="患者",
        on_delete=models.PROTECT,
        related_name="outpatient_visits",
    )
    visit_no = models.CharField("门诊号", max_length=30, unique=True)
    visit_date = models.DateField("就诊日期")
    med_type = models.CharField("医疗类别", max_length=4)
    insutype = models.CharField("险种", max_length=6)
    department = models.ForeignKey(
        "hospital.Department", verbose_name="科室", on_delete=models.PROTECT, related_name="+"
    )
    doctor = models.ForeignKey(
        "hospital.Practitioner", verbose_name="医师", on_delete=models.PROTECT, related_name="+"
    )
    disease_code = models.CharField("病种代码", max_length=20, blank=True, help_text="门诊慢特病（14）必填")
    mdtrt_cert_type = models.CharField("就诊凭证类型", max_length=3)
    mdtrt_cert_no = models.CharField("就诊凭证编号", max_length=50)
    mdtrt_id = models.CharField("就诊ID（中心）", max_length=30, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)

    class Meta:
        verbose_name = "门诊就诊"
        verbose_name_plural = "门诊就诊"
        ordering = ["-visit_date", "-id"]
        constraints = [
            # ADM-8: one visit per person, day and medical type.
            models.UniqueConstraint(
                fields=["person", "visit_date", "med_type"],
                condition=~models.Q(status="cancelled"),
                name="outpatient_one_visit_per_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.visit_no} {self.person_id}"


class OutpatientConsent(TrackedModel):
    """FEE-4 at the window: the patient's signed 自费项目协议书 for a self-paid item of this visit."""

    visit = models.ForeignKey(OutpatientVisit, on_delete=models.PROTECT, related_name="consents")
    hospital_item = models.ForeignKey(
        "drug_catalog.HospitalItem", verbose_name="项目", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField("自费原因", max_length=200, blank=True)
    signer = models.CharField("签字人", max_length=50, help_text="患者本人或其亲属")
    signed_at = models.DateTimeField("签字时间")

    class Meta:
        verbose_name = "门诊自费项目协议"
        verbose_name_plural = "门诊自费项目协议"
        constraints = [
            models.UniqueConstraint(fields=["visit", "hospital_item"], name="outpatient_consent_one_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.hospital_item_id} {self.signer}"
