"""REST API: bulk import endpoints (with an idempotency key scoped to the caller) and scoped reads.

    POST /api/v1/trade/orders/bulk/        {"rows": [{"order_no": …, "licence_no": …, …}], "dry_run": false}
    Idempotency-Key: <any string up to 100 characters>

The same key sent again by the same caller with the same body returns the first answer (header
``Idempotent-Replayed: true``) without importing again; with a different body it is refused (409). Another
caller's keys are theirs. Rows use our field names (see ``importing.columns.BUILTIN``); the answer is the
batch: status, counts and bad rows (``line`` = position in ``rows``, from 1).
"""

import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from serviceloop.core.paging import KeysFirstPagination

from .conf import api_max_rows
from .models import BatchKind, BatchSource, BatchStatus, IdempotencyKey, ImportBatch, Order, Product
from .selectors import orders_visible_to
from .services import may_import


class BatchSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportBatch
        fields = ["id", "kind", "source", "filename", "sha256", "status", "started_at", "seconds", "rows",
                  "created", "replaced", "unchanged", "cancelled", "error_count", "errors"]  # fmt: skip


class OrderSerializer(serializers.ModelSerializer):
    licence_no = serializers.CharField(source="customer.licence_no", read_only=True)

    class Meta:
        model = Order
        fields = ["id", "order_no", "revision", "licence_no", "order_date", "week", "channel", "status", "lines",
                  "qty_asked", "qty_supplied", "amount"]  # fmt: skip


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["code", "name", "brand", "manufacturer", "price_class", "wholesale_price", "retail_price",
                  "packs_per_carton", "is_new", "is_scarce", "is_price_band", "active"]  # fmt: skip


class BulkRequestSerializer(serializers.Serializer):
    rows = serializers.ListField(child=serializers.DictField(), allow_empty=False)
    dry_run = serializers.BooleanField(default=False)


class BulkImportView(APIView):
    kind: str = ""

    @extend_schema(
        request=BulkRequestSerializer,
        responses={201: BatchSerializer, 200: BatchSerializer, 409: None, 422: BatchSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
    )
    def post(self, request):
        if not may_import(request.user):
            raise PermissionDenied("只有市级管理员（或集成账号）可以导入经营数据。")
        body = BulkRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rows = body.validated_data["rows"]
        if len(rows) > api_max_rows():
            return Response(
                {"detail": f"一次最多提交 {api_max_rows()} 行，这里有 {len(rows)} 行；请分批提交。"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        key = (request.headers.get("Idempotency-Key") or "").strip()
        if len(key) > 100:
            return Response(
                {"detail": "Idempotency-Key 最多 100 个字符。"}, status=status.HTTP_400_BAD_REQUEST
            )
        digest = hashlib.sha256(
            json.dumps(body.validated_data, sort_keys=True, ensure_ascii=False, default=str).encode()
        ).hexdigest()
        if key:
            replay = self._replay(request.user, key, digest)
            if replay is not None:
                return replay
        from .importing import import_trade_rows

        batch = import_trade_rows(
            rows=rows, kind=self.kind, actor=request.user, now=timezone.now(),
            dry_run=body.validated_data["dry_run"], source=BatchSource.API, filename=f"API {key}".strip(),
        )  # fmt: skip
        data = BatchSerializer(batch).data
        code = {BatchStatus.COMMITTED: 201, BatchStatus.CHECKED: 200}.get(batch.status, 422)
        if key:
            try:
                with transaction.atomic():
                    IdempotencyKey.objects.create(
                        user=request.user, key=key, kind=self.kind, request_sha256=digest, batch=batch,
                        status_code=code, response=json.loads(json.dumps(data, default=str)),
                        created_at=timezone.now(),
                    )  # fmt: skip
            except IntegrityError:
                pass  # a concurrent request with the same key stored its answer first; ours is the same import
        return Response(data, status=code)

    def _replay(self, user, key, digest):
        stored = IdempotencyKey.objects.filter(user=user, key=key).first()
        if stored is None:
            return None
        if stored.request_sha256 != digest or stored.kind != self.kind:
            return Response(
                {"detail": "这个 Idempotency-Key 已用于另一份不同的请求；请换一个新的键。"},
                status=status.HTTP_409_CONFLICT,
            )
        response = Response(stored.response, status=stored.status_code)
        response["Idempotent-Replayed"] = "true"
        return response


class OrdersBulk(BulkImportView):
    kind = BatchKind.ORDERS


class DeliveriesBulk(BulkImportView):
    kind = BatchKind.DELIVERIES


class SettlementsBulk(BulkImportView):
    kind = BatchKind.SETTLEMENTS


class ProductsBulk(BulkImportView):
    kind = BatchKind.PRODUCTS


class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Current orders of the shops the caller may see."""

    serializer_class = OrderSerializer
    filterset_fields = ["week", "channel", "status"]
    pagination_class = KeysFirstPagination

    def get_queryset(self):
        return (
            orders_visible_to(self.request.user)
            .select_related("customer")
            .order_by("-order_date", "order_no")
        )


class ProductViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ProductSerializer
    queryset = Product.objects.order_by("code")
    lookup_field = "code"


class BatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = BatchSerializer

    def get_queryset(self):
        if not may_import(self.request.user):
            return ImportBatch.objects.none()
        return ImportBatch.objects.order_by("-started_at", "-id")


class ShopPointsSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer_id")
    licence_no = serializers.CharField(source="customer.licence_no")
    cycle = serializers.DateField()
    cycle_label = serializers.CharField()
    weeks = serializers.IntegerField()
    volume = serializers.IntegerField()
    cartons_by_price_class = serializers.SerializerMethodField()
    points = serializers.IntegerField()
    formula = serializers.CharField(source="formula.text")
    how = serializers.CharField()

    def get_cartons_by_price_class(self, obj) -> dict[str, int]:
        return {str(c): getattr(obj, f"qty_class{c}") for c in range(1, 6)}


@extend_schema(
    parameters=[
        OpenApiParameter("customer", int, description="a shop's id"),
        OpenApiParameter("cycle", str, description="2026-W48 or a date in the week"),
    ]
)
class ShopPointsViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Points per shop and cycle (R26), with how they were made; only the shops the caller may see."""

    serializer_class = ShopPointsSerializer

    def get_queryset(self):
        from .selectors import shoppoints_list

        return shoppoints_list(user=self.request.user, params=self.request.query_params)
