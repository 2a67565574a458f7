"""REST API of the scorecards: a period's ranked list, one card explaining every point (its KPI lines by
perspective and the adjustments), and an adjustment with its reason. Same selectors, scope, form and service as
the pages: an account manager sees their own card only; nobody adjusts their own."""

from decimal import Decimal

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from serviceloop.core.api_forms import call, clean, form_data, form_serializer, query
from serviceloop.integrations.idempotency import KEY_HEADER, idempotent
from serviceloop.kpis.selectors import parse_period

from . import selectors as s
from .forms import AdjustmentForm
from .models import PeriodKind, Perspective, Scorecard, ScorecardAdjustment, Subject
from .services import may_adjust, scorecard_adjust


class AdjustmentSerializer(serializers.ModelSerializer):
    by_name = serializers.SerializerMethodField()

    class Meta:
        model = ScorecardAdjustment
        fields = ["id", "points", "reason", "by", "by_name", "at"]
        read_only_fields = fields

    def get_by_name(self, obj) -> str:
        return str(obj.by)


class LineSerializer(serializers.Serializer):
    perspective = serializers.ChoiceField(choices=Perspective.choices)
    kpi = serializers.CharField(required=False, help_text="KPI code")
    name = serializers.CharField()
    unit = serializers.CharField(required=False)
    value = serializers.FloatField(allow_null=True)
    target = serializers.FloatField(allow_null=True)
    achievement = serializers.FloatField(allow_null=True)
    weight = serializers.IntegerField()
    points = serializers.FloatField(allow_null=True)


class PerspectiveSerializer(serializers.Serializer):
    label = serializers.CharField()
    weight = serializers.IntegerField()
    points = serializers.FloatField()
    lines = LineSerializer(many=True)


def _final(score, adjusted):
    return None if score is None else score + (adjusted or Decimal(0))


class ScorecardSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    adjusted = serializers.DecimalField(max_digits=7, decimal_places=2, read_only=True, allow_null=True)
    final = serializers.SerializerMethodField()
    rank = serializers.IntegerField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = Scorecard
        fields = ["id", "subject", "unit_id", "name", "period_kind", "period", "score", "adjusted", "final", "rank",
                  "computed_at"]  # fmt: skip
        read_only_fields = fields

    def get_name(self, obj) -> str:
        return str(self.context.get("names", {}).get(obj.unit_id, obj.unit_id))

    @extend_schema_field(serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True))
    def get_final(self, obj):
        return _final(obj.score, getattr(obj, "adjusted", None))


class ScorecardDetailSerializer(ScorecardSerializer):
    perspectives = serializers.SerializerMethodField()
    adjustments = AdjustmentSerializer(many=True, read_only=True)
    may_adjust = serializers.SerializerMethodField()

    class Meta(ScorecardSerializer.Meta):
        fields = [*ScorecardSerializer.Meta.fields, "perspectives", "adjustments", "may_adjust"]
        read_only_fields = fields

    @extend_schema_field(PerspectiveSerializer(many=True))
    def get_perspectives(self, obj):
        return [{**g, "label": str(g["label"])} for g in s.lines_by_perspective(obj)]

    def get_may_adjust(self, obj) -> bool:
        return may_adjust(self.context["request"].user, obj)


AdjustmentBody = form_serializer(AdjustmentForm, "ScorecardAdjustmentRequest")

LIST_FILTERS = [
    query("subject", "Whose scorecards (default: the first the caller may see)", enum=Subject.values),
    query("period", "Month YYYY-MM or quarter YYYY-Qn (default: this month)"),
    query("span", "month or quarter", enum=["month", "quarter"]),
]


@extend_schema_view(list=extend_schema(parameters=LIST_FILTERS))
class ScorecardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Scorecards of a period, ranked by final score (computed + adjustments), as the caller may see them;
    one card with its explanation; ``POST {id}/adjustments/`` adjusts it (±20 points, with a reason)."""

    queryset = Scorecard.objects.none()

    def get_serializer_class(self):
        return ScorecardSerializer if self.action == "list" else ScorecardDetailSerializer

    def get_queryset(self):
        return Scorecard.objects.none()

    def list(self, request):
        subjects = s.visible_subjects(request.user)
        if not subjects:
            raise PermissionDenied
        params = request.query_params
        subject = params.get("subject") if params.get("subject") in subjects else subjects[0]
        period = parse_period(params.get("period"), params.get("span"), timezone.localdate())
        kind = PeriodKind.MONTH if period.kind == "month" else PeriodKind.QUARTER
        cards = list(s.scorecard_list(user=request.user, subject=subject, kind=kind, period=period.start))
        cards.sort(key=lambda c: (c.score is None, -(_final(c.score, c.adjusted) or 0)))
        for i, c in enumerate(cards, start=1):
            c.rank = i if c.score is not None else None
        page = self.paginate_queryset(cards)
        names = s.names(subject, [c.unit_id for c in page])
        data = ScorecardSerializer(page, many=True, context={"request": request, "names": names}).data
        return self.get_paginated_response(data)

    def _card(self, pk) -> Scorecard:
        card = Scorecard.objects.filter(pk=pk).first() if str(pk).isascii() and str(pk).isdigit() else None
        if card is None or not s.scorecard_visible(self.request.user, card):
            raise Http404
        return card

    def _detail(self, card, code=status.HTTP_200_OK):
        card.adjusted = sum((a.points for a in card.adjustments.all()), Decimal(0))
        names = s.names(card.subject, [card.unit_id])
        context = {"request": self.request, "names": names}
        return Response(ScorecardDetailSerializer(card, context=context).data, status=code)

    def retrieve(self, request, pk=None):
        return self._detail(self._card(pk))

    @extend_schema(
        request=AdjustmentBody, responses={201: ScorecardDetailSerializer}, parameters=[KEY_HEADER]
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def adjustments(self, request, pk=None):
        """Adjusts the score by `points` (−20…20, not 0) with a `reason` (supervisors and managers over the
        subject; never one's own card)."""
        card = self._card(pk)
        if not may_adjust(request.user, card):
            raise PermissionDenied
        d = clean(AdjustmentForm(form_data(request)))
        call(scorecard_adjust, card=card, actor=request.user, **d)
        return self._detail(Scorecard.objects.get(pk=card.pk), status.HTTP_201_CREATED)
