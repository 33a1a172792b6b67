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


def import_errors(errors: list[dict]) -> dict[str, list[str]]:
    """An import's row report in the error shape: {"file": […]} for the file,
    {"rows.3.certno": […]} per cell."""
    flat: dict[str, list[str]] = {}
    for error in errors:
        if not error.get("row"):
            key = "file"
        else:
            key = f"rows.{error['row']}" + (f".{error['field']}" if error.get("field") else "")
        flat.setdefault(key, []).append(error["message"])
    return flat


def _rejected(record) -> None:
    from core.errors import DomainError

    first = record.errors[0] if record.errors else {"row": 0, "message": ""}
    where = f"第 {first['row']} 行：" if first.get("row") else ""
    raise DomainError(
        f"文件有 {record.error_count} 处错误（{where}{first['message']}），未导入任何数据。",
        code="import_rejected",
        errors=import_errors(record.errors),
    )


class RosterImportApi(APIView):
    """Roster import (multipart `file`, .xlsx or .csv): all-or-nothing. A refused file answers the one
    error body with every bad row ("rows.<row>.<field>"); a large file is queued (202) — poll its status."""

    permission_classes = [OFFICE]

    @extend_schema(
        request={"multipart/form-data": s.RosterImportRequestSerializer},
        responses={201: s.RosterImportSerializer, 202: s.RosterImportSerializer},
        summary="花名册导入",
    )
    def post(self, request: Request) -> Response:
        from django.conf import settings

        from insured.models import RosterImport
        from insured.roster import roster_import, roster_import_start

        body = s.RosterImportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        content = upload.read()
        if len(content) > settings.IMPORT_ASYNC_BYTES:
            record = roster_import_start(actor=request.user, content=content, filename=upload.name)
        else:
            record = roster_import(actor=request.user, content=content, filename=upload.name)
        if record.outcome == RosterImport.Outcome.REJECTED:
            _rejected(record)
        code = status.HTTP_201_CREATED if record.outcome == "applied" else status.HTTP_202_ACCEPTED
        return Response(s.RosterImportSerializer(record).data, status=code)


class RosterImportStatusApi(APIView):
    """A queued or finished roster import: progress while it runs, the error body if it was refused."""

    permission_classes = [OFFICE]

    @extend_schema(responses=s.RosterImportSerializer, summary="花名册导入进度")
    def get(self, request: Request, pk: int) -> Response:
        from insured.models import RosterImport

        record = get_object_or_404(RosterImport.objects.defer("content"), pk=pk)
        if record.outcome == RosterImport.Outcome.REJECTED:
            _rejected(record)
        return Response(s.RosterImportSerializer(record).data)
