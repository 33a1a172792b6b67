"""Models of the audit domain (智能审核, AUD-1..AUD-7).

A rule (AuditRule) is a row with its id, Chinese name, category and suspicion level (AUD-2); its numbers
are versioned rows (RuleParameter). A batch (AuditJob) is split into chunks (AuditChunk: one rule over
one slice of days) that workers run in parallel; a hit is a Finding, unique per (rule, evidence key), so
re-running a period adds nothing. Office staff confirm or dismiss findings (AUD-4); a confirmed
finding with a doctor moves that doctor's points (AUD-5, DoctorPointEntry) and may trigger a measure.
"""

from __future__ import annotations

from decimal import Decimal

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import TrackedModel, ValidityPeriodModel, track_history

MONEY = {"max_digits": 14, "decimal_places": 2}


class Category(models.TextChoices):
    """As in the national rule catalogue (国家医保智能监管规则库)."""

    POLICY = "policy", "政策类"
    MANAGEMENT = "management", "管理类"
    MEDICAL = "medical", "医疗类"


class Level(models.TextChoices):
    """AUD-2 suspicion levels."""

    DEFINITE = "definite", "直接违规"
    HIGH = "high", "高度可疑"
    SUSPICIOUS = "suspicious", "一般可疑"


@track_history()
class AuditRule(TrackedModel):
    """One audit rule. `code` is the rule id (FEE-3, ADM-8 …); the implementation is found by code."""

    code = models.CharField("规则编号", max_length=20, primary_key=True)
    name = models.CharField("规则名称", max_length=100)
    category = models.CharField("规则分类", max_length=12, choices=Category.choices)
    level = models.CharField("可疑程度", max_length=12, choices=Level.choices)
    cites = models.CharField("依据", max_length=100, blank=True, help_text="如 RULES.md FEE-3、seed 002")
    description = models.CharField("说明", max_length=500, blank=True)
    enabled = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        verbose_name = "稽核规则"
        verbose_name_plural = "稽核规则"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


