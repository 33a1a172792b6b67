"""Pages of the stay: the clerk's in-patient list, admission after a card read, the stay page with
keyboard charge entry, the printable daily list and the discharge checklist; the office's rounds and
reviews; the doctor's orders. Every action is a service call; errors come back as Chinese messages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from admission import access, charges, pickers, selectors, services
from admission.forms import (
    AdmitBoundsForm,
    ChargeForm,
    ConsentForm,
    CustodyForm,
    DischargeBoundsForm,
    LeaveForm,
    OrderForm,
    ReasonForm,
    ReferralYearForm,
    RefundForm,
    ReviewForm,
    RoundForm,
    SignerForm,
    TraumaDecisionForm,
)
from admission.models import LeaveRequest, MedType, Order, Stay, StayReview, TraumaReport
from core.errors import DomainError
from core.forms import first_error, keep_refused, keep_typed
from core.permissions import role_required
from core.roles import Role, has_role
from core.text import name_keys
from drug_catalog.models import CatalogItem, HospitalItem
from fees.models import FeeLine
from hospital.models import Bed, Department, Practitioner, Ward
from insured.models import CardRead, InsuredPerson
from insured.selectors import mask_certno

WARD_ROLES = (Role.CLERK, Role.OFFICE, Role.DOCTOR, Role.NURSE)
CHARGERS = (Role.CLERK, Role.NURSE)
LEAVE_ROLES = (Role.NURSE, Role.DOCTOR)


def _back(request: HttpRequest, stay: Stay, anchor: str = "") -> HttpResponse:
    return redirect(f"/admission/{stay.pk}/{anchor}")


def _pk(value: str | None) -> int | None:
    """An id from a form or query string; anything but digits is no id (never a ValueError → 500)."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 19 else None


def _chosen(model, pk: int | None, label: str):
    """A row picked from a list on the page: a missing or stale choice is a message, not a 404/500."""
    found = model.objects.filter(pk=pk).first() if pk else None
    if found is None:
        raise DomainError(f"请从列表中选择{label}。", code="choice_required")
    return found


def _refused(request: HttpRequest, form, back: HttpResponse, key: str) -> HttpResponse:
    """An inline form's validation error: the banner, and what was typed with the error beside its
    field when the page comes back ({% kept_form key %} in the template)."""
    messages.error(request, f"未保存：{first_error(form)}")
    keep_refused(request, form, key)
    return back


def _posted(request: HttpRequest, *names: str) -> dict[str, str]:
    return {name: request.POST.get(name, "") for name in names}


# --- clerk ----------------------------------------------------------------------------------


@role_required(*WARD_ROLES)
def stay_list(request: HttpRequest) -> HttpResponse:
    params = request.GET
    department = params.get("department") or None
    stays = access.stays_for(
        request.user,
        *WARD_ROLES,
        queryset=selectors.stay_list(
            department=int(department) if department and department.isdigit() else None,
            status=params.get("status") or None,
            overdue=bool(params.get("overdue")),
            missing_custody=bool(params.get("missing_custody")),
            query=params.get("q", "").strip(),
        ),
    )[:300]
    today = timezone.localdate()
    rows = [{"stay": stay, "fund": selectors.fund_recognition(stay, today)} for stay in stays]
    return render(
        request,
        "admission/list.html",
        {
            "rows": rows,
            "departments": Department.objects.filter(kind="clinical", is_active=True),
            "statuses": Stay.Status.choices,
            "params": params,
            "today": today,
            "can_admit": has_role(request.user, Role.CLERK),
        },
    )


