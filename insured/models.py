"""Insured persons (参保人员): registry, enrollments, credentials, readers, sanctions, access log.

Invariants the database holds (the services give the friendly message first):
- INS-3: one active enrollment per person and insurance type; one active *basic* scheme per person
  (partial unique indexes); a supplementary layer is refused without an active basic scheme, and the
  `is_basic` copy on an enrollment always follows its insurance type (a trigger).
- INS-4: a sanction's period is valid and its lifting carries a reason.
"""

from __future__ import annotations

import datetime
import secrets

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import TrackedModel, ValidityPeriodModel, track_history
from insured.identity import GENDER_LABELS, FormatKind, GenderCode
from insured.rules import ViolationCategory, measure_labels

ADMDVS_REGEX = r"^[0-9]{6}$"


class CodeTable(models.Model):
    """A national code table row, admin-editable; rows are deactivated, never deleted."""

    code = models.CharField("代码", max_length=6, unique=True)
    name = models.CharField("名称", max_length=50)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        abstract = True
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CertificateType(CodeTable):
    """National psn_cert_type (人员证件类型): 01 居民身份证 … 99 其他."""

    format_kind = models.CharField(
        "号码校验方式",
        max_length=20,
        choices=[(k.value, k.label) for k in FormatKind],
        default=FormatKind.OTHER,
    )

    class Meta(CodeTable.Meta):
        verbose_name = "人员证件类型"
        verbose_name_plural = "人员证件类型"


class InsuranceType(CodeTable):
    """National insutype (险种类型). `is_basic`: 310/340/390 (INS-3); the rest stack on a basic scheme."""

    is_basic = models.BooleanField("基本医疗保险", default=False)
    has_personal_account = models.BooleanField("有个人账户", default=False)

    class Meta(CodeTable.Meta):
        verbose_name = "险种类型"
        verbose_name_plural = "险种类型"


class PersonType(CodeTable):
    """psn_type (人员类别): 在职、退休、离休、居民 … (local codes, admin-editable)."""

    class Meta(CodeTable.Meta):
        verbose_name = "人员类别"
        verbose_name_plural = "人员类别"


