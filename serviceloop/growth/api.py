"""REST API of scarce-product allocation: upload a weekly sheet (the run is computed at once), rerun, read runs,
results per product (grade tables) and per shop (scoped to the caller's shops). Same form, services and
scope as the pages."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from serviceloop.core.api_forms import SEARCH, call, clean, form_serializer, query
from serviceloop.core.paging import StableOrderingFilter
from serviceloop.core.params import id_param
from serviceloop.integrations.idempotency import KEY_HEADER, idempotent

from . import selectors
from .forms import SheetUploadForm
from .models import AllocationRun, ProductAllocation, ShopAllocation
from .services import allocationrun_create, allocationrun_rerun, may_run_allocation


class RunSerializer(serializers.ModelSerializer):
    created_by_name = serializers.SerializerMethodField()

    class Meta:
        model = AllocationRun
        fields = ["id", "kind", "title", "filename", "sha256", "parameters", "method", "status", "errors",
                  "rerun_of", "created_by", "created_by_name", "created_at", "total_target", "total_allocated",
                  "total_abs_error"]  # fmt: skip

    def get_created_by_name(self, obj) -> str | None:
        return str(obj.created_by) if obj.created_by_id else None


class AllocationProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductAllocation
        fields = ["id", "run", "position", "code", "name", "method", "extension", "area", "lowest_grade",
                  "highest_grade", "week", "target", "allocated", "error", "handled", "table", "explanation"]  # fmt: skip


class ShopAllocationSerializer(serializers.ModelSerializer):
    licence_no = serializers.CharField(source="customer.licence_no", read_only=True)
    shop_name = serializers.CharField(source="customer.name", read_only=True)
    product_code = serializers.CharField(source="product.code", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)

    class Meta:
        model = ShopAllocation
        fields = ["customer", "licence_no", "shop_name", "product", "product_code", "product_name", "quantity",
                  "grade", "region", "weight", "points"]  # fmt: skip


UploadBody = form_serializer(SheetUploadForm, "AllocationUploadRequest")


@extend_schema_view(list=extend_schema(parameters=[SEARCH]))
class AllocationRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Allocation runs (city-wide figures every staff member may read); ``POST`` uploads a weekly sheet and runs
    it (city admins); per-product tables and per-shop quantities (the caller's shops)."""

    queryset = AllocationRun.objects.none()
    serializer_class = RunSerializer
    filter_backends = [StableOrderingFilter]
    ordering_fields = ["created_at", "total_abs_error"]

    def list(self, request, *args, **kwargs):
        if not selectors.may_see_runs(request.user):  # as the runs page: staff with a role
            raise PermissionDenied
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AllocationRun.objects.none()
        q = self.request.query_params.get("q", "").strip()[:100] if self.action == "list" else ""
        return selectors.runs_visible_to(self.request.user, q=q).order_by("-created_at", "-id")

    @extend_schema(request={"multipart/form-data": UploadBody}, responses={201: RunSerializer},
                   parameters=[KEY_HEADER])  # fmt: skip
    @idempotent
    def create(self, request):
        """Uploads the weekly allocation sheet (xlsx, multipart field ``file``) and allocates at once."""
        if not may_run_allocation(request.user):
            raise PermissionDenied
        d = clean(SheetUploadForm(request.data, request.FILES))
        upload = d["file"]
        run = call(allocationrun_create, content=upload.read(), filename=upload.name, week_of=d["week_of"],
                   actor=request.user)  # fmt: skip
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: RunSerializer}, parameters=[KEY_HEADER])
    @action(detail=True, methods=["post"])
    @idempotent
    def rerun(self, request, pk=None):
        """Runs the same sheet again against today's archive (a new run)."""
        run = self.get_object()
        if not may_run_allocation(request.user):
            raise PermissionDenied
        again = call(allocationrun_rerun, run=run, actor=request.user)
        return Response(RunSerializer(again).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: AllocationProductSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def products(self, request, pk=None):
        """Results per product: target, allocated, error and the grade table (not paginated)."""
        run = self.get_object()
        return Response(AllocationProductSerializer(run.products.order_by("position"), many=True).data)

    @extend_schema(
        parameters=[SEARCH, query("product", "Only this product (its id in this run)", int)],
        responses={200: ShopAllocationSerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def shops(self, request, pk=None):
        """Results per shop: what each of the caller's shops may order (paginated)."""
        run = self.get_object()
        raw = request.query_params.get("product", "")
        product = run.products.filter(pk=id_param(raw)).first()  # pk=None matches nothing
        qs = selectors.shop_allocations_visible_to(request.user, run=run, product=product,
                                                   q=request.query_params.get("q", "").strip()[:100])  # fmt: skip
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ShopAllocationSerializer(page, many=True).data)
