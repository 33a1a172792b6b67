"""Forms of the audit pages: every POST and filter goes through one, with bounds and Chinese errors."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone

from audit.models import AuditRule, Finding, Level
from hospital.models import Department, Practitioner

MAX_PERIOD_DAYS = 366


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *Finding.Status.choices])
    level = forms.ChoiceField(label="可疑程度", required=False, choices=[("", "全部"), *Level.choices])
    rule = forms.ModelChoiceField(
        label="规则", required=False, queryset=AuditRule.objects.all(), empty_label="全部"
    )
    department = forms.ModelChoiceField(
        label="科室", required=False, queryset=Department.objects.order_by("code"), empty_label="全部"
    )
    doctor = forms.ModelChoiceField(
        label="医师", required=False, queryset=Practitioner.objects.order_by("name"), empty_label="全部"
    )
    date_from = forms.DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    min_amount = forms.DecimalField(
        label="涉及金额≥", required=False, min_value=0, max_digits=14, decimal_places=2
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "截止日期不能早于起始日期。")
        return data


class ConfirmForm(forms.Form):
    deducted_amount = forms.DecimalField(
        label="扣减金额（元）", min_value=Decimal("0"), max_digits=14, decimal_places=2
    )
    reason = forms.CharField(label="审核意见", required=False, max_length=500)


class DismissForm(forms.Form):
    reason = forms.CharField(
        label="排除理由", max_length=500, error_messages={"required": "排除须填写理由（AUD-4）。"}
    )


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        label="操作", choices=[("confirm", "批量确认（按涉及金额扣减）"), ("dismiss", "批量排除")]
    )
    reason = forms.CharField(label="意见/理由", required=False, max_length=500)
    ids = forms.ModelMultipleChoiceField(
        queryset=Finding.objects.filter(status=Finding.Status.OPEN),
        error_messages={"required": "请勾选疑点。", "invalid_choice": "所选疑点已处理或不存在。"},
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == "dismiss" and not (data.get("reason") or "").strip():
            self.add_error("reason", "排除须填写理由（AUD-4）。")
        if data.get("ids") is not None and len(data["ids"]) > 500:
            self.add_error("ids", "一次最多处理 500 条。")
        return data


class AppealForm(forms.Form):
    text = forms.CharField(label="申诉理由", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="结论", choices=[("maintain", "维持"), ("overturn", "撤销（申诉成立）")]
    )
    note = forms.CharField(label="意见", max_length=500)


class JobStartForm(forms.Form):
    period_start = forms.DateField(label="起始日期", widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label="截止日期", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end:
            if end < start:
                self.add_error("period_end", "截止日期不能早于起始日期。")
            elif (end - start).days >= MAX_PERIOD_DAYS:
                self.add_error("period_end", f"一次最多 {MAX_PERIOD_DAYS} 天。")
            elif end > timezone.localdate():
                self.add_error("period_end", "截止日期不能晚于今天。")
        return data


class ExamForm(forms.Form):
    practitioner = forms.ModelChoiceField(label="医师", queryset=Practitioner.objects.order_by("name"))
    exam_on = forms.DateField(label="考试日期", widget=forms.DateInput(attrs={"type": "date"}))
    passed = forms.BooleanField(label="合格", required=False)
    score = forms.DecimalField(label="成绩", required=False, min_value=0, max_value=100, decimal_places=1)


class IndicatorForm(forms.Form):
    start = forms.DateField(label="起始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="截止日期", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            if data["end"] < data["start"]:
                self.add_error("end", "截止日期不能早于起始日期。")
            elif (data["end"] - data["start"]).days > 3 * MAX_PERIOD_DAYS:
                self.add_error("end", "期间最长三年。")
        return data


def default_period() -> tuple[datetime.date, datetime.date]:
    """A run by hand covers the last 30 days up to today (the nightly batch: yesterday)."""
    today = timezone.localdate()
    return today - datetime.timedelta(days=30), today
