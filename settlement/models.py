"""Settlement policy parameters (SET-3): versioned by insured region, scheme, care type, tier and date.

A version in use is never edited: once its effective date has come, only closing it (setting
`effective_to`) is allowed; changes are a new version with a later `effective_from`.
"""

from decimal import Decimal

from django.conf import settings
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
    hospital_tier = models.PositiveSmallIntegerField(
        "医院等级", null=True, blank=True, help_text="3/2/1；留空表示各等级通用"
    )
    deductible = models.DecimalField("起付线", max_digits=14, decimal_places=2)
    deductible_period = models.CharField(
        "起付线计算周期", max_length=20, choices=DeductiblePeriod.choices, default=DeductiblePeriod.PER_YEAR
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
        ordering = ["insured_region", "insurance_type", "care_type", "hospital_tier", "-effective_from"]
        constraints = [
            *ValidityPeriodModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["insured_region", "insurance_type", "care_type", "hospital_tier", "effective_from"],
                name="settlement_policy_one_version_per_start",
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
        return f"{self.name}（{self.insured_region} {self.insurance_type} {self.get_care_type_display()}）"

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


class CenterExchange(models.Model):
    """One message exchanged with the insurance center: request, reply, timing, retries (PII masked).

    Written outside the business transaction, so the log survives a rollback of the work it served.
    """

    class Status(models.TextChoices):
        SENDING = "sending", "发送中"
        OK = "ok", "成功"
        REJECTED = "rejected", "中心拒绝"
        TIMEOUT = "timeout", "超时"
        UNAVAILABLE = "unavailable", "中心不可用"
        GARBLED = "garbled", "报文无法解析"

    msgid = models.CharField("发送方报文ID", max_length=30, unique=True)
    infno = models.CharField("交易编号", max_length=6, db_index=True)
    subject = models.CharField(
        "业务对象", max_length=60, blank=True, db_index=True, help_text="如 admission:12"
    )
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.SENDING)
    request = models.JSONField("请求报文（已脱敏）")
    response = models.JSONField("应答报文（已脱敏）", null=True, blank=True)
    infcode = models.IntegerField("infcode", null=True, blank=True)
    inf_refmsgid = models.CharField("接收方报文ID", max_length=40, blank=True)
    err_msg = models.TextField("错误信息", blank=True)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    started_at = models.DateTimeField("开始时间", auto_now_add=True, db_index=True)
    duration_ms = models.PositiveIntegerField("耗时（毫秒）", null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "中心交易日志"
        verbose_name_plural = "中心交易日志"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.infno} {self.msgid} {self.get_status_display()}"