@track_history()
class RuleParameter(TrackedModel, ValidityPeriodModel):
    """A rule's numbers as of a date (JSON object, keys documented per rule in audit/rules_sql.py)."""

    rule = models.ForeignKey(
        AuditRule, verbose_name="规则", on_delete=models.PROTECT, related_name="parameters"
    )
    values = models.JSONField("参数", default=dict)
    source = models.CharField("依据", max_length=200, blank=True)

    class Meta(ValidityPeriodModel.Meta):
        verbose_name = "规则参数"
        verbose_name_plural = "规则参数"
        ordering = ["rule", "-effective_from"]
        constraints = [
            *ValidityPeriodModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["rule", "effective_from"], name="audit_rule_parameter_one_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.effective_from}"


class AuditJob(TrackedModel):
    """One batch over a period [period_start, period_end] (inclusive), split into chunks."""

    class Status(models.TextChoices):
        RUNNING = "running", "运行中"
        DONE = "done", "已完成"
        FAILED = "failed", "部分失败"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "定时（夜间）"
        MANUAL = "manual", "手工启动"

    period_start = models.DateField("起始日期")
    period_end = models.DateField("截止日期")
    trigger = models.CharField("触发方式", max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.RUNNING)
    lines_total = models.BigIntegerField("费用明细行数", default=0)
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "稽核批次"
        verbose_name_plural = "稽核批次"
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="audit_job_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_start}–{self.period_end} {self.get_status_display()}"


class AuditChunk(models.Model):
    """One rule over days [day_from, day_to] of a job. Its findings and its `done` status commit in one
    transaction, so a killed chunk leaves nothing half-written and is simply run again (resume)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待运行"
        RUNNING = "running", "运行中"
        DONE = "done", "完成"
        FAILED = "failed", "失败"

    job = models.ForeignKey(AuditJob, on_delete=models.CASCADE, related_name="chunks")
    rule = models.ForeignKey(AuditRule, on_delete=models.PROTECT, related_name="+")
    day_from = models.DateField("起始日期")
    day_to = models.DateField("截止日期")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("运行次数", default=0)
    findings = models.PositiveIntegerField("新增疑点", default=0)
    lines = models.BigIntegerField("扫描明细行", default=0)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    error = models.CharField("错误", max_length=500, blank=True)

    class Meta:
        verbose_name = "稽核分片"
        verbose_name_plural = "稽核分片"
        ordering = ["job", "day_from", "rule"]
        constraints = [
            models.UniqueConstraint(fields=["job", "rule", "day_from"], name="audit_chunk_unique"),
        ]
        indexes = [models.Index(fields=["job", "status"], name="audit_chunk_job_status")]

    def __str__(self) -> str:
        return f"{self.job_id} {self.rule_id} {self.day_from}"


# Decisions are history; the insert itself is the batch's row (no insert event for millions of hits).
@pghistory.track(pghistory.UpdateEvent("update"), exclude=["updated_at"])
class Finding(TrackedModel):
    """A hit of a rule (疑点): evidence, money at stake, who and where; decided by a person (AUD-2)."""

    class Status(models.TextChoices):
        OPEN = "open", "待审核"
        CONFIRMED = "confirmed", "确认违规"
        DISMISSED = "dismissed", "排除"
        APPEALED = "appealed", "申诉中"
        MAINTAINED = "maintained", "复核维持（待评审）"
        UPHELD = "upheld", "评审维持"
        OVERTURNED = "overturned", "申诉成立（撤销）"

    # AUD-4: the pipeline of a finding; one service per transition (audit/services.py).
    ALLOWED_TRANSITIONS = {
        Status.OPEN: {Status.CONFIRMED, Status.DISMISSED},
        Status.CONFIRMED: {Status.APPEALED},
        Status.APPEALED: {Status.MAINTAINED, Status.OVERTURNED},
        Status.MAINTAINED: {Status.UPHELD, Status.OVERTURNED},
        Status.DISMISSED: set(),
        Status.UPHELD: set(),
        Status.OVERTURNED: set(),
    }
    # Statuses in which the violation stands (points and deductions count).
    STANDING = (Status.CONFIRMED, Status.APPEALED, Status.MAINTAINED, Status.UPHELD)

    id = models.BigAutoField(primary_key=True)
    rule = models.ForeignKey(
        AuditRule, verbose_name="规则", on_delete=models.PROTECT, related_name="findings"
    )
    level = models.CharField("可疑程度", max_length=12, choices=Level.choices)
    evidence_key = models.CharField("证据键", max_length=200)
    occurred_on = models.DateField("发生日期")
    stay = models.ForeignKey(
        "admission.Stay",
        verbose_name="住院",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    visit = models.ForeignKey(
        "settlement.OutpatientVisit",
        verbose_name="门诊就诊",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    person = models.ForeignKey(
        "insured.InsuredPerson",
        verbose_name="患者",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.ForeignKey(
        "hospital.Department",
        verbose_name="科室",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    doctor = models.ForeignKey(
        "hospital.Practitioner",
        verbose_name="医师",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    amount = models.DecimalField("涉及金额", **MONEY, default=Decimal("0"))
    explanation = models.CharField("疑点说明", max_length=500)
    evidence = models.JSONField(
        "证据", default=dict, help_text='{"lines": ["I12", "O7"], "stays": [..], ...}'
    )
    chunk = models.ForeignKey(AuditChunk, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.OPEN)
    deducted_amount = models.DecimalField("扣减金额", **MONEY, null=True, blank=True)
    decision_reason = models.CharField("审核意见/排除理由", max_length=500, blank=True)
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    notified_on = models.DateField("告知日期", null=True, blank=True, help_text="稽核情况告知书送达日")
    appeal_text = models.CharField("申诉理由", max_length=1000, blank=True)
    appealed_at = models.DateTimeField("申诉时间", null=True, blank=True)
    recheck_note = models.CharField("复核意见", max_length=500, blank=True)
    panel_note = models.CharField("评审意见", max_length=500, blank=True)

    class Meta:
        verbose_name = "稽核疑点"
        verbose_name_plural = "稽核疑点"
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "evidence_key"], name="audit_finding_unique_evidence"),
            models.CheckConstraint(
                condition=~Q(status="dismissed") | ~Q(decision_reason=""),
                name="audit_finding_dismiss_has_reason",
                violation_error_message="排除须填写理由（AUD-4）。",
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(deducted_amount__isnull=False),
                name="audit_finding_confirm_has_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "level", "-occurred_on"], name="audit_finding_queue"),
            models.Index(fields=["doctor", "status"], name="audit_finding_doctor"),
            models.Index(fields=["stay"], name="audit_finding_stay"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.evidence_key}"


@track_history()
class PointsRule(TrackedModel, ValidityPeriodModel):
    """AUD-5: points per violation type (one row per audit rule), as of a date."""

    rule = models.ForeignKey(
        AuditRule, verbose_name="违规类型（规则）", on_delete=models.PROTECT, related_name="+"
    )
    points = models.PositiveSmallIntegerField("扣分")
    source = models.CharField("依据", max_length=200, blank=True)

    class Meta(ValidityPeriodModel.Meta):
        verbose_name = "医师扣分标准"
        verbose_name_plural = "医师扣分标准"
        ordering = ["rule", "-effective_from"]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.points} 分"


@track_history()
class PointsPolicy(TrackedModel, ValidityPeriodModel):
    """AUD-5: the agreement period, the notice and appeal windows and the exam band (seed 001 篇三)."""

    period_months = models.PositiveSmallIntegerField("协议期（月）", default=12)
    period_start_month = models.PositiveSmallIntegerField("协议期起始月", default=1)
    notice_days = models.PositiveSmallIntegerField("暂停/终止提前告知天数", default=7)
    appeal_days = models.PositiveSmallIntegerField("申诉期限（天）", default=7)
    exam_min_points = models.PositiveSmallIntegerField("须参加考试的最低分", default=4)
    exam_max_points = models.PositiveSmallIntegerField("须参加考试的最高分", default=11)
    source = models.CharField("依据", max_length=200, blank=True)

    class Meta(ValidityPeriodModel.Meta):
        verbose_name = "医师积分管理参数"
        verbose_name_plural = "医师积分管理参数"
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"医师积分参数（{self.effective_from} 起）"


class MeasureKind(models.TextChoices):
    REMINDER = "reminder", "书面告知提醒"
    SUSPENSION = "suspension", "暂停医保服务资格"
    TERMINATION = "termination", "终止协议"


@track_history()
class PointsThreshold(TrackedModel, ValidityPeriodModel):
    """AUD-5: reaching `points` in an agreement period triggers `measure` for `months`."""

    points = models.PositiveSmallIntegerField("累计分值")
    measure = models.CharField("处理", max_length=12, choices=MeasureKind.choices)
    months = models.PositiveSmallIntegerField(
        "期限（月）", null=True, blank=True, help_text="暂停期；终止为不得申请期"
    )
    source = models.CharField("依据", max_length=200, blank=True)

    class Meta(ValidityPeriodModel.Meta):
        verbose_name = "医师积分处理阈值"
        verbose_name_plural = "医师积分处理阈值"
        ordering = ["points", "-effective_from"]

    def __str__(self) -> str:
        return f"{self.points} 分 → {self.get_measure_display()}"


class DoctorPointEntry(models.Model):
    """The ledger (append-only): a confirmed finding adds points; an overturned one adds the counter-entry."""

    practitioner = models.ForeignKey(
        "hospital.Practitioner", verbose_name="医师", on_delete=models.PROTECT, related_name="+"
    )
    finding = models.ForeignKey(
        Finding, verbose_name="疑点", on_delete=models.PROTECT, related_name="point_entries"
    )
    period_start = models.DateField("协议期起始日")
    points = models.SmallIntegerField("分值")
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("记分时间", auto_now_add=True)

    class Meta:
        verbose_name = "医师扣分记录"
        verbose_name_plural = "医师扣分记录"
        ordering = ["practitioner", "-created_at"]
        constraints = [
            # One entry and at most one counter-entry per finding: a retry never counts twice.
            models.UniqueConstraint(fields=["finding"], condition=Q(points__gt=0), name="audit_points_once"),
            models.UniqueConstraint(
                fields=["finding"], condition=Q(points__lt=0), name="audit_points_reversed_once"
            ),
        ]
        indexes = [models.Index(fields=["practitioner", "period_start"], name="audit_points_ledger")]

    def __str__(self) -> str:
        return f"{self.practitioner_id} {self.points:+d}"


@track_history()
class DoctorMeasure(TrackedModel):
    """AUD-5: a measure triggered by a threshold; suspension/termination take effect after the notice."""

    class Status(models.TextChoices):
        NOTIFIED = "notified", "已告知"
        APPEALED = "appealed", "申诉中"
        IN_FORCE = "in_force", "维持"
        REVOKED = "revoked", "申诉成立撤销"

    practitioner = models.ForeignKey(
        "hospital.Practitioner", verbose_name="医师", on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField("协议期起始日")
    threshold = models.PositiveSmallIntegerField("触发分值")
    measure = models.CharField("处理", max_length=12, choices=MeasureKind.choices)
    notified_on = models.DateField("告知日期")
    effective_from = models.DateField("生效日期", null=True, blank=True)
    effective_to = models.DateField("截止日期（不含）", null=True, blank=True)
    appeal_due = models.DateField("申诉截止日")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.NOTIFIED)
    appeal_text = models.CharField("申诉理由", max_length=1000, blank=True)

    class Meta:
        verbose_name = "医师积分处理"
        verbose_name_plural = "医师积分处理"
        ordering = ["practitioner", "-notified_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["practitioner", "period_start", "threshold"], name="audit_measure_once_per_threshold"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practitioner_id} {self.get_measure_display()}"


@track_history()
class DoctorExam(TrackedModel):
    """AUD-5: 4–11 points → policy exam at period end; its result decides continuation."""

    practitioner = models.ForeignKey(
        "hospital.Practitioner", verbose_name="医师", on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField("协议期起始日")
    exam_on = models.DateField("考试日期")
    passed = models.BooleanField("合格")
    score = models.DecimalField("成绩", max_digits=5, decimal_places=1, null=True, blank=True)

    class Meta:
        verbose_name = "医保政策考试"
        verbose_name_plural = "医保政策考试"
        constraints = [
            models.UniqueConstraint(fields=["practitioner", "period_start"], name="audit_exam_once")
        ]

    def __str__(self) -> str:
        return f"{self.practitioner_id} {self.period_start} {'合格' if self.passed else '不合格'}"


@track_history()
class IndicatorThreshold(TrackedModel, ValidityPeriodModel):
    """AUD-6/FEE-7/ADM-7/ADM-11: graded warnings per indicator (warn at `warn`, alarm at `alarm`)."""

    indicator = models.CharField("指标", max_length=30)
    warn = models.DecimalField("预警值", max_digits=8, decimal_places=2)
    alarm = models.DecimalField("超标值", max_digits=8, decimal_places=2)
    higher_is_worse = models.BooleanField("越高越差", default=True)
    alarm_when_equal = models.BooleanField(
        "等于超标值即超标", default=False, help_text="ADM-11“< 3 %”：3 % 即超标"
    )
    source = models.CharField("依据", max_length=200, blank=True)

    class Meta(ValidityPeriodModel.Meta):
        verbose_name = "指标预警阈值"
        verbose_name_plural = "指标预警阈值"
        ordering = ["indicator", "-effective_from"]

    def __str__(self) -> str:
        return f"{self.indicator} {self.warn}/{self.alarm}"


from audit.models_feeds import ExamResult, StockMovement  # noqa: E402, F401 - the data feeds' models
