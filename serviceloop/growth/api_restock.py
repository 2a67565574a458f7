"""REST API of restock advice (R28, read): the caller's shops with a suggested order for their next order day —
the ones likely to run short first — and one shop's advice lines. Same selectors and scope as the page (an
account manager: their routes' shops; anything else is 404). Kept apart from ``api.py`` (allocation)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from serviceloop.core.api_forms import SEARCH, query
from serviceloop.customers.models import Customer

from . import selectors
from .models import RestockAdvice


class RestockShopSerializer(serializers.ModelSerializer):
    route_name = serializers.CharField(source="route.name", read_only=True, default=None)
    lines = serializers.IntegerField(source="advice_lines", read_only=True)
    total = serializers.IntegerField(
        source="advice_total", read_only=True, help_text="Cartons suggested in all"
    )
    short = serializers.IntegerField(
        source="advice_short", read_only=True, help_text="Lines likely to run short"
    )
    order_day = serializers.DateField(source="advice_day", read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "licence_no",
            "name",
            "order_cycle",
            "route_name",
            "lines",
            "total",
            "short",
            "order_day",
        ]
        read_only_fields = fields


class RestockLineSerializer(serializers.ModelSerializer):
    product_code = serializers.CharField(source="product.code", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    price_class = serializers.IntegerField(source="product.price_class", read_only=True)

    class Meta:
        model = RestockAdvice
        fields = ["product", "product_code", "product_name", "price_class", "order_day", "forecast", "recent",
                  "suggested", "cap", "method", "festival", "short", "computed_at"]  # fmt: skip
        read_only_fields = fields


class RestockShopDetailSerializer(RestockShopSerializer):
    advice = RestockLineSerializer(many=True, read_only=True)

    class Meta(RestockShopSerializer.Meta):
        fields = [*RestockShopSerializer.Meta.fields, "advice"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(parameters=[SEARCH, query("short", "1: only shops likely to run short", enum=["1"])]),
    retrieve=extend_schema(responses={200: RestockShopDetailSerializer}),
)  # fmt: skip
class RestockViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Restock advice per shop (``{id}`` is the shop's id): what to order on its next order day."""

    serializer_class = RestockShopSerializer
    queryset = Customer.objects.none()

    def _shops(self):
        if not selectors.may_see_runs(self.request.user):
            raise PermissionDenied
        params = self.request.query_params
        q = params.get("q", "").strip()[:100] if self.action == "list" else ""
        short = params.get("short") == "1" and self.action == "list"
        return selectors.restock_shops_visible_to(self.request.user, q=q, short_only=short)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Customer.objects.none()
        return self._shops()

    def retrieve(self, request, pk=None):
        shop = self._shops().filter(pk=int(pk)).first() if str(pk).isascii() and str(pk).isdigit() else None
        if shop is None:
            raise Http404
        data = RestockShopSerializer(shop).data
        data["advice"] = RestockLineSerializer(selectors.restock_for(shop), many=True).data
        return Response(data)
