from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from core.forms import TextField
from sync.models import ReconciliationDifference


class ReasonForm(forms.Form):
    reason = TextField(label="原因", max_length=300, required=False)


class RequiredReasonForm(forms.Form):
    reason = TextField(
        label="原因", max_length=300, required=True, error_messages={"required": "请填写原因。"}
    )


class DifferenceForm(forms.Form):
    action = forms.ChoiceField(label="处理方式", choices=ReconciliationDifference.Action.choices)
    reason = TextField(
        label="原因", max_length=300, required=True, error_messages={"required": "请填写原因。"}
    )


class PeriodForm(forms.Form):
    begin = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        begin, end = data.get("begin"), data.get("end")
        if begin and end:
            if end < begin:
                self.add_error("end", "结束日期不能早于开始日期。")
            elif (end - begin).days > 92:
                self.add_error("end", "一次对账最多 92 天。")
            elif end > timezone.localdate():
                self.add_error("end", "不能对未来的日期对账。")
        return data

    @staticmethod
    def yesterday() -> dict:
        day = timezone.localdate() - datetime.timedelta(days=1)
        return {"begin": day, "end": day}
