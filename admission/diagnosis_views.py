"""The page that corrects a stay's admission diagnoses until discharge, with their history (ADM-1)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from admission import diagnoses as diagnosis_services
from admission import pickers
from admission.models import DiagnosisStage, Stay
from admission.services import DiagnosisInput
from core.errors import DomainError
from core.permissions import role_required
from core.roles import Role
from diagnoses.rules import normalise_code

MAX_DIAGNOSES = 20


class DiagnosisCorrectionForm(forms.Form):
    reason = forms.CharField(
        label="更正原因",
        max_length=200,
        error_messages={"required": "请填写更正原因。", "max_length": "更正原因最多 200 字。"},
    )

    def __init__(self, *args, codes: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.codes = codes or []

    def clean(self):
        cleaned = super().clean()
        codes = [normalise_code(c) for c in self.codes if c.strip()]
        if not codes:
            self.add_error(None, "至少须有一个诊断（ADM-1）。")
        elif len(codes) > MAX_DIAGNOSES or any(len(c) > 20 for c in codes):
            self.add_error(None, f"最多 {MAX_DIAGNOSES} 个诊断，每个代码不超过 20 个字符。")
        cleaned["codes"] = list(dict.fromkeys(codes))
        return cleaned


@role_required(Role.CLERK, Role.DOCTOR)
def stay_diagnoses(request: HttpRequest, pk: int) -> HttpResponse:
    stay = get_object_or_404(Stay.objects.select_related("person", "department", "ward", "bed"), pk=pk)
    current = list(stay.diagnoses.filter(stage=DiagnosisStage.ADMISSION).order_by("order"))
    form = DiagnosisCorrectionForm()
    codes = [d.code for d in current]
    if request.method == "POST":
        codes = request.POST.getlist("diagnosis")[: MAX_DIAGNOSES + 1]
        form = DiagnosisCorrectionForm(request.POST, codes=codes)
        if form.is_valid():
            try:
                diagnosis_services.stay_diagnoses_correct(
                    actor=request.user,
                    stay=stay,
                    diagnoses=[DiagnosisInput(code) for code in form.cleaned_data["codes"]],
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "入院诊断已更正，原诊断已留存（ADM-1）。")
                return redirect("admission:diagnoses", pk=stay.pk)
    names = {d.code: d.name for d in current}
    return render(
        request,
        "admission/diagnoses.html",
        {
            "stay": stay,
            "current": current,
            "chips": [{"code": c, "name": names.get(c, "")} for c in codes],
            "form": form,
            "editable": stay.status in Stay.OPEN_STATUSES,
            "corrections": stay.diagnosis_corrections.select_related("corrected_by"),
            "patient": pickers.patient_context(stay.person),
        },
        status=400 if form.errors else 200,
    )