@track_history()
class InsuredPerson(TrackedModel):
    """A person in the local registry, keyed by the center's psn_no."""

    psn_no = models.CharField("人员编号", max_length=30, unique=True)
    psn_cert_type = models.ForeignKey(CertificateType, verbose_name="证件类型", on_delete=models.PROTECT)
    certno = models.CharField("证件号码", max_length=50)
    name = models.CharField("姓名", max_length=50)
    name_initials = models.CharField(
        "姓名拼音首字母", max_length=50, blank=True, db_index=True, editable=False
    )
    name_pinyin = models.CharField("姓名拼音", max_length=200, blank=True, editable=False)
    gender = models.CharField("性别", max_length=1, choices=[(g.value, GENDER_LABELS[g]) for g in GenderCode])
    birth_date = models.DateField("出生日期")
    phone = models.CharField("联系电话", max_length=20, blank=True)
    insuplc_admdvs = models.CharField("参保地医保区划", max_length=6)

    class Meta:
        verbose_name = "参保人员"
        verbose_name_plural = "参保人员"
        ordering = ["psn_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["psn_cert_type", "certno"], name="insured_person_unique_certificate"
            ),
            models.CheckConstraint(
                condition=Q(insuplc_admdvs__regex=ADMDVS_REGEX),
                name="insured_person_admdvs_six_digits",
                violation_error_message="参保地区划应为 6 位数字。",
            ),
            models.CheckConstraint(
                condition=Q(gender__in=[g.value for g in GenderCode]), name="insured_person_gender_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.psn_no}）"

    def save(self, *args, **kwargs):
        from core.text import name_keys

        self.name_pinyin, self.name_initials = name_keys(self.name)
        super().save(*args, **kwargs)

    @property
    def is_local(self) -> bool:
        """Insured in the hospital's city (same first 4 digits of admdvs) — else remote (异地)."""
        return self.insuplc_admdvs[:4] == settings.HOSPITAL["REGION_CODE"][:4]

    def age_on(self, day: datetime.date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@track_history()
class Enrollment(TrackedModel):
    """One insured record (参保信息): a person in one insurance type for a period."""

    class Status(models.TextChoices):
        ACTIVE = "active", "正常参保"
        SUSPENDED = "suspended", "暂停参保"
        TERMINATED = "terminated", "终止参保"

    person = models.ForeignKey(
        InsuredPerson, verbose_name="参保人员", on_delete=models.PROTECT, related_name="enrollments"
    )
    insutype = models.ForeignKey(InsuranceType, verbose_name="险种类型", on_delete=models.PROTECT)
    is_basic = models.BooleanField(
        "基本医疗保险", default=False, editable=False, help_text="由险种类型决定（触发器维护）"
    )
    psn_type = models.ForeignKey(PersonType, verbose_name="人员类别", on_delete=models.PROTECT)
    status = models.CharField("参保状态", max_length=12, choices=Status.choices, default=Status.ACTIVE)
    start_date = models.DateField("参保日期")
    end_date = models.DateField("终止日期", null=True, blank=True)
    balance = models.DecimalField(
        "个人账户余额",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="无个人账户的险种留空",
    )
    direct_settlement_allowed = models.BooleanField(
        "允许直接结算", default=True, help_text="INS-5：否则出院时全额自付、交付材料后回参保地报销"
    )
    emp_name = models.CharField("单位名称", max_length=200, blank=True)

    class Meta:
        verbose_name = "参保记录"
        verbose_name_plural = "参保记录"
        ordering = ["person", "-is_basic", "insutype__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "insutype"],
                condition=Q(status="active"),
                name="insured_enrollment_one_active_per_insutype",
                violation_error_message="INS-3：同一险种只能有一条有效参保记录。",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="active", is_basic=True),
                name="insured_enrollment_one_active_basic",
                violation_error_message="INS-3：同一人只能参加一项基本医疗保险。",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="insured_enrollment_period_valid",
            ),
            models.CheckConstraint(
                condition=Q(balance__isnull=True) | Q(balance__gte=0),
                name="insured_enrollment_balance_not_negative",
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="enrollment_ins3_layers",
                operation=pgtrigger.Insert | pgtrigger.Update,
                when=pgtrigger.Before,
                func="""
                    SELECT is_basic INTO NEW.is_basic FROM insured_insurancetype WHERE id = NEW.insutype_id;
                    IF NEW.status = 'active' AND NOT NEW.is_basic AND NOT EXISTS (
                        SELECT 1 FROM insured_enrollment e
                        WHERE e.person_id = NEW.person_id AND e.status = 'active' AND e.is_basic
                          AND e.id IS DISTINCT FROM NEW.id
                    ) THEN
                        RAISE EXCEPTION 'INS-3: supplementary insurance needs an active basic scheme'
                            USING ERRCODE = 'check_violation';
                    END IF;
                    RETURN NEW;
                """,
            )
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.insutype}（{self.get_status_display()}）"