@role_required(Role.CLERK)
def admit(request: HttpRequest) -> HttpResponse:
    """Admission after a card read (insured) or by certificate number (emergency self-pay, trauma)."""
    source = request.POST if request.method == "POST" else request.GET
    card_read = (
        CardRead.objects.filter(pk=_pk(source.get("card_read")) or 0, confirmed_at__isnull=False)
        .select_related("person", "credential")
        .first()
    )
    person = card_read.person if card_read else None
    if person is None and source.get("certno"):
        person = InsuredPerson.objects.filter(certno=source["certno"].strip().upper()[:50]).first()
    context: dict[str, Any] = {
        "card_read": card_read,
        "person": person,
        "certno": mask_certno(person.certno) if person else "",
        "kinds": Stay.Kind.choices,
        "med_types": MedType.choices,
        "causes": TraumaReport.Cause.choices,
        **pickers.admission_choices(),
        "last": pickers.remembered(request),
        "patient": pickers.patient_context(person) if person else {},
        "form": source,
        "diagnosis_codes": source.getlist("diagnosis"),
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    }
    if request.method == "POST":
        bounds = AdmitBoundsForm(source)
        try:
            if person is None:
                raise DomainError(
                    "请先读卡，或按证件号码找到患者（急诊、外伤）。", code="person_required", rule="INS-1"
                )
            if not bounds.is_valid():
                raise DomainError(first_error(bounds), code="validation_error")
            data = bounds.cleaned_data
            ward = _chosen(Ward, data["ward"], "病区")
            bed = Bed.objects.filter(pk=data["bed"] or 0, ward=ward).first()
            kind = data["kind"] or Stay.Kind.NORMAL
            trauma = None
            if kind == Stay.Kind.TRAUMA:
                trauma = services.TraumaInput(
                    injured_at=data["injured_at"] or timezone.now(),
                    place=data["injury_place"],
                    cause=data["injury_cause"],
                    description=data["injury_description"],
                )
            result = services.stay_admit(
                actor=request.user,
                person=person,
                department=_chosen(Department, data["department"], "科室"),
                ward=ward,
                bed=bed,
                attending_doctor=_chosen(Practitioner, data["attending_doctor"], "主治医师"),
                diagnoses=[services.DiagnosisInput(code) for code in data["diagnoses"]],
                kind=kind,
                med_type=MedType.TRAUMA
                if kind == Stay.Kind.TRAUMA
                else data["med_type"] or MedType.INPATIENT,
                admitted_at=data["admitted_at"],
                card_read=card_read if kind != Stay.Kind.TRAUMA else None,
                trauma=trauma,
            )
        except DomainError as error:
            messages.error(request, error.message)
            return render(request, "admission/admit.html", context, status=400)
        pickers.remember(request, source)
        messages.success(request, f"已办理入院：{result.stay.ipt_no}，病案号 {result.stay.record.medrcdno}。")
        for warning in result.warnings:
            messages.warning(request, f"{warning['message']}（{warning['rule']}）")
        return redirect("admission:stay", pk=result.stay.pk)
    return render(request, "admission/admit.html", context)


@role_required(Role.CLERK)
def free_beds(request: HttpRequest) -> HttpResponse:
    """htmx: the free beds of a ward (ADM-5: one active patient per bed)."""
    ward = Ward.objects.filter(pk=_pk(request.GET.get("ward")) or 0).first()
    beds = selectors.free_beds(ward) if ward else []
    return render(request, "admission/_bed_options.html", {"beds": beds})


