from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import role_permission
from core.roles import Role
from insured import selectors, services
from insured.api import serializers as s
from insured.models import CardRead, InsuredPerson, PersonAccessLog, Sanction

WINDOW = role_permission(Role.CLERK)
OFFICE = role_permission(Role.OFFICE, Role.ADMIN)


class CardReadApi(APIView):
    """INS-1: read a credential at a registered reader. Typed insurance numbers are refused."""

    permission_classes = [WINDOW]

    @extend_schema(request=s.CardReadRequestSerializer, responses=s.CardReadAnswerSerializer, summary="读卡")
    def post(self, request: Request) -> Response:
        body = s.CardReadRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        agent = services.AgentIdentity(**data["agent"]) if data.get("agent") else None
        read = services.card_read(
            actor=request.user,
            reader_id=data["reader_id"],
            credential_type=data["credential_type"],
            credential_value=data["credential_value"],
            entry_mode=data["entry_mode"],
            card_sn=data["card_sn"],
            reader_mac=data["reader_mac"],
            purpose=data["purpose"],
            agent=agent,
        )
        read = services.card_read_center_check(actor=request.user, card_read=read)
        answer = selectors.card_read_answer(read, request.user)
        return Response(s.CardReadAnswerSerializer(answer).data, status=status.HTTP_201_CREATED)


class CardReadConfirmApi(APIView):
    """INS-1: the clerk confirms that person, certificate and card match."""

    permission_classes = [WINDOW]

    @extend_schema(request=None, responses=s.CardReadAnswerSerializer, summary="确认人证卡一致")
    def post(self, request: Request, pk: int) -> Response:
        read = get_object_or_404(CardRead, pk=pk)
        read = services.card_read_confirm(actor=request.user, card_read=read)
        return Response(s.CardReadAnswerSerializer(selectors.card_read_answer(read, request.user)).data)


class PersonSearchApi(APIView):
    """Office search by name, pinyin initials or full pinyin, psn_no or certificate number (logged)."""

    permission_classes = [OFFICE]

    @extend_schema(
        parameters=[OpenApiParameter("q", str)],
        responses=s.PersonSummarySerializer(many=True),
        summary="参保人员检索",
    )
    def get(self, request: Request) -> Response:
        people = list(selectors.person_search(request.query_params.get("q", "")))
        PersonAccessLog.objects.bulk_create(
            [
                PersonAccessLog(
                    user=request.user,
                    person=p,
                    action=PersonAccessLog.Action.SEARCH,
                    path=request.get_full_path()[:200],
                )
                for p in people
            ]
        )
        return Response([selectors.person_summary(p, request.user) for p in people])


class PersonDetailApi(APIView):
    permission_classes = [OFFICE]

    @extend_schema(responses=s.PersonDetailSerializer, summary="参保人员详情")
    def get(self, request: Request, psn_no: str) -> Response:
        person = get_object_or_404(InsuredPerson, psn_no=psn_no)
        services.log_access(
            user=request.user, person=person, action=PersonAccessLog.Action.VIEW, path=request.get_full_path()
        )
        assessment = selectors.window_assessment(person)
        body = {
            "person": selectors.person_summary(person, request.user),
            "enrollments": selectors.enrollment_rows(person),
            "sanctions": selectors.sanction_rows(person.sanctions.prefetch_related("institutions")),
            "direct_settlement": assessment.direct_settlement,
            "warnings": [
                {"level": n.level, "rule": str(n.rule), "message": n.message} for n in assessment.notices
            ],
        }
        return Response(s.PersonDetailSerializer(body).data)


class SanctionCreateApi(APIView):
    """INS-4: record a violation; measures and dates follow the table in force."""

    permission_classes = [role_permission(Role.OFFICE)]

    @extend_schema(
        request=s.SanctionCreateSerializer, responses=s.SanctionAnswerSerializer, summary="登记违规处理"
    )
    def post(self, request: Request, psn_no: str) -> Response:
        person = get_object_or_404(InsuredPerson, psn_no=psn_no)
        body = s.SanctionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        sanction = services.sanction_record(
            actor=request.user,
            person=person,
            category=data["category"],
            fund_loss=data["fund_loss"],
            description=data["description"],
            evidence=data["evidence"],
            occurred_on=data.get("occurred_on"),
            start_date=data.get("start_date"),
            institutions=[(i.get("code", ""), i.get("name", "")) for i in data["institutions"]],
        )
        return Response(
            s.SanctionAnswerSerializer(selectors.sanction_rows([sanction])[0]).data,
            status=status.HTTP_201_CREATED,
        )


class SanctionLiftApi(APIView):
    permission_classes = [role_permission(Role.OFFICE)]

    @extend_schema(
        request=s.SanctionLiftSerializer, responses=s.SanctionAnswerSerializer, summary="提前解除违规处理"
    )
    def post(self, request: Request, pk: int) -> Response:
        sanction = get_object_or_404(Sanction, pk=pk)
        body = s.SanctionLiftSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        sanction = services.sanction_lift(
            actor=request.user, sanction=sanction, reason=body.validated_data["reason"]
        )
        return Response(s.SanctionAnswerSerializer(selectors.sanction_rows([sanction])[0]).data)


class RosterImportApi(APIView):
    """Roster import (multipart `file`, .xlsx or .csv): all-or-nothing, with the per-row error report."""

    permission_classes = [OFFICE]

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
        responses=s.RosterImportSerializer,
        summary="花名册导入",
    )
    def post(self, request: Request) -> Response:
        from core.errors import DomainError
        from insured.roster import roster_import

        upload = request.FILES.get("file")
        if upload is None:
            raise DomainError("请上传文件（file）。", code="file_required", errors={"file": ["必填。"]})
        record = roster_import(actor=request.user, content=upload.read(), filename=upload.name)
        code = status.HTTP_201_CREATED if record.outcome == "applied" else status.HTTP_400_BAD_REQUEST
        return Response(s.RosterImportSerializer(record).data, status=code)
