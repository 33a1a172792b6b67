"""Page forms of the insured app: bounded, in Chinese, re-rendered with what the user typed."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError

from core.forms import PlainDecimalField, TextField
from insured.models import SanctionInstitution
from insured.rules import CATEGORY_LABELS, ViolationCategory

EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2099, 12, 31)
CODE_LENGTH = SanctionInstitution._meta.get_field("fixmedins_code").max_length
NAME_LENGTH = SanctionInstitution._meta.get_field("fixmedins_name").max_length


class BoundedDateField(forms.DateField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("error_messages", {"invalid": "请输入有效日期（YYYY-MM-DD）。"})
        super().__init__(**kwargs)

    def clean(self, value):
        day = super().clean(value)
        if day is not None and not EARLIEST <= day <= LATEST:
            raise ValidationError(f"日期应在 {EARLIEST:%Y-%m-%d} 至 {LATEST:%Y-%m-%d} 之间。")
        return day


class SanctionForm(forms.Form):
    """INS-4: the office records a violation; the measures follow from category and loss."""

    category = forms.ChoiceField(
        label="违规类别",
        choices=[(c.value, CATEGORY_LABELS[c]) for c in ViolationCategory],
        error_messages={"required": "请选择违规类别。", "invalid_choice": "请从列表中选择违规类别。"},
    )
    fund_loss = PlainDecimalField(
        label="基金损失（元）", max_digits=14, decimal_places=2, error_messages={"required": "必填。"}
    )
    start_date = BoundedDateField(label="处理开始日期")
    occurred_on = BoundedDateField(label="违规发生日期")
    description = TextField(label="违规事实", max_length=2000, required=True)
    evidence = TextField(label="证据材料", max_length=2000)
    institutions = TextField(label="指定就医机构", max_length=2000)

    def clean_institutions(self) -> list[tuple[str, str]]:
        rows = []
        for number, line in enumerate(self.cleaned_data["institutions"].splitlines(), start=1):
            if not line.strip():
                continue
            code, _, name = line.strip().partition(" ")
            if len(code) > CODE_LENGTH or len(name.strip()) > NAME_LENGTH:
                raise ValidationError(
                    f"第 {number} 行过长：机构编码不超过 {CODE_LENGTH} 字，名称不超过 {NAME_LENGTH} 字。"
                )
            rows.append((code, name.strip()))
        return rows

    def clean(self):
        data = super().clean()
        occurred, start = data.get("occurred_on"), data.get("start_date")
        if occurred and start and occurred > start:
            self.add_error("occurred_on", "违规发生日期不能晚于处理开始日期。")
        return data


class LiftForm(forms.Form):
    reason = TextField(label="解除原因", max_length=500, required=True)