def _stay_context(stay: Stay) -> dict[str, Any]:
    today = timezone.localdate()
    policy = selectors.policy_as_of(today)
    lines = list(
        FeeLine.objects.filter(stay=stay)
        .select_related("hospital_item", "order")
        .order_by("-charged_at", "-id")[:200]
    )
    refunded = {
        row["init_feedetl_sn"]: -row["q"]
        for row in FeeLine.objects.filter(stay=stay)
        .exclude(init_feedetl_sn="")
        .values("init_feedetl_sn")
        .annotate(q=Sum("quantity"))
    }
    orders = list(
        stay.orders.exclude(status=Order.Status.CANCELLED).select_related("hospital_item", "doctor")
    )
    order_keys = []
    for order in orders:
        pinyin, initials = name_keys(order.hospital_item.name)
        order_keys.append(
            {
                "order": order,
                "keys": " ".join(
                    [
                        order.drord_no,
                        order.hospital_item.medins_list_codg,
                        order.hospital_item.name,
                        pinyin,
                        initials,
                    ]
                ).lower(),
            }
        )
    consented = set(stay.consents.values_list("hospital_item_id", flat=True))
    return {
        "stay": stay,
        "certno": mask_certno(stay.person.certno),
        "fund": selectors.fund_recognition(stay, today),
        "registration": selectors.active_registration(stay),
        "registrations": stay.registrations.all(),
        "custody": getattr(stay, "custody", None),
        "custody_due": selectors.custody_deadline(stay, policy),
        "trauma": getattr(stay, "trauma", None),
        "reviews": stay.reviews.all(),
        "diagnoses": stay.diagnoses.all(),
        "lines": [
            {
                "line": line,
                "refunded_quantity": refunded.get(line.feedetl_sn, 0),
                "refunded": line.quantity > 0 and line.quantity - refunded.get(line.feedetl_sn, 0) <= 0,
            }
            for line in lines
        ],
        "orders": order_keys,
        "totals": selectors.charge_totals(stay),
        "days": selectors.charge_days(stay),
        "consented": consented,
        "self_pay_labels": selectors.SELF_PAY_LABELS,
        "missing": selectors.discharge_missing(stay) if stay.status == Stay.Status.DISCHARGE_ORDERED else [],
        "leaves": stay.leaves.all(),
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "latest_read": CardRead.objects.filter(person=stay.person, confirmed_at__isnull=False)
        .order_by("-read_at")
        .first(),
    }


@role_required(*WARD_ROLES)
def stay_detail(request: HttpRequest, pk: int) -> HttpResponse:
    stay = access.stay_or_403(request.user, pk, *WARD_ROLES)
    return _stay_page(request, stay)


def _stay_page(request: HttpRequest, stay: Stay, *, status: int = 200, **forms: Any) -> HttpResponse:
    """The stay page; a refused entry comes back in `forms` (bound, with its errors) and status 400."""
    stay = Stay.objects.select_related(
        "person", "record", "department", "ward", "bed", "attending_doctor"
    ).get(pk=stay.pk)
    context = _stay_context(stay)
    user = request.user
    context.update(
        now_dt=timezone.now(),
        is_clerk=has_role(user, Role.CLERK),
        can_charge=access.may_act_on(user, stay, *CHARGERS),
        can_custody=has_role(user, Role.CLERK, Role.OFFICE),
        can_order=access.may_act_on(user, stay, Role.DOCTOR),
        can_order_discharge=access.may_act_on(user, stay, Role.DOCTOR),
        can_request_leave=access.may_act_on(user, stay, *LEAVE_ROLES),
        **forms,
    )
    for form in forms.values():
        messages.error(request, f"未保存：{first_error(form)}")
    return render(request, "admission/stay.html", context, status=status)


def _action(
    request: HttpRequest, stay: Stay, call, success: str, anchor: str = "", keep: str = ""
) -> HttpResponse:
    """Run a service for the stay page; a refusal is a banner, and the form `keep` (if named) comes
    back as typed."""
    try:
        result = call()
    except DomainError as error:
        if keep:
            keep_typed(request, keep, dict(request.POST.items()))
        detail = error.errors.get("lines") or error.errors.get("missing")
        messages.error(request, error.message)
        if isinstance(detail, dict):
            for problems in detail.values():
                for problem in problems:
                    messages.error(request, problem)
    else:
        messages.success(request, success)
        for warning in result if isinstance(result, list) and result and isinstance(result[0], dict) else []:
            messages.warning(request, f"{warning['message']}（{warning['rule']}）")
    return _back(request, stay, anchor)


