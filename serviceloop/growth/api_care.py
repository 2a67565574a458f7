"""REST API of e-settlement care (issue 12): shops likely to fail their e-settlement, and the e-settlement
success figures (restock advice per shop is ``api_restock``) — read only, the same selectors, filters and scope as the pages."""

from django.utils import timezone
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from serviceloop.core.api_forms import SEARCH, query

from . import care, selectors
from .forms_care import CareFilterForm, RatesFilterForm


def _need_role(request):
    if not selectors.may_see_runs(request.user):
        raise PermissionDenied


class RiskPartSerializer(serializers.Serializer):
    points = serializers.IntegerField()
    text = serializers.CharField()


class SettlementRiskSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="pk")
    licence_no = serializers.CharField()
    shop_name = serializers.CharField(source="name")
    phone = serializers.CharField(source="shown_phone", help_text="Masked for roles that need not see it")
    route_name = serializers.CharField(source="route.name")
    next_order_day = serializers.DateField(allow_null=True)
    score = serializers.IntegerField(source="risk.score")
    failed_attempts = serializers.IntegerField(source="risk.failed_attempts")
    unpaid_settlements = serializers.IntegerField(source="risk.unpaid_settlements")
    reasons = serializers.DictField(child=serializers.IntegerField(), source="risk.reasons")
    parts = serializers.SerializerMethodField()

    @extend_schema_field(RiskPartSerializer(many=True))
    def get_parts(self, obj):
        return [{"points": p, "text": t} for p, t in obj.risk.parts]


@extend_schema_view(
    list=extend_schema(
        parameters=[
            SEARCH,
            query("route", "Only this route (id)", int),
            query("all", "on: also shops below the risk line", str, ["on"]),
        ]
    )
)
class SettlementRiskViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's shops likely to fail their next e-settlement, highest risk score first, with the parts of
    the score (the rule is in the page's text and ``serviceloop.growth.care``). The scores are the kept ones
    (``care.settlementrisk_rebuild``, daily and after each settlement import), read a page at a time."""

    serializer_class = SettlementRiskSerializer

    def get_queryset(self):
        from serviceloop.customers.models import Customer

        if getattr(self, "swagger_fake_view", False):
            return Customer.objects.none()
        _need_role(self.request)
        f = CareFilterForm(self.request.query_params or None, user=self.request.user)
        v = f.values() if self.request.query_params else {"q": "", "route": None, "all": False}
        return care.care_shops_visible_to(
            self.request.user, q=v["q"], route=v["route"], show_all=bool(v["all"])
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is None:  # pragma: no cover - the API is always paginated (REST_FRAMEWORK settings)
            return None
        return care.care_decorate(page, user=self.request.user, today=timezone.localdate())


class RateRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    settlements = serializers.IntegerField()
    paid = serializers.IntegerField()
    unpaid = serializers.IntegerField()
    attempts = serializers.IntegerField()
    failed_attempts = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)
    target = serializers.FloatField()
    met = serializers.BooleanField()


class ParetoSerializer(serializers.Serializer):
    reason = serializers.CharField()
    count = serializers.IntegerField()
    cumulative = serializers.FloatField()


@extend_schema_serializer(many=False)  # one summary object, though the route is the viewset's list
class SettlementRatesSerializer(serializers.Serializer):
    level = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    target = serializers.FloatField()
    settlements = serializers.IntegerField()
    paid = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)
    rows = RateRowSerializer(many=True)
    pareto = ParetoSerializer(many=True)


class SettlementRateViewSet(viewsets.ViewSet):
    """E-settlement success rate (paid ÷ e-settlements, the KPI's definition) against the target, per station,
    route or account manager of the caller's area, and the failed attempts by reason (Pareto)."""

    pagination_class = None

    @extend_schema(
        parameters=[
            query("level", "Group by", str, ["station", "route", "manager"]),
            query("start", "First day (YYYY-MM-DD; default 30 days ago)"),
            query("end", "Last day (YYYY-MM-DD; default today)"),
            query("station", "Only this station (id)", int),
        ],
        responses={200: SettlementRatesSerializer},
    )
    def list(self, request):
        _need_role(request)
        f = RatesFilterForm(request.query_params or None, user=request.user).values(timezone.localdate())
        window = {"level": f["level"], "start": f["start"], "end": f["end"]}
        data = {**window, **care.settlement_rates(request.user, station=f["station"], **window)}
        return Response(SettlementRatesSerializer(data).data)
