"""Page forms of the stay: every POST is read through one of these (bounds from the columns the values
land in; Chinese messages; the view re-renders or reports them beside the field, never a 500)."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from admission.models import (
    DailyListAcknowledgement,
    LeaveRequest,
    Order,
    SelfPayConsent,
    Stay,
    StayReview,
    TraumaReport,
    WardRound,
)
from core.forms import PlainDecimalField, TextField
from drug_catalog.models import HospitalItem
from fees.models import FeeLine

QUANTITY_FIELD = Order._meta.get_field("quantity")
# An input sanity bound, not a policy number: no single entry at a window is 100,000 units.
MAX_QUANTITY = 99999
EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def _length(model, field: str) -> int:
    return model._meta.get_field(field).max_length


class Quantity(PlainDecimalField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", None)
        super().__init__(
            max_digits=QUANTITY_FIELD.max_digits,
            decimal_places=QUANTITY_FIELD.decimal_places,
            max_value=MAX_QUANTITY,
            error_messages={"required": "请填写数量。"},
            **kwargs,
        )

    def validate(self, value) -> None:
        super().validate(value)
        if value is not None and value <= 0:
            raise ValidationError("数量须大于 0。", code="min_value")


class Moment(forms.DateTimeField):
    """A datetime-local box: invalid dates ("2026-13-45T10:00") and far-off years are refused."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("error_messages", {"invalid": "请输入有效的日期时间。"})
        super().__init__(input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"], **kwargs)

    def clean(self, value):
        moment = super().clean(value)
        if moment is not None:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            if not EARLIEST <= moment <= timezone.now() + datetime.timedelta(days=366):
                raise ValidationError("时间应在 2000 年以后、一年以内。", code="out_of_range")
        return moment


class ItemChoice(forms.ModelChoiceField):
    """A hospital item picked from the type-ahead: typed but not picked is a field error."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault(
            "error_messages",
            {
                "required": "请从下拉列表中选择项目（输入后须点选或按回车选中）。",
                "invalid_choice": "所选项目不存在，请从下拉列表中重新选择。",
            },
        )
        super().__init__(queryset=HospitalItem.objects.all(), **kwargs)


class OrderForm(forms.Form):
    """FEE-2: a doctor's order."""

    hospital_item = ItemChoice(label="项目")
    hospital_item_label = TextField(label="项目", max_length=200)  # what was typed, shown again
    kind = forms.ChoiceField(
        label="类型",
        choices=Order.Kind.choices,
        error_messages={"invalid_choice": "请从列表中选择医嘱类型。"},
    )
    quantity = Quantity(label="每次数量")
    frequency = TextField(label="频次", max_length=_length(Order, "frequency"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["frequency"].error_messages["max_length"] = (
            "频次不超过 %(limit_value)d 个字符（如 qd、bid、tid、q8h）。"
        )


class ChargeForm(forms.Form):
    """FEE-1..4: one charge line against an order of this stay."""

    order = forms.ModelChoiceField(
        label="医嘱",
        queryset=Order.objects.none(),
        error_messages={
            "required": "请选择医嘱（每项收费须对应医嘱，FEE-2）。",
            "invalid_choice": "所选医嘱不属于本次住院，请重新选择。",
        },
    )
    quantity = Quantity(label="数量")
    charged_at = Moment(label="发生时间")
    hosp_appr_flag = forms.BooleanField(required=False)

    def __init__(self, *args, stay: Stay, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["order"].queryset = Order.objects.filter(stay=stay)


class RefundForm(forms.Form):
    reason = TextField(label="退费原因", max_length=_length(FeeLine, "refund_reason"), required=True)
    quantity = Quantity(label="退费数量", required=False, help_text="不填则退全部可退数量")


class ConsentForm(forms.Form):
    """FEE-4: the patient's consent to a self-paid item."""

    hospital_item = ItemChoice(label="自费项目")
    reason = TextField(label="自费原因", max_length=_length(SelfPayConsent, "reason"))
    signer = TextField(label="签字人", max_length=_length(SelfPayConsent, "signer"))


class ReasonForm(forms.Form):
    reason = TextField(label="原因", max_length=200)


class CustodyForm(forms.Form):
    card_no = TextField(label="卡号", max_length=50)


class SignerForm(forms.Form):
    signer = TextField(label="签字人", max_length=_length(DailyListAcknowledgement, "signer"))


class LeaveForm(forms.Form):
    """ADM-6: a leave request."""

    starts_at = Moment(label="离院")
    ends_at = Moment(label="返院")
    reason = TextField(label="事由", max_length=_length(LeaveRequest, "reason"), required=True)


class RoundForm(forms.Form):
    finding = forms.ChoiceField(label="结果", choices=WardRound.Finding.choices)
    note = TextField(label="备注", max_length=_length(WardRound, "note"))


class ReviewForm(forms.Form):
    review = forms.ModelChoiceField(
        label="审核事项",
        queryset=StayReview.objects.all(),
        error_messages={"required": "缺少审核事项。", "invalid_choice": "审核事项不存在。"},
    )
    confirm = forms.ChoiceField(choices=[("0", "否"), ("1", "是")], required=False)
    reason = TextField(label="审核意见", max_length=_length(StayReview, "decision_reason"))


class TraumaDecisionForm(forms.Form):
    decision = forms.ChoiceField(label="认定结果", choices=TraumaReport.Decision.choices[1:])
    reason = TextField(label="认定理由", max_length=_length(TraumaReport, "decision_reason"))


class ReferralYearForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2099, required=False)


def _codes(values: list[str], label: str) -> list[str]:
    codes = [v.strip().upper() for v in values if v.strip()]
    if len(codes) > 20:
        raise ValidationError(f"{label}不超过 20 个。")
    for code in codes:
        if len(code) > 20:
            raise ValidationError(f"{label}“{code[:20]}…”过长，请从列表中选择。")
    return codes


class AdmitBoundsForm(forms.Form):
    """ADM-1: the scalar fields of the admission page (the page keeps what was typed)."""

    card_read = forms.IntegerField(required=False, min_value=1, max_value=2**62)
    ward = forms.IntegerField(
        label="病区", min_value=1, max_value=2**62, error_messages={"required": "请选择病区。"}
    )
    department = forms.IntegerField(
        label="科室", min_value=1, max_value=2**62, error_messages={"required": "请选择科室。"}
    )
    attending_doctor = forms.IntegerField(
        label="主治医师", min_value=1, max_value=2**62, error_messages={"required": "请选择主治医师。"}
    )
    bed = forms.IntegerField(required=False, min_value=1, max_value=2**62)
    kind = forms.ChoiceField(label="入院类型", choices=Stay.Kind.choices, required=False)
    med_type = forms.CharField(label="医疗类别", max_length=6, required=False)
    admitted_at = Moment(label="入院时间")
    injured_at = Moment(label="受伤时间")
    injury_place = TextField(label="受伤地点", max_length=_length(TraumaReport, "place"))
    injury_cause = forms.ChoiceField(
        label="受伤原因", choices=[("", ""), *TraumaReport.Cause.choices], required=False
    )
    injury_description = TextField(label="受伤经过", max_length=_length(TraumaReport, "description"))

    def __init__(self, data, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.diagnoses = data.getlist("diagnosis") if hasattr(data, "getlist") else []

    def clean(self):
        data = super().clean()
        try:
            data["diagnoses"] = _codes(self.diagnoses, "诊断")
        except ValidationError as exc:
            self.add_error(None, exc)
        return data


class DischargeBoundsForm(forms.Form):
    """ADM-10: the discharge page's fields."""

    discharge_way = forms.ChoiceField(
        label="离院方式",
        choices=[("", ""), *Stay.DischargeWay.choices],
        required=False,
        error_messages={"invalid_choice": "请从列表中选择离院方式。"},
    )
    discharged_at = Moment(label="出院时间")
    destination_name = TextField(label="转往机构", max_length=100)
    destination_code = TextField(label="转往机构编码", max_length=30)
    reason = TextField(label="转院原因", max_length=300)
    oprn_code = TextField(label="手术操作代码", max_length=20)
    oprn_name = TextField(label="手术操作名称", max_length=200)
    oprn_date = forms.DateField(
        label="手术日期", required=False, error_messages={"invalid": "请输入有效日期。"}
    )
    oprn_operator = forms.IntegerField(label="术者", required=False, min_value=1, max_value=2**62)
    anaesthesia = TextField(label="麻醉方式", max_length=40)

    def __init__(self, data, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.diagnoses = data.getlist("diagnosis") if hasattr(data, "getlist") else []

    def clean(self):
        data = super().clean()
        try:
            data["diagnoses"] = _codes(self.diagnoses, "出院诊断")
        except ValidationError as exc:
            self.add_error(None, exc)
        if data.get("oprn_code") and not data.get("oprn_operator"):
            self.add_error("oprn_operator", "填写手术时须选择术者。")
        return data