@role_required(Role.CLERK, Role.NURSE)
@require_POST
def charge_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Keyboard charge entry: an order (picked by code or pinyin), a quantity, Enter. A refused entry
    re-renders the stay page with the entry as typed and the problem beside the field."""
    stay = access.stay_or_403(request.user, pk, *CHARGERS)
    form = ChargeForm(request.POST, stay=stay)
    if form.is_valid():
        data = form.cleaned_data

        def call():
            return charges.charges_post(
                actor=request.user,
                stay=stay,
                lines=[
                    charges.ChargeInput(
                        order=data["order"],
                        quantity=data["quantity"],
                        charged_at=data["charged_at"] or timezone.now(),
                        hosp_appr_flag="1" if data["hosp_appr_flag"] else "",
                    )
                ],
            )

        return _action(request, stay, call, "已计费。", "#charges")
    return _stay_page(request, stay, charge_form=form, status=400)


@role_required(Role.CLERK, Role.NURSE)
@require_POST
def charge_refund(request: HttpRequest, pk: int, charge_id: int) -> HttpResponse:
    stay = access.stay_or_403(request.user, pk, *CHARGERS)
    line = get_object_or_404(FeeLine, pk=charge_id, stay=stay)
    form = RefundForm(request.POST)
    if not form.is_valid():
        return _refused(request, form, _back(request, stay, "#charges"), f"refund-{line.pk}")
    return _action(
        request,
        stay,
        lambda: charges.charge_refund(
            actor=request.user,
            line=line,
            reason=form.cleaned_data["reason"],
            quantity=form.cleaned_data.get("quantity"),
        ),
        f"已退费（冲销 {line.feedetl_sn}）。",
        "#charges",
        keep=f"refund-{line.pk}",
    )


@role_required(Role.CLERK, Role.NURSE)
@require_POST
def consent_add(request: HttpRequest, pk: int) -> HttpResponse:
    stay = access.stay_or_403(request.user, pk, *CHARGERS)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return _refused(request, form, _back(request, stay, "#consent"), "consent")
    item = form.cleaned_data["hospital_item"]
    return _action(
        request,
        stay,
        lambda: charges.consent_record(
            actor=request.user,
            stay=stay,
            hospital_item=item,
            reason=form.cleaned_data["reason"] or "自费项目",
            signer=form.cleaned_data["signer"],
        ),
        f"已登记自费项目协议书：{item.name}。",
        "#charges",
        keep="consent",
    )


@role_required(Role.CLERK)
@require_POST
def register(request: HttpRequest, pk: int) -> HttpResponse:
    stay = get_object_or_404(Stay, pk=pk)
    read = get_object_or_404(CardRead, pk=_pk(request.POST.get("card_read")), person=stay.person)
    if stay.self_pay:
        return _action(
            request,
            stay,
            lambda: services.stay_convert_to_insured(actor=request.user, stay=stay, card_read=read),
            "已转为医保住院。",
        )
    return _action(
        request,
        stay,
        lambda: services.registration_register(actor=request.user, stay=stay, card_read=read),
        "已完成医保登记。",
    )


@role_required(Role.CLERK, Role.OFFICE)
@require_POST
def custody(request: HttpRequest, pk: int) -> HttpResponse:
    stay = get_object_or_404(Stay, pk=pk)
    form = CustodyForm(request.POST)
    if not form.is_valid():
        return _refused(request, form, _back(request, stay), "custody")
    return _action(
        request,
        stay,
        lambda: services.custody_record(actor=request.user, stay=stay, card_no=form.cleaned_data["card_no"]),
        "已登记医保卡交存。",
        keep="custody",
    )


@role_required(Role.CLERK, Role.NURSE)
def daily_list(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    stay = access.stay_or_403(
        request.user,
        pk,
        *CHARGERS,
        queryset=Stay.objects.select_related("person", "ward", "bed", "department"),
    )
    try:
        the_day = parse_date(day)
    except ValueError:
        the_day = None
    if the_day is None:
        return redirect("admission:stay", pk=pk)
    if request.method == "POST":
        form = SignerForm(request.POST)
        if not form.is_valid():
            return _refused(request, form, _back(request, stay, f"daily/{the_day:%Y-%m-%d}/"), "daily-signer")
        return _action(
            request,
            stay,
            lambda: charges.daily_list_acknowledge(
                actor=request.user, stay=stay, day=the_day, signer=form.cleaned_data["signer"]
            ),
            f"{the_day:%Y-%m-%d} 清单已签字确认。",
            f"daily/{the_day:%Y-%m-%d}/",
            keep="daily-signer",
        )
    days = selectors.charge_days(stay)
    return render(
        request,
        "admission/daily_list.html",
        {**selectors.daily_list(stay, the_day), "days": days, "certno": mask_certno(stay.person.certno)},
    )


@role_required(Role.DOCTOR)
@require_POST
def discharge_order(request: HttpRequest, pk: int) -> HttpResponse:
    """ADM-10: a doctor's order; the clerk sees its state on the stay page and discharges after it."""
    stay = access.stay_or_403(request.user, pk, Role.DOCTOR)
    return _action(
        request,
        stay,
        lambda: services.discharge_order(actor=request.user, stay=stay),
        "已开出院医嘱：请核对后办理出院（ADM-10）。",
        "discharge/",
    )


