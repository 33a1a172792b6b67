"""Data the audit receives from other hospital systems, kept only to judge charges against it:
the pharmacy's stock movements (进销存, AUD-3 "stock in/out not matching charges") and the results of
lab tests and large-equipment exams (FEE-5 positive rates). Imported rows are never edited: a
correction is a new row from the source system (a return, a corrected result under its own serial).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.models import TrackedModel


class StockMovement(TrackedModel):
    """One movement of the pharmacy's stock of a hospital item, in the item's charging unit."""

    class Direction(models.TextChoices):
        IN = "in", "入库"
        OUT = "out", "出库（发药）"
        RETURN = "return", "退药"

    serial = models.CharField("单据流水号", max_length=40, unique=True)
    hospital_item = models.ForeignKey(
        "drug_catalog.HospitalItem", verbose_name="院内项目", on_delete=models.PROTECT, related_name="+"
    )
    direction = models.CharField("方向", max_length=8, choices=Direction.choices)
    quantity = models.DecimalField("数量（计费单位）", max_digits=12, decimal_places=2)
    moved_at = models.DateTimeField("发生时间")
    moved_on = models.DateField("发生日期")
    store = models.CharField("药房/库房", max_length=50, blank=True)

    class Meta:
        verbose_name = "药房进销存记录"
        verbose_name_plural = "药房进销存记录"
        ordering = ["-moved_at"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="audit_stock_quantity_positive"),
        ]
        indexes = [models.Index(fields=["hospital_item", "moved_on"], name="audit_stock_item_day")]

    def __str__(self) -> str:
        return f"{self.serial} {self.get_direction_display()} {self.quantity}"


class ExamResult(TrackedModel):
    """FEE-5: the result of a charged lab test or exam (LIS/PACS), linked by the charge's serial."""

    feedetl_sn = models.CharField("费用明细流水号", max_length=30, unique=True)
    positive = models.BooleanField("阳性")
    reported_at = models.DateTimeField("报告时间")
    report_no = models.CharField("报告单号", max_length=40, blank=True)

    class Meta:
        verbose_name = "检查检验结果"
        verbose_name_plural = "检查检验结果"
        ordering = ["-reported_at"]

    def __str__(self) -> str:
        return f"{self.feedetl_sn} {'阳性' if self.positive else '阴性'}"
