from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.permissions import role_permission
from core.api.query import query_date
from core.roles import Role
from drug_catalog import selectors, services
from drug_catalog.api import serializers as s
from drug_catalog.api.serializers import CatalogItemSerializer
from drug_catalog.models import CatalogItem, HospitalItem


@extend_schema_view(
    list=extend_schema(
        summary="医保目录检索",
        parameters=[
            OpenApiParameter("q", str, description="编码、中文名称、全拼或拼音首字母（如 amxl）"),
            OpenApiParameter("date", str, description="按该日有效的目录版本（默认今天）"),
            OpenApiParameter("region", str, description="目录区划（默认本院所在省）"),
        ],
    ),
    create=extend_schema(summary="新增目录条目（管理员）"),
    partial_update=extend_schema(summary="修改目录条目（管理员）"),
)
class CatalogItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The insurance catalog: every role searches it; admins maintain it (history kept)."""

    serializer_class = CatalogItemSerializer
    permission_classes = [role_permission(Role.ADMIN, read_roles=tuple(Role))]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        params = self.request.query_params
        on_date = query_date(params, "date") or timezone.localdate()
        region = params.get("region") or selectors.catalog_region()
        if self.action == "list":
            query = params.get("q", "")
            if query:
                return selectors.search(query, region=region, on_date=on_date)
            return selectors.items_as_of(region, on_date).select_related("version").order_by("code")
        return CatalogItem.objects.select_related("version")

    def paginate_queryset(self, queryset):
        if self.request.query_params.get("q"):
            return None  # search answers its ranked top 20 directly
        return super().paginate_queryset(queryset)

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user, updated_by=self.request.user)

    def perform_update(self, serializer):
        serializer.save(updated_by=self.request.user)


@extend_schema_view(
    list=extend_schema(
        summary="目录对照：医院项目列表",
        parameters=[
            OpenApiParameter(
                "status",
                str,
                description="todo（未对照/已拒绝，默认）、pending、approved、all，或单个状态",
            ),
            OpenApiParameter("q", str, description="医院项目编码、名称或对照的医保编码"),
        ],
    ),
    retrieve=extend_schema(summary="目录对照：医院项目"),
)
class HospitalItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """目录对照: the office maps hospital items and records the center's review; the window reads
    whether an item is fund-payable (FEE-1: unmapped, pending or rejected → full self-pay)."""

    serializer_class = s.HospitalItemSerializer
    permission_classes = [role_permission(Role.OFFICE, Role.ADMIN, read_roles=(Role.CLERK,))]

    def get_queryset(self):
        if self.action == "list":
            params = self.request.query_params
            status = params.get("status", "todo")
            if status not in selectors.MAPPING_FILTERS and status not in HospitalItem.MappingStatus.values:
                status = "todo"
            return selectors.hospital_items(status=status, query=params.get("q", ""))
        return HospitalItem.objects.select_related("mapped_by", "reviewed_by")

    def get_serializer(self, *args, **kwargs):
        items = args[0] if args else None
        if items is not None:
            codes = [i.med_list_codg for i in (items if isinstance(items, list | tuple) else [items])]
            kwargs.setdefault("context", self.get_serializer_context())
            kwargs["context"]["national"] = selectors.national_items_by_code(codes)
        return super().get_serializer(*args, **kwargs)

    def _answer(self, item: HospitalItem) -> Response:
        item = HospitalItem.objects.select_related("mapped_by", "reviewed_by").get(pk=item.pk)
        return Response(self.get_serializer(item).data)

    @extend_schema(
        request=s.MapRequestSerializer, responses=s.HospitalItemSerializer, summary="对照到医保目录条目"
    )
    @action(detail=True, methods=["post"], url_path="map")
    def map(self, request: Request, pk=None) -> Response:
        body = s.MapRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.hospital_item_map(
            actor=request.user, item=self.get_object(), med_list_codg=body.validated_data["med_list_codg"]
        )
        return self._answer(item)

    @extend_schema(
        request=s.ApproveRequestSerializer, responses=s.HospitalItemSerializer, summary="登记中心审核通过"
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk=None) -> Response:
        body = s.ApproveRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.hospital_item_approve(
            actor=request.user,
            item=self.get_object(),
            begndate=body.validated_data["begndate"],
            enddate=body.validated_data.get("enddate"),
        )
        return self._answer(item)

    @extend_schema(
        request=s.RejectRequestSerializer, responses=s.HospitalItemSerializer, summary="登记中心拒绝"
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk=None) -> Response:
        body = s.RejectRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.hospital_item_reject(
            actor=request.user, item=self.get_object(), reason=body.validated_data["reason"]
        )
        return self._answer(item)
