"""The 20-minute sync with the insurance center (issue 20; SYNC-1..SYNC-4).

A cycle (SyncCycle) is split into chunks (SyncChunk) that any worker may take; what the center refuses
is retried with backoff and, after `SyncPolicy.max_attempts`, waits in the dead-letter list
(SyncFailure) for the office. Downloads become new versions (DownloadRun, DownloadConflict,
CenterDictionaryEntry); reconciliation (3201/3202) keeps its runs, groups and differences. Every
manual action is a SyncAction row; the watchdog's alerts are SyncAlert rows.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import TrackedModel, ValidityPeriodModel, track_history

MONEY = {"max_digits": 16, "decimal_places": 2}


@track_history()
class SyncPolicy(TrackedModel):
    """The sync's numbers (one row, admin-edited; seeded by migration 0002)."""

    chunk_size = models.PositiveSmallIntegerField(
        "每条报文明细数",
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="2301/2204 每次上传的明细条数，最多 100（接口报文长度限制）",
    )
    max_attempts = models.PositiveSmallIntegerField(
        "最多重试次数", default=5, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    backoff_minutes = models.PositiveSmallIntegerField(
        "重试间隔基数（分钟）",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text="第 n 次失败后等待 基数 × 2^(n-1) 分钟再试",
    )
    watchdog_grace_minutes = models.PositiveSmallIntegerField(
        "看门狗宽限（分钟）",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="SYNC-1：超过 20 分钟 + 宽限仍无完成的同步即告警",
    )

    class Meta:
        verbose_name = "同步参数"
        verbose_name_plural = "同步参数"
        constraints = [
            models.CheckConstraint(
                condition=Q(chunk_size__gte=1) & Q(chunk_size__lte=100), name="sync_policy_chunk_size"
            ),
            models.CheckConstraint(condition=Q(max_attempts__gte=1), name="sync_policy_max_attempts"),
        ]

    def __str__(self) -> str:
        return "同步参数"


class SyncCycle(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "进行中"
        DONE = "done", "完成"
        PARTIAL = "partial", "完成（有失败）"
        FAILED = "failed", "中断"
        ABANDONED = "abandoned", "已放弃（看门狗）"

    class Trigger(models.TextChoices):
        BEAT = "beat", "定时"
        MANUAL = "manual", "立即同步"
        BENCHMARK = "benchmark", "基准测试"

    started_at = models.DateTimeField("开始时间", auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField("触发", max_length=10, choices=Trigger.choices, default=Trigger.BEAT)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    queue = models.JSONField("开始时队列", default=dict, help_text="待上传明细、出院、结算清单数")
    lag_seconds = models.PositiveIntegerField("最早待上传明细已等待（秒）", default=0)
    counts = models.JSONField("计数", default=dict)
    error = models.TextField("错误", blank=True)

    class Meta:
        verbose_name = "同步周期"
        verbose_name_plural = "同步周期"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"同步 {self.started_at:%Y-%m-%d %H:%M} {self.get_status_display()}"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 1)


class SyncChunk(models.Model):
    """One piece of a cycle's work, taken by whichever worker claims it first (scale-out)."""

    class Kind(models.TextChoices):
        LINES = "lines", "费用明细（2301/2204）"
        DISCHARGE = "discharge", "出院登记（2402）"
        SETTLEMENT_LIST = "list", "结算清单（4101）"
        DOWNLOAD = "download", "下载"

    class Status(models.TextChoices):
        QUEUED = "queued", "待处理"
        RUNNING = "running", "处理中"
        DONE = "done", "完成"
        FAILED = "failed", "失败"

    PHASES = {Kind.LINES: 1, Kind.DISCHARGE: 2, Kind.SETTLEMENT_LIST: 3, Kind.DOWNLOAD: 4}

    cycle = models.ForeignKey(SyncCycle, on_delete=models.CASCADE, related_name="chunks")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    phase = models.PositiveSmallIntegerField("顺序")
    subject = models.CharField("对象", max_length=60)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    worker = models.CharField("处理进程", max_length=100, blank=True)
    result = models.JSONField("结果", default=dict, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "同步分片"
        verbose_name_plural = "同步分片"
        ordering = ["cycle", "phase", "id"]
        indexes = [models.Index(fields=["cycle", "status", "phase"], name="sync_chunk_claim")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject}"


@track_history()
class SyncFailure(TrackedModel):
    """A row the center refused (a fee line, a discharge, a settlement list): retried with backoff,
    then dead-lettered for the office to resend after fixing, or cancel (2302/2205)."""

    class Kind(models.TextChoices):
        LINE = "line", "费用明细"
        DISCHARGE = "discharge", "出院登记"
        SETTLEMENT_LIST = "list", "结算清单"

    class Status(models.TextChoices):
        RETRYING = "retrying", "等待重试"
        DEAD = "dead", "死信（待医保办处理）"
        RESOLVED = "resolved", "已上传"
        CANCELLED = "cancelled", "已撤销"

    OPEN = (Status.RETRYING, Status.DEAD)

    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    key = models.CharField("标识", max_length=60, help_text="feedetl_sn，或 stay:ID / settlement:ID")
    subject = models.CharField("就诊", max_length=60)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.RETRYING)
    attempts = models.PositiveSmallIntegerField("失败次数", default=0)
    last_error = models.TextField("中心错误")
    next_attempt_at = models.DateTimeField("下次重试", null=True, blank=True)
    resolution_note = models.CharField("处理说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "上传失败（死信）"
        verbose_name_plural = "上传失败（死信）"
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"], condition=Q(status__in=["retrying", "dead"]), name="sync_failure_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"


class SyncAction(models.Model):
    """Every manual action on the sync page (立即同步, resend, cancel, reconciliation decisions …)."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField("操作", max_length=40)
    target = models.CharField("对象", max_length=100, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "同步操作记录"
        verbose_name_plural = "同步操作记录"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target}"


class SyncAlert(models.Model):
    """SYNC-1: raised by the watchdog when no cycle finished in time; cleared when one does."""

    raised_at = models.DateTimeField("告警时间", auto_now_add=True)
    cleared_at = models.DateTimeField("解除时间", null=True, blank=True)
    message = models.CharField("内容", max_length=300)

    class Meta:
        verbose_name = "同步告警"
        verbose_name_plural = "同步告警"
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return self.message


class DownloadRun(models.Model):
    """One download from the center (SYNC-3): what arrived and which new versions it made."""

    class Kind(models.TextChoices):
        CATALOG = "catalog", "医保目录（1301）"
        DICTIONARY = "dictionary", "字典（1901）"
        PERSON = "person", "在院人员参保状态（1101）"

    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    version = models.CharField("中心版本号", max_length=40, blank=True)
    rows = models.PositiveIntegerField("条数", default=0)
    applied = models.JSONField("生成的新版本", default=list, blank=True)
    message = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "下载记录"
        verbose_name_plural = "下载记录"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.version}"


class DownloadConflict(models.Model):
    """A downloaded value that differs from a value edited locally: the new version carries the
    center's value; the admin reviews the list (SYNC-3, SYNC-4)."""

    run = models.ForeignKey(DownloadRun, on_delete=models.PROTECT, related_name="conflicts")
    key = models.CharField("条目", max_length=60)
    field = models.CharField("字段", max_length=40)
    local_value = models.CharField("本地值", max_length=200, blank=True)
    center_value = models.CharField("中心值", max_length=200, blank=True)
    reviewed_at = models.DateTimeField("确认时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "下载冲突"
        verbose_name_plural = "下载冲突"
        ordering = ["-run__at", "key"]

    def __str__(self) -> str:
        return f"{self.key}.{self.field}"


@track_history()
class CenterDictionaryEntry(TrackedModel, ValidityPeriodModel):
    """A center dictionary value (1901), versioned: a changed label is a new row from its date."""

    type = models.CharField("字典类型", max_length=30)
    value = models.CharField("值", max_length=20)
    label = models.CharField("名称", max_length=50)
    version = models.CharField("版本", max_length=20, blank=True)

    class Meta(ValidityPeriodModel.Meta):
        verbose_name = "中心字典"
        verbose_name_plural = "中心字典"
        ordering = ["type", "value", "-effective_from"]
        constraints = [
            *ValidityPeriodModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["type", "value", "effective_from"], name="sync_dictionary_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.value} {self.label}"


class ReconciliationRun(models.Model):
    """SYNC-2: one 对账 of a period, per insurance type and clearing type (3201), drilled down (3202)."""

    class Result(models.TextChoices):
        BALANCED = "balanced", "平帐"
        UNBALANCED = "unbalanced", "不平"
        ERROR = "error", "对账未完成"

    stmt_begndate = models.DateField("对账开始日期")
    stmt_enddate = models.DateField("对账结束日期")
    at = models.DateTimeField("对账时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    result = models.CharField("结果", max_length=12, choices=Result.choices)
    message = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "对账"
        verbose_name_plural = "对账"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"对账 {self.stmt_begndate}~{self.stmt_enddate} {self.get_result_display()}"


class ReconciliationGroup(models.Model):
    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="groups")
    insutype = models.CharField("险种", max_length=6)
    clr_type = models.CharField("清算类别", max_length=6)
    setl_optins = models.CharField("结算经办机构", max_length=6)
    medfee_sumamt = models.DecimalField("医疗费总额", **MONEY)
    fund_pay_sumamt = models.DecimalField("基金支付总额", **MONEY)
    acct_pay = models.DecimalField("个人账户支付", **MONEY)
    cash_payamt = models.DecimalField("现金支付", **MONEY)
    setl_cnt = models.PositiveIntegerField("结算笔数")
    balanced = models.BooleanField("平帐")
    center_message = models.CharField("中心说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "对账分组"
        verbose_name_plural = "对账分组"
        ordering = ["run", "insutype", "clr_type"]

    def __str__(self) -> str:
        return f"{self.insutype}/{self.clr_type} {'平' if self.balanced else '不平'}"


class ReconciliationDifference(models.Model):
    """One settlement where the hospital and the center differ, and what the office did about it."""

    class Status(models.TextChoices):
        OPEN = "open", "待处理"
        RESOLVED = "resolved", "已处理"

    class Action(models.TextChoices):
        REUPLOAD = "reupload", "重新上传"
        REVERSE = "reverse", "冲正/撤销"
        ACCEPT = "accept", "接受差异"

    group = models.ForeignKey(ReconciliationGroup, on_delete=models.CASCADE, related_name="differences")
    setl_id = models.CharField("结算ID", max_length=30)
    mdtrt_id = models.CharField("就诊ID", max_length=30, blank=True)
    psn_no = models.CharField("人员编号", max_length=30, blank=True)
    center_msgid = models.CharField("中心报文ID", max_length=30, blank=True)
    refd_setl_flag = models.CharField("退费标志", max_length=3, default="0")
    settlement = models.ForeignKey(
        "settlement.Settlement", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    local_medfee = models.DecimalField("本院医疗费", **MONEY, null=True, blank=True)
    local_fund = models.DecimalField("本院基金支付", **MONEY, null=True, blank=True)
    local_acct = models.DecimalField("本院账户支付", **MONEY, null=True, blank=True)
    center_medfee = models.DecimalField("中心医疗费", **MONEY, null=True, blank=True)
    center_fund = models.DecimalField("中心基金支付", **MONEY, null=True, blank=True)
    center_acct = models.DecimalField("中心账户支付", **MONEY, null=True, blank=True)
    memo = models.CharField("中心说明", max_length=200, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    action = models.CharField("处理", max_length=10, choices=Action.choices, blank=True)
    reason = models.CharField("原因", max_length=300, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = "对账差异"
        verbose_name_plural = "对账差异"
        ordering = ["group", "setl_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | (~Q(action="") & ~Q(reason="")), name="sync_difference_resolved"
            )
        ]

    def __str__(self) -> str:
        return f"{self.setl_id} {self.memo}"