@track_history()
class Credential(TrackedModel):
    """A medical credential read at the window, by national mdtrt_cert_type."""

    class Type(models.TextChoices):
        E_VOUCHER = "01", "医保电子凭证"
        ID_CARD = "02", "居民身份证"
        SOCIAL_SECURITY_CARD = "03", "社会保障卡"

    class Status(models.TextChoices):
        ACTIVE = "active", "正常"
        LOST = "lost", "挂失"
        FROZEN = "frozen", "冻结"
        REPLACED = "replaced", "已换卡"

    person = models.ForeignKey(
        InsuredPerson, verbose_name="参保人员", on_delete=models.PROTECT, related_name="credentials"
    )
    mdtrt_cert_type = models.CharField("凭证类型", max_length=3, choices=Type.choices)
    number = models.CharField("凭证号码", max_length=50, help_text="mdtrt_cert_no：令牌、身份证号或社保卡号")
    card_sn = models.CharField("卡识别码", max_length=50, blank=True, help_text="card_sn，社保卡必填（1101）")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    issued_on = models.DateField("发放日期", null=True, blank=True)

    class Meta:
        verbose_name = "就医凭证"
        verbose_name_plural = "就医凭证"
        ordering = ["person", "mdtrt_cert_type", "-issued_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["mdtrt_cert_type", "number"],
                condition=Q(status="active"),
                name="insured_credential_one_active_per_number",
            ),
            models.CheckConstraint(
                condition=~Q(mdtrt_cert_type="03") | ~Q(card_sn=""),
                name="insured_credential_card_sn_for_ss_card",
                violation_error_message="社会保障卡必须登记卡识别码（card_sn）。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_mdtrt_cert_type_display()} {self.number}"


def new_reader_secret() -> str:
    return secrets.token_hex(16)


class CardReader(TrackedModel):
    """A registered reader at a window: keyboard-wedge card reader or e-voucher scanner (INS-1)."""

    class Kind(models.TextChoices):
        CARD = "card", "读卡器（社保卡/身份证）"
        SCANNER = "scanner", "电子凭证扫码器"

    reader_id = models.CharField("读卡器编号", max_length=30, unique=True)
    name = models.CharField("名称", max_length=50)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    location = models.CharField("位置", max_length=50, blank=True)
    is_active = models.BooleanField("启用", default=True)
    secret = models.CharField(
        "设备密钥",
        max_length=64,
        default=new_reader_secret,
        help_text="读卡器以此密钥为每次读卡签名（INS-1：读卡来源由设备证明）；更换设备时重置",
    )

    class Meta:
        verbose_name = "读卡设备"
        verbose_name_plural = "读卡设备"
        ordering = ["reader_id"]

    def __str__(self) -> str:
        return f"{self.reader_id} {self.name}"


class CardRead(models.Model):
    """One card read at the window and its confirmation (INS-1), with a delegated purchase's agent (INS-2)."""

    class Purpose(models.TextChoices):
        CARE = "care", "就医"
        DELEGATED_PURCHASE = "delegated_purchase", "委托代购药品"

    person = models.ForeignKey(
        InsuredPerson, verbose_name="参保人员", on_delete=models.PROTECT, related_name="+"
    )
    credential = models.ForeignKey(
        Credential, verbose_name="凭证", on_delete=models.PROTECT, related_name="reads"
    )
    reader = models.ForeignKey(
        CardReader, verbose_name="读卡器", on_delete=models.PROTECT, related_name="reads"
    )
    source = models.CharField("信息来源", max_length=20, default="local")
    purpose = models.CharField("用途", max_length=20, choices=Purpose.choices, default=Purpose.CARE)
    read_at = models.DateTimeField("读卡时间", auto_now_add=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+"
    )
    agent_cert_type = models.ForeignKey(
        CertificateType, verbose_name="代购人证件类型", on_delete=models.PROTECT, null=True, blank=True
    )
    agent_certno = models.CharField("代购人证件号码", max_length=50, blank=True)
    agent_name = models.CharField("代购人姓名", max_length=50, blank=True)
    agent_relation = models.CharField("与参保人关系", max_length=20, blank=True)
    confirmed_at = models.DateTimeField("人证卡一致确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    card_sn = models.CharField("卡识别码", max_length=50, blank=True)
    center_checked_at = models.DateTimeField("中心核验时间（1101）", null=True, blank=True)
    center_answer = models.JSONField(
        "中心人员信息（1101）", default=dict, blank=True, help_text="余额、人员类别、参保地（中心为准）"
    )
    center_message = models.CharField("中心核验说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "读卡记录"
        verbose_name_plural = "读卡记录"
        ordering = ["-read_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(purpose="delegated_purchase")
                | (Q(agent_cert_type__isnull=False) & ~Q(agent_certno="") & ~Q(agent_name="")),
                name="insured_cardread_agent_for_delegated_purchase",
                violation_error_message="INS-2：委托代购须登记代购人身份。",
            ),
            models.CheckConstraint(
                condition=(Q(confirmed_at__isnull=True) & Q(confirmed_by__isnull=True))
                | (Q(confirmed_at__isnull=False) & Q(confirmed_by__isnull=False)),
                name="insured_cardread_confirmation_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.read_at:%Y-%m-%d %H:%M} {self.person_id} {self.get_purpose_display()}"


@track_history()
class SanctionPolicy(ValidityPeriodModel, TrackedModel):
    """INS-4 table row (seed 000 §2–§4): category × fund-loss band → measures and months; dated versions."""

    category = models.CharField(
        "违规类别", max_length=3, choices=[(c.value, c.label) for c in ViolationCategory]
    )
    loss_min = models.DecimalField("基金损失下限（含）", max_digits=14, decimal_places=2, default=0)
    loss_max = models.DecimalField(
        "基金损失上限（不含）",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="留空表示无上限",
    )
    settlement_changed = models.BooleanField("改变结算方式", default=False)
    scope_restricted = models.BooleanField("限制就医范围", default=False)
    interview = models.BooleanField("约谈", default=False)
    key_monitoring = models.BooleanField("重点监控", default=False)
    judicial_referral = models.BooleanField("移送司法机关", default=False)
    duration_months = models.PositiveSmallIntegerField("期限（月）", null=True, blank=True)
    source = models.CharField("依据", max_length=100, blank=True)

    class Meta(ValidityPeriodModel.Meta):
        verbose_name = "参保人违规处理标准"
        verbose_name_plural = "参保人违规处理标准"
        ordering = ["-effective_from", "category", "loss_min"]
        constraints = [
            *ValidityPeriodModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(loss_max__isnull=True) | Q(loss_max__gt=models.F("loss_min")),
                name="insured_sanctionpolicy_band_valid",
            ),
            models.CheckConstraint(
                condition=Q(loss_min__gte=0), name="insured_sanctionpolicy_min_not_negative"
            ),
            models.UniqueConstraint(
                fields=["category", "loss_min", "effective_from"], name="insured_sanctionpolicy_unique_band"
            ),
        ]

    def __str__(self) -> str:
        upper = f"{self.loss_max}" if self.loss_max is not None else "∞"
        return f"{self.category} [{self.loss_min}, {upper}) {'、'.join(measure_labels(self))}"


@track_history()
class Sanction(TrackedModel):
    """A violation by an insured person and the INS-4 measures imposed (a snapshot of the policy row used)."""

    person = models.ForeignKey(
        InsuredPerson, verbose_name="参保人员", on_delete=models.PROTECT, related_name="sanctions"
    )
    category = models.CharField(
        "违规类别", max_length=3, choices=[(c.value, c.label) for c in ViolationCategory]
    )
    description = models.TextField("违规事实")
    evidence = models.TextField("证据材料", blank=True)
    fund_loss = models.DecimalField("基金损失（元）", max_digits=14, decimal_places=2)
    occurred_on = models.DateField("违规发生日期", null=True, blank=True)
    policy = models.ForeignKey(
        SanctionPolicy, verbose_name="适用标准", on_delete=models.PROTECT, related_name="+"
    )
    settlement_changed = models.BooleanField("改变结算方式", default=False)
    scope_restricted = models.BooleanField("限制就医范围", default=False)
    interview = models.BooleanField("约谈", default=False)
    key_monitoring = models.BooleanField("重点监控", default=False)
    judicial_referral = models.BooleanField("移送司法机关", default=False)
    start_date = models.DateField("开始日期")
    end_date = models.DateField(
        "结束日期（不含）", null=True, blank=True, help_text="到期自动结束；留空须人工解除"
    )
    lifted_on = models.DateField("提前解除日期", null=True, blank=True)
    lift_reason = models.TextField("解除原因", blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="解除人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "参保人违规处理"
        verbose_name_plural = "参保人违规处理"
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(fund_loss__gte=0), name="insured_sanction_loss_not_negative"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=models.F("start_date")),
                name="insured_sanction_period_valid",
            ),
            models.CheckConstraint(
                condition=Q(lifted_on__isnull=True) | (~Q(lift_reason="") & Q(lifted_by__isnull=False)),
                name="insured_sanction_lift_has_reason",
                violation_error_message="INS-4：提前解除须填写原因。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.get_category_display()[:3]} {self.start_date}"

    @classmethod
    def active_on_filter(cls, day: datetime.date) -> Q:
        """INS-4: in force on `day` — started, not past its end date, not lifted."""
        return (
            Q(start_date__lte=day)
            & (Q(end_date__isnull=True) | Q(end_date__gt=day))
            & (Q(lifted_on__isnull=True) | Q(lifted_on__gt=day))
        )

    def is_active_on(self, day: datetime.date) -> bool:
        return (
            self.start_date <= day
            and (self.end_date is None or self.end_date > day)
            and (self.lifted_on is None or self.lifted_on > day)
        )

    @property
    def last_day(self) -> datetime.date | None:
        return self.end_date - datetime.timedelta(days=1) if self.end_date else None

    @property
    def measure_labels(self) -> list[str]:
        return measure_labels(self)


class SanctionInstitution(models.Model):
    """INS-4 "scope restricted": an institution where the sanctioned person may still be treated."""

    sanction = models.ForeignKey(Sanction, on_delete=models.CASCADE, related_name="institutions")
    fixmedins_code = models.CharField("定点医药机构编号", max_length=30)
    fixmedins_name = models.CharField("机构名称", max_length=200)

    class Meta:
        verbose_name = "指定就医机构"
        verbose_name_plural = "指定就医机构"
        constraints = [
            models.UniqueConstraint(
                fields=["sanction", "fixmedins_code"], name="insured_sanction_unique_institution"
            )
        ]

    def __str__(self) -> str:
        return f"{self.fixmedins_code} {self.fixmedins_name}"


class PersonAccessLog(models.Model):
    """Who looked at whom, when (privacy; every office look-up of a person is written here)."""

    class Action(models.TextChoices):
        VIEW = "view", "查看详情"
        SEARCH = "search", "检索命中"
        CARD_READ = "card_read", "读卡"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        InsuredPerson, verbose_name="参保人员", on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    accessed_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    path = models.CharField("页面/接口", max_length=200, blank=True)

    class Meta:
        verbose_name = "参保人员信息访问记录"
        verbose_name_plural = "参保人员信息访问记录"
        ordering = ["-accessed_at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.get_action_display()} {self.person_id}"


class RosterImport(TrackedModel):
    """One roster import attempt: the file's digest and outcome (re-importing the same file is harmless)."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "导入中"
        APPLIED = "applied", "已导入"
        REJECTED = "rejected", "有错误，未导入"

    filename = models.CharField("文件名", max_length=200)
    sha256 = models.CharField("文件摘要", max_length=64, db_index=True)
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices)
    row_count = models.PositiveIntegerField("行数", default=0)
    persons_created = models.PositiveIntegerField("新增人员", default=0)
    persons_updated = models.PositiveIntegerField("更新人员", default=0)
    error_count = models.PositiveIntegerField("错误数", default=0)
    errors = models.JSONField("错误明细", default=list, blank=True)
    # The uploaded file while a queued import waits for its task; cleared when it has run.
    content = models.BinaryField("文件内容", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "花名册导入"
        verbose_name_plural = "花名册导入"
        ordering = ["-created_at"]
