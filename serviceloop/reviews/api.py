"""REST API of 360° reviews (read): rounds with, per reviewed account manager, the aggregated results only — a
relation's means appear when at least the round's ``min_raters`` answered, and no rater, score or comment of one
person ever leaves ``selectors.results``. ``mine/`` is an account manager's own results, aggregated the same way."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from . import selectors, services
from .models import ReviewRound


class PartSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="superior, peer, subordinate or customers")
    label = serializers.CharField()
    asked = serializers.IntegerField()
    answered = serializers.IntegerField()
    shown = serializers.BooleanField(help_text="False below the round's minimum count: no means are given")
    means = serializers.DictField(child=serializers.FloatField(allow_null=True),
                                  help_text="Criterion → mean 1–5 (staff); {index: 0–100} (customers)")  # fmt: skip
    overall = serializers.FloatField(allow_null=True)


def _parts(parts) -> list[dict]:
    return [{"key": p.key, "label": p.label, "asked": p.asked, "answered": p.answered, "shown": p.shown,
             "means": p.means if p.shown else {}, "overall": p.overall if p.shown else None} for p in parts]  # fmt: skip


class RevieweeResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    manager = serializers.IntegerField()
    manager_name = serializers.CharField()
    parts = PartSerializer(many=True)


class RoundSerializer(serializers.ModelSerializer):
    reviewee_count = serializers.IntegerField(source="n", read_only=True, default=None, allow_null=True)

    class Meta:
        model = ReviewRound
        fields = ["id", "name", "period_start", "period_end", "min_raters", "questionnaire", "status",
                  "created_at", "reviewee_count"]  # fmt: skip
        read_only_fields = fields


class RoundDetailSerializer(RoundSerializer):
    results = RevieweeResultSerializer(many=True, read_only=True)

    class Meta(RoundSerializer.Meta):
        fields = [*RoundSerializer.Meta.fields, "results"]
        read_only_fields = fields


class MyResultSerializer(serializers.Serializer):
    round = RoundSerializer()
    parts = PartSerializer(many=True)


class ReviewRoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Review rounds (city admins and city supervisors, who run them) with aggregated results per reviewee;
    ``mine/`` an account manager's own aggregated results."""

    queryset = ReviewRound.objects.none()

    def get_serializer_class(self):
        return RoundSerializer if self.action == "list" else RoundDetailSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReviewRound.objects.none()
        if not services.may_manage_rounds(self.request.user):
            raise PermissionDenied
        return selectors.round_list()

    def retrieve(self, request, pk=None):
        rnd = self.get_object()
        data = RoundSerializer(rnd).data
        data["results"] = [{"id": r.pk, "manager": r.manager_id, "manager_name": str(r.manager),
                            "parts": _parts(selectors.results(r))} for r in selectors.round_reviewees(rnd)]  # fmt: skip
        return Response(data)

    @extend_schema(responses={200: MyResultSerializer(many=True)})
    @action(detail=False, methods=["get"], pagination_class=None)
    def mine(self, request):
        """The caller's own reviews (aggregates only; an empty list for anyone never reviewed)."""
        rows = [{"round": RoundSerializer(reviewee.round).data, "parts": _parts(parts)}
                for reviewee, parts in selectors.my_results(request.user)]  # fmt: skip
        return Response(rows)
