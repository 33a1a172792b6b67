from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from core.api.permissions import role_permission
from core.roles import Role
from drug_catalog import selectors
from drug_catalog.api.serializers import CatalogItemSerializer
from drug_catalog.models import CatalogItem


def _catalog_region() -> str:
    """REM-7: the care region's catalog (the hospital's province)."""
    return settings.HOSPITAL["REGION_CODE"][:2] + "0000"


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
        on_date = parse_date(params.get("date", "")) or timezone.localdate()
        region = params.get("region") or _catalog_region()
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
