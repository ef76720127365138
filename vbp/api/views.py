"""The read-only REST API (数据接口) and its OpenAPI schema and docs page.

Every endpoint is a ``ScopedReadOnlyViewSet``: its rows are the user's scope first and the query filters second,
so a list counts only what the user may see and anything else is 404, exactly as on the pages.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.viewsets import ReadOnlyModelViewSet

from vbp import permissions
from vbp.api.filters import QueryFilter, QueryParameterFilter
from vbp.api.serializers import BatchSerializer, HospitalSerializer, PlatformRecordSerializer, ProductSerializer
from vbp.catalog.models import Batch, Hospital, Product
from vbp.funding import selectors as funding_selectors
from vbp.funding.workbook import workbook_response
from vbp.platformdata.models import PlatformRecord
from vbp.ui.export import XLSX


class ApiPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class ScopedReadOnlyViewSet(ReadOnlyModelViewSet):
    """List and detail of the rows the user's scope allows; everything else is absent (404), never 403.

    ``visible_to(user)`` is the only source of rows. It fails closed: the three administrators, users
    without a role and anonymous requests get nothing, whatever a subclass returns.
    """

    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]  # DRF's browsable pages need inline script, which the CSP refuses
    pagination_class = ApiPagination
    filter_backends = [QueryParameterFilter]
    query_filters: tuple[QueryFilter, ...] = ()

    def get_queryset(self):
        user = self.request.user
        if not permissions.sees_business_data(user):
            return self.queryset.none()
        return self.visible_to(user)

    def visible_to(self, user):
        """The rows ``user`` may read, through the model's own ``visible_to`` where it has one."""
        raise NotImplementedError


def _documented(tag: str, list_summary: str, detail_summary: str):
    return extend_schema_view(
        list=extend_schema(
            tags=[tag], summary=list_summary, description="只含本人数据范围内的记录；查询参数只在此范围内筛选。"
        ),
        retrieve=extend_schema(tags=[tag], summary=detail_summary, description="不在本人数据范围内的对象返回 404。"),
    )


@_documented("医疗机构", "医疗机构列表（本人数据范围内）", "医疗机构详情")
class HospitalViewSet(ScopedReadOnlyViewSet):
    queryset = Hospital.objects.all()
    serializer_class = HospitalSerializer
    query_filters = (
        QueryFilter("city", "city__code", "地市行政区划代码，如 140100"),
        QueryFilter("district", "district__code", "区县行政区划代码，如 140105"),
        QueryFilter("name", "name__contains", "医疗机构名称包含的文字"),
    )

    def visible_to(self, user):
        return Hospital.objects.visible_to(user).select_related("city", "district", "home_pool")


@_documented("带量批次", "带量批次列表", "带量批次详情")
class BatchViewSet(ScopedReadOnlyViewSet):
    queryset = Batch.objects.all()
    serializer_class = BatchSerializer
    query_filters = (
        QueryFilter("kind", "kind", "批次类型：national 国家、provincial 省级、alliance 省际联盟"),
        QueryFilter("category", "category", "类别：drug 药品、consumable 耗材"),
    )

    def visible_to(self, user):
        # Batches are the province's catalogue: every business role sees them all (the base has let only those in).
        return Batch.objects.select_related("rule_set")

    @extend_schema(
        summary="测算底稿",
        description="本批次本年度、调用者数据范围内的测算底稿（.xlsx）：品种明细、医疗机构、参保住院人次"
        "为 `vbp calc` 的输入，并含系统的测算结果与规则；`vbp calc --check` 可据此复核。仅医保局账号可用。",
        parameters=[OpenApiParameter("year", int, description="考核年度；缺省为平台数据的最新年度")],
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path="calc-workbook", url_name="calc-workbook")
    def calc_workbook(self, request, pk=None):
        if not permissions.sees_surplus(request.user):
            raise Http404
        batch = self.get_object()
        return workbook_response(request.user, batch, funding_selectors.assessment_year(request._request))


@_documented("品种", "品种列表", "品种详情")
class ProductViewSet(ScopedReadOnlyViewSet):
    queryset = Product.objects.all()
    serializer_class = ProductSerializer
    query_filters = (
        QueryFilter("batch", "batch__code", "批次编码"),
        QueryFilter("generic_name", "generic_name__contains", "通用名包含的文字"),
    )

    def visible_to(self, user):
        return Product.objects.select_related("batch")  # the catalogue, as for batches


@_documented("平台数据", "平台数据列表（本人数据范围内）", "平台数据详情")
class PlatformRecordViewSet(ScopedReadOnlyViewSet):
    queryset = PlatformRecord.objects.all()
    serializer_class = PlatformRecordSerializer
    query_filters = (
        QueryFilter("year", "year", "考核年度，如 2024", serializers.IntegerField(min_value=1, max_value=9999)),
        QueryFilter("hospital", "hospital__code", "医疗机构编码"),
        QueryFilter("batch", "product__batch__code", "批次编码"),
        QueryFilter("variety_code", "product__variety_code", "品种序号（与 batch 一起使用）"),
    )

    def visible_to(self, user):
        return PlatformRecord.objects.visible_to(user).select_related("hospital", "product__batch")


schema = SpectacularAPIView.as_view(permission_classes=[IsAuthenticated])

# A browser page: a visitor who is not signed in goes to the login page, like every other page.
# The split view serves Swagger UI's start-up script as its own file (?script), as the CSP requires.
docs = login_required(
    SpectacularSwaggerSplitView.as_view(
        url_name="api:schema", template_name="api/swagger_ui.html", permission_classes=[IsAuthenticated]
    )
)