@role_required(Role.CLERK)
def discharge(request: HttpRequest, pk: int) -> HttpResponse:
    stay = get_object_or_404(Stay.objects.select_related("person", "department", "ward", "bed"), pk=pk)
    if request.method == "POST":
        bounds = DischargeBoundsForm(request.POST)

        def call():
            if not bounds.is_valid():
                raise DomainError(first_error(bounds), code="validation_error")
            data = bounds.cleaned_data
            way = data["discharge_way"]
            transfer = (
                {k: data[k] for k in ("destination_name", "destination_code", "reason")}
                if way == "2"
                else None
            )
            procedures = []
            if data["oprn_code"]:
                procedures.append(
                    services.ProcedureInput(
                        code=data["oprn_code"],
                        name=data["oprn_name"],
                        performed_on=data["oprn_date"] or timezone.localdate(),
                        operator=_chosen(Practitioner, data["oprn_operator"], "术者"),
                        anaesthesia=data["anaesthesia"],
                    )
                )
            _, warnings = services.stay_discharge(
                actor=request.user,
                stay=stay,
                procedures=procedures,
                discharge_way=way,
                diagnoses=[services.DiagnosisInput(c) for c in data["diagnoses"]],
                discharged_at=data["discharged_at"],
                transfer=transfer,
            )
            return warnings

        try:
            warnings = call()
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{stay.person.name} 已办理出院。")
            for warning in warnings:
                messages.warning(request, f"{warning['message']}（{warning['rule']}）")
            return redirect("admission:stay", pk=pk)
    return render(
        request,
        "admission/discharge.html",
        {
            "stay": stay,
            "missing": selectors.discharge_missing(stay)
            if stay.status == Stay.Status.DISCHARGE_ORDERED
            else [],
            "ways": Stay.DischargeWay.choices,
            "doctors": Practitioner.objects.filter(department=stay.department, kind="doctor"),
            "diagnoses": stay.diagnoses.all(),
            "form": request.POST,
            "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )


# --- office ---------------------------------------------------------------------------------


@role_required(Role.OFFICE)
def rounds(request: HttpRequest) -> HttpResponse:
    """ADM-5/ADM-6 on a phone: open stays by ward, one tap per finding."""
    ward = request.GET.get("ward") or ""
    stays = Stay.objects.open().select_related("person", "ward", "bed").order_by("ward__code", "bed__number")
    if ward.isdigit():
        stays = stays.filter(ward_id=int(ward))
    today = timezone.localdate()
    rows = [
        {
            "stay": stay,
            "last": stay.rounds.order_by("-inspected_at").first(),
            "absences": stay.rounds.filter(finding="absent").count(),
        }
        for stay in stays[:300]
    ]
    return render(
        request,
        "admission/rounds.html",
        {"rows": rows, "wards": Ward.objects.filter(is_active=True), "ward": ward, "today": today},
    )


@role_required(Role.OFFICE)
@require_POST
def round_add(request: HttpRequest, pk: int) -> HttpResponse:
    stay = get_object_or_404(Stay, pk=pk)
    notices: list[dict[str, str]] = []
    error = ""
    form = RoundForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(first_error(form), code="validation_error")
        _, notices = services.round_record(
            actor=request.user,
            stay=stay,
            finding=form.cleaned_data["finding"],
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        error = exc.message
    stay.refresh_from_db()
    row = {
        "stay": stay,
        "last": stay.rounds.order_by("-inspected_at").first(),
        "absences": stay.rounds.filter(finding="absent").count(),
    }
    return render(request, "admission/_round_row.html", {"row": row, "notices": notices, "error": error})


@role_required(Role.OFFICE)
def reviews(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if not form.is_valid():
            key = f"review-{_pk(request.POST.get('review'))}"
            return _refused(request, form, redirect("admission:reviews"), key)
        review = form.cleaned_data["review"]
        try:
            services.review_decide(
                actor=request.user,
                review=review,
                confirm=form.cleaned_data["confirm"] == "1",
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            messages.error(request, error.message)
            keep_typed(request, f"review-{review.pk}", _posted(request, "reason"))
        else:
            messages.success(request, f"{review.stay.ipt_no} {review.get_kind_display()}：已审核。")
        return redirect("admission:reviews")
    open_reviews = StayReview.objects.filter(status=StayReview.Status.OPEN).select_related(
        "stay__person", "stay__ward", "stay__bed", "related_stay"
    )
    decided = (
        StayReview.objects.exclude(status=StayReview.Status.OPEN)
        .select_related("stay__person")
        .order_by("-decided_at")[:30]
    )
    pending_trauma = TraumaReport.objects.filter(decision=TraumaReport.Decision.PENDING).select_related(
        "stay__person"
    )
    return render(
        request,
        "admission/reviews.html",
        {
            "open_reviews": open_reviews,
            "decided": decided,
            "pending_trauma": pending_trauma,
            "decisions": TraumaReport.Decision.choices[1:],
        },
    )


@role_required(Role.OFFICE)
@require_POST
def trauma_decide(request: HttpRequest, pk: int) -> HttpResponse:
    stay = get_object_or_404(Stay, pk=pk)
    form = TraumaDecisionForm(request.POST)
    if not form.is_valid():
        return _refused(request, form, redirect("admission:reviews"), f"trauma-{stay.pk}")
    try:
        services.trauma_decide(
            actor=request.user,
            stay=stay,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as error:
        messages.error(request, error.message)
        keep_typed(request, f"trauma-{stay.pk}", _posted(request, "decision", "reason"))
    else:
        messages.success(request, f"{stay.ipt_no} 外伤认定已记录。")
    return redirect("admission:reviews")


# --- doctor ---------------------------------------------------------------------------------


@role_required(Role.DOCTOR)
def my_patients(request: HttpRequest) -> HttpResponse:
    """The open stays of the doctor's department, those he attends and those he consults on."""
    doctor = getattr(request.user, "practitioner", None)
    stays = access.stays_for(
        request.user,
        Role.DOCTOR,
        queryset=Stay.objects.open()
        .select_related("person", "ward", "bed", "department", "attending_doctor")
        .order_by("ward__code", "bed__number"),
    )
    leaves = LeaveRequest.objects.filter(stay__in=stays, status=LeaveRequest.Status.REQUESTED).select_related(
        "stay__person"
    )
    return render(
        request,
        "admission/my_patients.html",
        {"stays": stays, "leaves": leaves, "doctor": doctor, "user_id": request.user.pk},
    )


@role_required(Role.DOCTOR)
def orders(request: HttpRequest, pk: int) -> HttpResponse:
    stay = access.stay_or_403(
        request.user, pk, Role.DOCTOR, queryset=Stay.objects.select_related("person", "ward", "bed")
    )
    doctor = getattr(request.user, "practitioner", None)
    initial = {"quantity": "1", "kind": Order.Kind.TEMPORARY}
    form = (
        OrderForm(request.POST, initial=initial) if request.method == "POST" else OrderForm(initial=initial)
    )
    if request.method == "POST":
        if doctor is None:
            messages.error(request, "当前账号未关联医师。")
            return redirect("admission:orders", pk=pk)
        if form.is_valid():
            data = form.cleaned_data
            try:
                charges.order_create(
                    actor=request.user,
                    stay=stay,
                    hospital_item=data["hospital_item"],
                    doctor=doctor,
                    kind=data["kind"],
                    quantity=data["quantity"],
                    frequency=data["frequency"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, f"已开医嘱：{data['hospital_item'].name}。")
                return redirect("admission:orders", pk=pk)
    return render(
        request,
        "admission/orders.html",
        {
            "stay": stay,
            "orders": stay.orders.select_related("hospital_item", "doctor").order_by("-ordered_at"),
            "kinds": Order.Kind.choices,
            "form": form,
            "consultations": stay.consultations.select_related("doctor__department"),
            "consultants": Practitioner.objects.filter(kind="doctor", is_active=True)
            .exclude(department_id=stay.department_id)
            .select_related("department"),
        },
        status=400 if form.errors else 200,
    )


@role_required(Role.DOCTOR)
@require_POST
def leave_decide(request: HttpRequest, leave_id: int) -> HttpResponse:
    leave = get_object_or_404(LeaveRequest, pk=leave_id)
    access.require_stay(request.user, leave.stay, Role.DOCTOR)
    doctor = getattr(request.user, "practitioner", None)
    try:
        if doctor is None:
            raise DomainError("当前账号未关联医师。", code="no_practitioner")
        services.leave_decide(
            actor=request.user, leave=leave, approve=request.POST.get("approve") == "1", doctor=doctor
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("admission:my_patients")


@role_required(Role.NURSE, Role.DOCTOR)
@require_POST
def leave_add(request: HttpRequest, pk: int) -> HttpResponse:
    stay = access.stay_or_403(request.user, pk, *LEAVE_ROLES)
    form = LeaveForm(request.POST)
    if not form.is_valid():
        return _refused(request, form, _back(request, stay, "#leave"), "leave")
    data = form.cleaned_data
    return _action(
        request,
        stay,
        lambda: services.leave_request(
            actor=request.user,
            stay=stay,
            starts_at=data["starts_at"] or timezone.now(),
            ends_at=data["ends_at"] or timezone.now(),
            reason=data["reason"],
        ),
        "已提交请假，待医师批准（ADM-6）。",
        "#leave",
        keep="leave",
    )


@role_required(Role.DOCTOR)
@require_POST
def consultation_add(request: HttpRequest, pk: int) -> HttpResponse:
    """会诊: a doctor of the stay invites a doctor of another department onto it."""
    stay = access.stay_or_403(request.user, pk, Role.DOCTOR)
    consultant = Practitioner.objects.filter(pk=_pk(request.POST.get("doctor")) or 0, kind="doctor").first()
    reason = request.POST.get("reason", "").strip()[:200]
    if consultant is None:
        messages.error(request, "未保存：会诊医师：请从列表中选择医师。")
        keep_typed(
            request,
            "consultation",
            _posted(request, "doctor", "reason"),
            {"doctor": ["请从列表中选择医师。"]},
        )
        return redirect("admission:orders", pk=pk)
    try:
        services.consultation_invite(actor=request.user, stay=stay, doctor=consultant, reason=reason)
    except DomainError as error:
        messages.error(request, error.message)
        keep_typed(request, "consultation", _posted(request, "doctor", "reason"))
    else:
        messages.success(request, f"已邀请 {consultant.name} 会诊。")
    return redirect("admission:orders", pk=pk)


@role_required(*WARD_ROLES)
def hospital_item_search(request: HttpRequest) -> JsonResponse:
    """Pickers: hospital items by code, Chinese name or the mapped national item's pinyin initials."""
    query = request.GET.get("q", "").strip()
    if not query:
        return JsonResponse([], safe=False)
    lowered = query.lower()
    initials_codes = CatalogItem.objects.filter(name_initials__startswith=lowered).values("code")
    items = HospitalItem.objects.filter(
        Q(medins_list_codg__istartswith=query)
        | Q(name__icontains=query)
        | Q(med_list_codg__in=initials_codes)
    ).order_by("medins_list_codg")[:15]
    return JsonResponse(
        [
            {
                "id": item.pk,
                "code": item.medins_list_codg,
                "name": item.name,
                "specification": item.specification,
                "price": str(item.price),
                "mapped": item.fund_payable,
            }
            for item in items
        ],
        safe=False,
    )


@role_required(Role.CLERK, Role.NURSE)
def consent_form(request: HttpRequest, pk: int) -> HttpResponse:
    """FEE-4: the printable 自费项目协议书 the patient signs before a self-paid item is charged."""
    stay = access.stay_or_403(
        request.user,
        pk,
        *CHARGERS,
        queryset=Stay.objects.select_related("person", "ward", "bed", "department"),
    )
    item = HospitalItem.objects.filter(pk=_pk(request.GET.get("hospital_item")) or 0).first()
    return render(
        request,
        "admission/consent_form.html",
        {
            "stay": stay,
            "item": item,
            "reason": request.GET.get("reason", ""),
            "consents": stay.consents.select_related("hospital_item"),
            "today": timezone.localdate(),
        },
    )


@role_required(Role.CLERK)
@require_POST
def registration_cancel(request: HttpRequest, pk: int, registration_id: int) -> HttpResponse:
    """2404: cancel the center registration; the stay keeps its number and charges and can register again."""
    from admission.models import InsuranceRegistration

    stay = get_object_or_404(Stay, pk=pk)
    registration = get_object_or_404(InsuranceRegistration, pk=registration_id, stay=stay)
    form = ReasonForm(request.POST)
    key = f"registration-cancel-{registration.pk}"
    if not form.is_valid():
        return _refused(request, form, _back(request, stay), key)
    return _action(
        request,
        stay,
        lambda: services.registration_cancel(
            actor=request.user, registration=registration, reason=form.cleaned_data["reason"]
        ),
        "医保登记已撤销（2404），可重新登记。",
        keep=key,
    )


@role_required(Role.OFFICE)
def referral_rate(request: HttpRequest) -> HttpResponse:
    """ADM-11: outward transfers ÷ admissions per month, against the policy's limit, with the transfers."""
    from admission.models import Transfer

    form = ReferralYearForm(request.GET)
    year = (form.cleaned_data.get("year") if form.is_valid() else None) or timezone.localdate().year
    if form.errors:
        messages.error(request, "年份应为 2000–2099 之间的整数，已显示今年。")
    return render(
        request,
        "admission/referral_rate.html",
        {
            "year": year,
            "rows": selectors.referral_rate_by_month(year),
            "limit": selectors.policy_as_of(timezone.localdate()).referral_rate_limit,
            "transfers": Transfer.objects.filter(transferred_at__year=year).select_related("stay__person")[
                :200
            ],
        },
    )
