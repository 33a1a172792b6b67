"""The admission API (/api/v1/admissions/): every window, ward and office action of the stay, so a HIS
can drive it. Thin views: parse, resolve codes to rows, call one service, answer."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from admission import access, charges, selectors, services
from admission.api import serializers as s
from admission.models import InsuranceRegistration, LeaveRequest, Order, Stay, StayReview
from core.api.permissions import role_permission
from core.api.query import query_date, query_year
from core.errors import DomainError
from core.roles import Role
from drug_catalog.models import HospitalItem
from fees.models import FeeLine
from hospital.models import Bed, Department, Practitioner, Ward
from insured.models import CardRead, InsuredPerson

WARD_ROLES = (Role.CLERK, Role.OFFICE, Role.DOCTOR, Role.NURSE)
READ = role_permission(read_roles=WARD_ROLES)
CLERK = role_permission(Role.CLERK, read_roles=WARD_ROLES)
CHARGERS = role_permission(Role.CLERK, Role.NURSE, read_roles=WARD_ROLES)
OFFICE = role_permission(Role.OFFICE, read_roles=WARD_ROLES)
CUSTODY = role_permission(Role.CLERK, Role.OFFICE)
DOCTOR = role_permission(Role.DOCTOR, read_roles=WARD_ROLES)
LEAVE = role_permission(Role.NURSE, Role.DOCTOR)


def _stays():
    return Stay.objects.select_related(
        "person", "record", "department", "ward", "bed", "attending_doctor"
    ).prefetch_related("diagnoses", "registrations")


def _scoped_stay(view: APIView, pk: int) -> Stay:
    """The stay `pk`, refused (403) outside the user's department/ward for the roles this view
    admits for the request's method (issue 19: who may touch what, per object)."""
    permission = view.permission_classes[0]
    roles = tuple(permission.allowed_roles)
    if view.request.method in SAFE_METHODS:
        roles += tuple(permission.allowed_read_roles)
    return access.stay_or_403(view.request.user, pk, *roles)


def _get(model, message: str, **lookup):
    row = model.objects.filter(**lookup).first()
    if row is None:
        raise DomainError(message, code="not_found", status_code=404)
    return row


def _practitioner(staff_no: str | None) -> Practitioner | None:
    if not staff_no:
        return None
    return _get(Practitioner, f"工号 {staff_no} 不存在。", staff_no=staff_no)


def _card_read(card_read_id: int | None) -> CardRead | None:
    if not card_read_id:
        return None
    return _get(CardRead, f"读卡记录 {card_read_id} 不存在。", pk=card_read_id)


def _acting_doctor(user) -> Practitioner:
    doctor = getattr(user, "practitioner", None)
    if doctor is None:
        raise DomainError("当前账号未关联医护人员。", code="no_practitioner", status_code=403)
    return doctor


def _stay_body(stay: Stay, request: Request, warnings=()) -> dict:
    stay = _stays().get(pk=stay.pk)
    return {**s.StaySerializer(stay, context={"request": request}).data, "warnings": list(warnings)}


