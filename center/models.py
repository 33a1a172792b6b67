"""The hospital's records of its exchanges with the insurance center.

CenterExchange logs every message; CenterIntent records, before a state-changing call goes out and in
its own committed transaction, what the hospital is about to ask the center to do. An intent whose
outcome is unknown (timeout, unreadable reply, the process killed) stays open until the recovery task
asks the center what it holds and records exactly that (STYLE.md: "record the intent, call, then
record the answer").
"""

from django.conf import settings
from django.db import models


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
        db_table = "settlement_centerexchange"  # kept when the model moved from settlement (issue 16)
        verbose_name = "中心交易日志"
        verbose_name_plural = "中心交易日志"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.infno} {self.msgid} {self.get_status_display()}"


class CenterIntent(models.Model):
    """A state-changing call to the center (2301/2204, 2304/2207, 2305/2208, 2401/2201, 2404 …),
    recorded before it is sent. `subject` names the hospital's row it serves (settlement:12)."""

    class Status(models.TextChoices):
        OPEN = "open", "待发送/待确认"
        DONE = "done", "中心已处理"
        FAILED = "failed", "中心未处理"
        UNKNOWN = "unknown", "结果待确认"

    class Resolution(models.TextChoices):
        ANSWERED = "answered", "中心应答"
        REFUSED = "refused", "中心拒绝"
        NOT_DELIVERED = "not_delivered", "未送达中心"
        FOUND = "found", "查询中心确认已处理"
        NOT_FOUND = "not_found", "查询中心确认未处理（已冲正）"
        REVERSED = "reversed", "已冲正（2601）"
        LOCAL_ERROR = "local_error", "本院处理出错"

    msgid = models.CharField("报文ID", max_length=30, unique=True)
    infno = models.CharField("交易编号", max_length=6, db_index=True)
    subject = models.CharField("业务对象", max_length=60, db_index=True)
    psn_no = models.CharField("人员编号", max_length=30, blank=True)
    insuplc_admdvs = models.CharField("参保地区划", max_length=6, blank=True)
    context = models.JSONField("上下文", default=dict, blank=True, help_text="恢复时查询中心所需的标识")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.CharField("结论", max_length=20, choices=Resolution.choices, blank=True)
    detail = models.TextField("说明", blank=True)
    recovery_attempts = models.PositiveSmallIntegerField("核实次数", default=0)
    next_check_at = models.DateTimeField("下次核实时间", null=True, blank=True)
    created_at = models.DateTimeField("记录时间", auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField("确认时间", null=True, blank=True)

    class Meta:
        verbose_name = "中心交易意图"
        verbose_name_plural = "中心交易意图"
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_check_at"],
                condition=models.Q(status__in=["open", "unknown"]),
                name="center_intent_unresolved",
            )
        ]

    def __str__(self) -> str:
        return f"{self.infno} {self.msgid} {self.get_status_display()}"

    @property
    def resolved(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
