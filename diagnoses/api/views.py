from __future__ import annotations

from dataclasses import asdict

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import AnyRole, IsAdmin, role_permission
from core.api.query import query_date
from core.errors import DomainError
from core.roles import Role
from diagnoses import rules, selectors, services
from diagnoses.api import serializers as s
from diagnoses.models import CodeTable, DiseaseCategoryRange

ADMIN_WRITES = role_permission(Role.ADMIN, read_roles=tuple(Role))


class DiagnosisSearchApi(APIView):
    """Every role searches today's codes; ICD-10 results carry their RX-2 disease category."""

    permission_classes = [AnyRole]

    @extend_schema(
        parameters=[s.SearchQuerySerializer],
        responses=s.DiagnosisCodeSerializer(many=True),
        summary="诊断/手术操作编码检索（编码前缀、拼音首字母如 tnb、全拼、中文名称）",
    )
    def get(self, request: Request) -> Response:
        query = s.SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        codes = selectors.search(
            params["q"],
            kind=params["kind"],
            limit=params["limit"],
            gender=params.get("gender", ""),
            age_days=params.get("age_days"),
        )
        categories = {}
        implausible: dict[str, str] = {}
        if params["kind"] == CodeTable.ICD10 and "age_days" in params:
            restrictions = selectors.restrictions_as_of(timezone.localdate())
            for c in codes:
                hit = rules.implausible(
                    c.code,
                    gender=params.get("gender", ""),
                    age_days=params["age_days"],
                    restrictions=restrictions,
                )
                if hit:
                    implausible[c.code] = hit.message
        if params["kind"] == CodeTable.ICD10:
            today = timezone.localdate()
            categories = {
                code: {**asdict(category), "category_label": category.category_label}
                for code, category in selectors.rx2_categories([c.code for c in codes], today).items()
            }
        rows = [
            {
                "code": c.code,
                "name": c.name,
                "name_en": c.name_en,
                "kind": c.kind,
                "category_code": c.category_code,
                "category_name": c.category_name,
                "effective_from": c.effective_from,
                "effective_to": c.effective_to,
                "rx2_category": categories.get(c.code),
                "implausible": implausible.get(c.code, ""),
            }
            for c in codes
        ]
        return Response(s.DiagnosisCodeSerializer(rows, many=True).data)


class CategoryRangeListApi(APIView):
    """RX-2 category ranges: every role reads them; admins add ranges."""

    permission_classes = [ADMIN_WRITES]

    @extend_schema(
        parameters=[OpenApiParameter("date", str, description="只列出该日有效的范围（YYYY-MM-DD）")],
        responses=s.CategoryRangeSerializer(many=True),
        summary="疾病类别范围（RX-2）",
    )
    def get(self, request: Request) -> Response:
        ranges = DiseaseCategoryRange.objects.order_by("code_from", "effective_from")
        on_date = query_date(request.query_params, "date")
        if on_date is not None:
            ranges = ranges.filter(DiseaseCategoryRange.valid_on_filter(on_date))
        return Response(s.CategoryRangeSerializer(ranges, many=True).data)

    @extend_schema(
        request=s.CategoryRangeWriteSerializer,
        responses={201: s.CategoryRangeSerializer},
        summary="新增疾病类别范围（管理员）",
    )
    def post(self, request: Request) -> Response:
        body = s.CategoryRangeWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        category_range = services.category_range_create(actor=request.user, **body.validated_data)
        return Response(s.CategoryRangeSerializer(category_range).data, status=status.HTTP_201_CREATED)


class CategoryRangeDetailApi(APIView):
    """One range: every role reads it; admins change a range not yet in force or close one (D4)."""

    permission_classes = [ADMIN_WRITES]

    @extend_schema(responses=s.CategoryRangeSerializer, summary="疾病类别范围（RX-2）")
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.CategoryRangeSerializer(get_object_or_404(DiseaseCategoryRange, pk=pk)).data)

    @extend_schema(
        request=s.CategoryRangeWriteSerializer,
        responses=s.CategoryRangeSerializer,
        summary="修改或停用疾病类别范围（管理员）",
    )
    def patch(self, request: Request, pk: int) -> Response:
        category_range = get_object_or_404(DiseaseCategoryRange, pk=pk)
        body = s.CategoryRangeWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        category_range = services.category_range_update(
            actor=request.user, category_range=category_range, **body.validated_data
        )
        return Response(s.CategoryRangeSerializer(category_range).data)


class CodeTableImportApi(APIView):
    """The center's download file as a dated edition: all-or-nothing, idempotent by file digest."""

    permission_classes = [IsAdmin]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": s.CodeTableImportRequestSerializer},
        responses={201: s.CodeTableImportSerializer, 200: s.CodeTableImportSerializer},
        summary="导入医保中心编码文件（管理员）",
    )
    def post(self, request: Request) -> Response:
        body = s.CodeTableImportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        report = services.code_table_import(
            actor=request.user,
            content=upload.read(),
            filename=upload.name,
            kind=body.validated_data["kind"],
            effective_from=body.validated_data["effective_from"],
        )
        if report.errors:
            by_row: dict[str, list[str]] = {}
            for error in report.errors:
                by_row.setdefault(str(error["row"]), []).append(error["message"])
            first = report.errors[0]
            raise DomainError(
                f"文件有 {len(report.errors)} 处错误（第 {first['row']} 行：{first['message']}），"
                "未导入任何编码。",
                code="code_table_import_rejected",
                errors=by_row,
            )
        answer = {**s.CodeTableImportSerializer(report.record).data, "unchanged": report.unchanged}
        return Response(answer, status=status.HTTP_200_OK if report.unchanged else status.HTTP_201_CREATED)