class AdmissionListApi(APIView):
    """List the in-patients (filters) and admit (ADM-1..ADM-5, ADM-8)."""

    permission_classes = [CLERK]

    @extend_schema(
        parameters=[
            OpenApiParameter("department", str),
            OpenApiParameter("status", str),
            OpenApiParameter("overdue", bool, description="ADM-3 补办手续逾期"),
            OpenApiParameter("missing_custody", bool, description="ADM-2 超 24 小时未交卡"),
            OpenApiParameter("q", str),
        ],
        responses=s.StaySerializer(many=True),
        summary="在院患者列表",
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        department = (
            Department.objects.filter(code=params["department"]).first() if params.get("department") else None
        )
        stays = selectors.stay_list(
            department=department.pk if department else None,
            status=params.get("status") or None,
            overdue=params.get("overdue") in ("1", "true"),
            missing_custody=params.get("missing_custody") in ("1", "true"),
            query=params.get("q", "").strip(),
        ).prefetch_related("diagnoses", "registrations")
        stays = access.stays_for(request.user, *WARD_ROLES, queryset=stays)[:500]
        return Response(s.StaySerializer(stays, many=True, context={"request": request}).data)

    @extend_schema(request=s.AdmitSerializer, responses={201: s.StaySerializer}, summary="办理入院")
    def post(self, request: Request) -> Response:
        body = s.AdmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        ward = _get(Ward, f"病区 {data['ward']} 不存在。", code=data["ward"])
        diagnoses = [
            services.DiagnosisInput(d["code"].strip().upper(), diag_type=d["diag_type"], is_main=d["is_main"])
            for d in data.get("diagnoses")
            or [{"code": data["diagnosis_code"], "diag_type": "1", "is_main": True}]
        ]
        trauma = services.TraumaInput(**data["trauma"]) if data.get("trauma") else None
        result = services.stay_admit(
            actor=request.user,
            person=_get(
                InsuredPerson, f"人员编号 {data['psn_no']} 不存在，请先读卡。", psn_no=data["psn_no"]
            ),
            department=_get(Department, f"科室 {data['department']} 不存在。", code=data["department"]),
            ward=ward,
            bed=_get(Bed, f"床位 {data['bed']} 不存在。", ward=ward, number=data["bed"])
            if data.get("bed")
            else None,
            attending_doctor=_practitioner(data["attending_doctor"]),
            outpatient_doctor=_practitioner(data.get("outpatient_doctor")),
            diagnoses=diagnoses,
            kind=data["kind"],
            med_type=data["med_type"],
            admitted_at=data.get("admitted_at"),
            card_read=_card_read(data.get("card_read_id")),
            trauma=trauma,
            newborn_with_mother=data["newborn_with_mother"],
        )
        return Response(_stay_body(result.stay, request, result.warnings), status=status.HTTP_201_CREATED)


class AdmissionDetailApi(APIView):
    permission_classes = [READ]

    @extend_schema(responses=s.StaySerializer, summary="住院详情")
    def get(self, request: Request, pk: int) -> Response:
        stay = _scoped_stay(self, pk)
        body = _stay_body(stay, request)
        body["totals"] = {k: str(v) for k, v in selectors.charge_totals(stay).items()}
        body["discharge_missing"] = selectors.discharge_missing(stay)
        return Response(body)


class StayActionApi(APIView):
    """Base for POST actions on one stay."""

    serializer = None

    def stay(self, pk: int) -> Stay:
        return _scoped_stay(self, pk)

    def data(self, request: Request) -> dict:
        body = self.serializer(data=request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data


class RegisterApi(StayActionApi):
    """Register at the center (2401); a self-pay stay becomes insured (ADM-3)."""

    permission_classes = [CLERK]
    serializer = s.CardReadRefSerializer

    @extend_schema(
        request=s.CardReadRefSerializer, responses=s.StaySerializer, summary="医保登记 / 自费转医保"
    )
    def post(self, request: Request, pk: int) -> Response:
        stay = self.stay(pk)
        read = _card_read(self.data(request)["card_read_id"])
        if stay.self_pay:
            warnings = services.stay_convert_to_insured(actor=request.user, stay=stay, card_read=read)
        else:
            warnings = services.registration_register(actor=request.user, stay=stay, card_read=read)
        return Response(_stay_body(stay, request, warnings))


class RegistrationCancelApi(APIView):
    permission_classes = [CLERK]

    @extend_schema(request=s.ReasonSerializer, responses=s.StaySerializer, summary="撤销医保登记（2404）")
    def post(self, request: Request, pk: int, registration_id: int) -> Response:
        registration = get_object_or_404(InsuranceRegistration, pk=registration_id, stay_id=pk)
        body = s.ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.registration_cancel(
            actor=request.user, registration=registration, reason=body.validated_data["reason"]
        )
        return Response(_stay_body(registration.stay, request))


class CustodyApi(StayActionApi):
    permission_classes = [CUSTODY]
    serializer = s.CustodySerializer

    @extend_schema(request=s.CustodySerializer, responses=s.StaySerializer, summary="医保卡交存（ADM-2）")
    def post(self, request: Request, pk: int) -> Response:
        stay = self.stay(pk)
        services.custody_record(actor=request.user, stay=stay, **self.data(request))
        return Response(_stay_body(stay, request), status=status.HTTP_201_CREATED)


class TraumaDecisionApi(StayActionApi):
    permission_classes = [OFFICE]
    serializer = s.TraumaDecisionSerializer

    @extend_schema(
        request=s.TraumaDecisionSerializer, responses=s.StaySerializer, summary="外伤基金支付认定（ADM-4）"
    )
    def post(self, request: Request, pk: int) -> Response:
        stay = self.stay(pk)
        services.trauma_decide(actor=request.user, stay=stay, **self.data(request))
        return Response(_stay_body(stay, request))


class RoundApi(StayActionApi):
    permission_classes = [OFFICE]
    serializer = s.RoundSerializer

    @extend_schema(
        request=s.RoundSerializer,
        responses={
            201: inline_serializer(
                "RoundRecorded",
                {
                    "id": serializers.IntegerField(),
                    "finding": serializers.CharField(),
                    "notices": serializers.ListField(
                        child=serializers.DictField(child=serializers.CharField()),
                        help_text="每条含 rule、message",
                    ),
                },
            )
        },
        summary="查房登记（ADM-5/ADM-6）",
    )
    def post(self, request: Request, pk: int) -> Response:
        stay = self.stay(pk)
        round_, notices = services.round_record(actor=request.user, stay=stay, **self.data(request))
        return Response(
            {"id": round_.pk, "finding": round_.finding, "notices": notices}, status=status.HTTP_201_CREATED
        )


class LeaveApi(StayActionApi):
    permission_classes = [LEAVE]
    serializer = s.LeaveInSerializer

    @extend_schema(
        request=s.LeaveInSerializer, responses={201: s.LeaveSerializer}, summary="请假申请（ADM-6）"
    )
    def post(self, request: Request, pk: int) -> Response:
        leave = services.leave_request(actor=request.user, stay=self.stay(pk), **self.data(request))
        return Response(s.LeaveSerializer(leave).data, status=status.HTTP_201_CREATED)


class LeaveDecisionApi(APIView):
    permission_classes = [role_permission(Role.DOCTOR)]

    @extend_schema(
        request=s.LeaveDecisionSerializer, responses=s.LeaveSerializer, summary="批准/不批准请假（医师）"
    )
    def post(self, request: Request, leave_id: int) -> Response:
        leave = get_object_or_404(LeaveRequest, pk=leave_id)
        access.require_stay(request.user, leave.stay, Role.DOCTOR)
        body = s.LeaveDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        leave = services.leave_decide(
            actor=request.user,
            leave=leave,
            approve=body.validated_data["approve"],
            doctor=_acting_doctor(request.user),
        )
        return Response(s.LeaveSerializer(leave).data)


class ReviewListApi(APIView):
    permission_classes = [role_permission(Role.OFFICE)]

    @extend_schema(
        parameters=[OpenApiParameter("status", str)],
        responses=s.ReviewSerializer(many=True),
        summary="住院审核事项",
    )
    def get(self, request: Request) -> Response:
        reviews = StayReview.objects.select_related("stay__person", "related_stay")
        reviews = reviews.filter(status=request.query_params.get("status", StayReview.Status.OPEN))
        return Response(s.ReviewSerializer(reviews[:500], many=True).data)


class ReviewDecisionApi(APIView):
    permission_classes = [role_permission(Role.OFFICE)]

    @extend_schema(
        request=s.ReviewDecisionSerializer,
        responses=s.ReviewSerializer,
        summary="审核决定（挂床、分解住院、无床位）",
    )
    def post(self, request: Request, review_id: int) -> Response:
        review = get_object_or_404(StayReview, pk=review_id)
        body = s.ReviewDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review = services.review_decide(actor=request.user, review=review, **body.validated_data)
        return Response(s.ReviewSerializer(review).data)


class OrderApi(StayActionApi):
    permission_classes = [DOCTOR]
    serializer = s.OrderInSerializer

    @extend_schema(responses=s.OrderSerializer(many=True), summary="医嘱列表")
    def get(self, request: Request, pk: int) -> Response:
        orders = Order.objects.filter(stay=self.stay(pk)).select_related("hospital_item", "doctor")
        return Response(s.OrderSerializer(orders, many=True).data)

    @extend_schema(request=s.OrderInSerializer, responses={201: s.OrderSerializer}, summary="开医嘱（医师）")
    def post(self, request: Request, pk: int) -> Response:
        data = self.data(request)
        item = _get(
            HospitalItem, f"院内项目 {data['item_code']} 不存在。", medins_list_codg=data.pop("item_code")
        )
        order = charges.order_create(
            actor=request.user,
            stay=self.stay(pk),
            hospital_item=item,
            doctor=_acting_doctor(request.user),
            **data,
        )
        return Response(s.OrderSerializer(order).data, status=status.HTTP_201_CREATED)


class ChargeApi(StayActionApi):
    """Charges of a stay; POST is a batch (a HIS pushes them): all or nothing, errors per line."""

    permission_classes = [CHARGERS]
    serializer = s.ChargeBatchSerializer

    @extend_schema(responses=s.ChargeLineSerializer(many=True), summary="费用明细")
    def get(self, request: Request, pk: int) -> Response:
        lines = FeeLine.objects.filter(stay=self.stay(pk)).select_related(
            "order", "hospital_item", "ordering_department", "ordering_doctor"
        )
        return Response(s.ChargeLineSerializer(lines, many=True).data)

    @extend_schema(
        request=s.ChargeBatchSerializer,
        responses={201: s.ChargeLineSerializer(many=True)},
        summary="批量计费",
    )
    def post(self, request: Request, pk: int) -> Response:
        stay = self.stay(pk)
        lines = self.data(request)["lines"]
        orders = {
            o.drord_no: o
            for o in Order.objects.filter(stay=stay, drord_no__in=[line["drord_no"] for line in lines])
        }
        departments = {
            d.code: d
            for d in Department.objects.filter(code__in=[line.get("executing_department") for line in lines])
        }
        missing = {
            str(i): [f"医嘱号 {line['drord_no']} 不属于本次住院（FEE-2）"]
            for i, line in enumerate(lines)
            if line["drord_no"] not in orders
        }
        if missing:
            raise DomainError(
                "有费用行没有对应医嘱，整批未保存。",
                code="charges_refused",
                rule="FEE-2",
                errors={"lines": missing},
                status_code=422,
            )
        inputs = [
            charges.ChargeInput(
                order=orders[line["drord_no"]],
                quantity=line["quantity"],
                charged_at=line["charged_at"],
                unit_price=line.get("unit_price"),
                executing_department=departments.get(line.get("executing_department")),
                hosp_appr_flag=line["hosp_appr_flag"],
                discharge_medication=line["discharge_medication"],
                tcmdrug_used_way=line["tcmdrug_used_way"],
                external_lab=line["external_lab"],
            )
            for line in lines
        ]
        created = charges.charges_post(actor=request.user, stay=stay, lines=inputs)
        return Response(s.ChargeLineSerializer(created, many=True).data, status=status.HTTP_201_CREATED)


class RefundApi(APIView):
    permission_classes = [role_permission(Role.CLERK, Role.NURSE)]

    @extend_schema(
        request=s.RefundSerializer, responses={201: s.ChargeLineSerializer}, summary="退费（负数冲销行）"
    )
    def post(self, request: Request, charge_id: int) -> Response:
        line = get_object_or_404(FeeLine, pk=charge_id)
        access.require_stay(request.user, line.stay, Role.CLERK, Role.NURSE)
        body = s.RefundSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        refund = charges.charge_refund(actor=request.user, line=line, **body.validated_data)
        return Response(s.ChargeLineSerializer(refund).data, status=status.HTTP_201_CREATED)


class ConsentApi(StayActionApi):
    permission_classes = [role_permission(Role.CLERK, Role.NURSE)]
    serializer = s.ConsentSerializer

    @extend_schema(
        request=s.ConsentSerializer,
        responses={
            201: inline_serializer(
                "ConsentRecorded",
                {
                    "id": serializers.IntegerField(),
                    "item_code": serializers.CharField(),
                    "signed_at": serializers.DateTimeField(),
                },
            )
        },
        summary="登记自费项目协议书（FEE-4）",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.data(request)
        item = _get(
            HospitalItem, f"院内项目 {data['item_code']} 不存在。", medins_list_codg=data["item_code"]
        )
        consent = charges.consent_record(
            actor=request.user,
            stay=self.stay(pk),
            hospital_item=item,
            reason=data["reason"],
            signer=data["signer"],
        )
        return Response(
            {"id": consent.pk, "item_code": item.medins_list_codg, "signed_at": consent.signed_at}, status=201
        )


class DailyListApi(APIView):
    permission_classes = [CHARGERS]

    @extend_schema(
        parameters=[OpenApiParameter("day", str)],
        responses=inline_serializer(
            "DailyList",
            {
                "ipt_no": serializers.CharField(),
                "day": serializers.DateField(),
                "classes": serializers.ListField(child=serializers.DictField()),
                "day_total": serializers.CharField(),
                "day_self_pay": serializers.CharField(),
                "running_total": serializers.CharField(),
                "acknowledged_by": serializers.CharField(allow_null=True),
            },
        ),
        summary="每日费用清单（ADM-9）",
    )
    def get(self, request: Request, pk: int) -> Response:
        stay = _scoped_stay(self, pk)
        day = query_date(request.query_params, "day") or timezone.localdate()
        listing = selectors.daily_list(stay, day)
        return Response(
            {
                "ipt_no": stay.ipt_no,
                "day": day,
                "classes": [
                    {
                        "insurance_class": g["klass"],
                        "label": g["label"],
                        "subtotal": str(g["subtotal"]),
                        "lines": [s.ChargeLineSerializer(row["line"]).data for row in g["lines"]],
                    }
                    for g in listing["groups"]
                ],
                "day_total": str(listing["day_total"]),
                "day_self_pay": str(listing["day_self_pay"]),
                "running_total": str(listing["running_total"]),
                "acknowledged_by": listing["acknowledgement"].signer if listing["acknowledgement"] else None,
            }
        )

    @extend_schema(
        request=s.AckSerializer,
        responses={
            201: inline_serializer(
                "DailyListAcknowledged",
                {
                    "day": serializers.DateField(),
                    "signer": serializers.CharField(),
                    "signed_at": serializers.DateTimeField(),
                },
            )
        },
        summary="患者签字确认每日清单（ADM-9）",
    )
    def post(self, request: Request, pk: int) -> Response:
        body = s.AckSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ack = charges.daily_list_acknowledge(
            actor=request.user, stay=_scoped_stay(self, pk), **body.validated_data
        )
        return Response({"day": ack.day, "signer": ack.signer, "signed_at": ack.signed_at}, status=201)


class DischargeOrderApi(StayActionApi):
    """ADM-10: a doctor's order, on a stay of his department (the clerk reads its state)."""

    permission_classes = [role_permission(Role.DOCTOR)]
    serializer = s.DischargeOrderSerializer

    @extend_schema(
        request=s.DischargeOrderSerializer, responses=s.StaySerializer, summary="出院医嘱（ADM-10）"
    )
    def post(self, request: Request, pk: int) -> Response:
        stay = services.discharge_order(actor=request.user, stay=self.stay(pk), **self.data(request))
        return Response(_stay_body(stay, request))


class ChecklistApi(APIView):
    permission_classes = [READ]

    @extend_schema(
        responses=inline_serializer(
            "DischargeChecklist",
            {
                "ok": serializers.BooleanField(),
                "missing": serializers.ListField(
                    child=serializers.DictField(child=serializers.CharField()),
                    help_text="每条含 rule、code、message",
                ),
            },
        ),
        summary="出院核对清单（ADM-10）",
    )
    def get(self, request: Request, pk: int) -> Response:
        missing = selectors.discharge_missing(_scoped_stay(self, pk))
        return Response({"ok": not missing, "missing": missing})


class DischargeApi(StayActionApi):
    permission_classes = [CLERK]
    serializer = s.DischargeSerializer

    @extend_schema(
        request=s.DischargeSerializer, responses=s.StaySerializer, summary="办理出院（ADM-10，2402）"
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.data(request)
        procedures = [
            services.ProcedureInput(
                code=p["code"],
                name=p.get("name", ""),
                performed_on=p["performed_on"],
                operator=_practitioner(p.get("operator")),
                anaesthesia=p.get("anaesthesia", ""),
            )
            for p in data.get("procedures") or []
        ]
        stay, warnings = services.stay_discharge(
            actor=request.user,
            stay=self.stay(pk),
            discharge_way=data["discharge_way"],
            diagnoses=[
                services.DiagnosisInput(
                    d["code"].strip().upper(), diag_type=d["diag_type"], is_main=d["is_main"]
                )
                for d in data.get("diagnoses") or []
            ],
            procedures=procedures,
            discharged_at=data.get("discharged_at"),
            transfer=data.get("transfer"),
        )
        return Response(_stay_body(stay, request, warnings))


class CancelApi(StayActionApi):
    permission_classes = [CLERK]
    serializer = s.ReasonSerializer

    @extend_schema(request=s.ReasonSerializer, responses=s.StaySerializer, summary="取消入院（无费用时）")
    def post(self, request: Request, pk: int) -> Response:
        stay = services.stay_cancel(
            actor=request.user, stay=self.stay(pk), reason=self.data(request)["reason"]
        )
        return Response(_stay_body(stay, request))


class ReferralRateApi(APIView):
    permission_classes = [role_permission(Role.OFFICE)]

    @extend_schema(
        parameters=[OpenApiParameter("year", int)],
        responses=inline_serializer(
            "ReferralRateMonth",
            {
                "month": serializers.IntegerField(min_value=1, max_value=12),
                "admissions": serializers.IntegerField(),
                "transfers": serializers.IntegerField(),
                "rate": serializers.CharField(),
                "exceeded": serializers.BooleanField(),
            },
            many=True,
        ),
        summary="月度转诊率（ADM-11）",
    )
    def get(self, request: Request) -> Response:
        year = query_year(request.query_params) or timezone.localdate().year
        rows = selectors.referral_rate_by_month(year)
        return Response([{**row, "rate": str(row["rate"])} for row in rows])
