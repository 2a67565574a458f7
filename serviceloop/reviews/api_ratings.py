"""REST API of a rater's side of a 360° review: the ratings the caller is asked to give, one of them, and the
rating submitted through the rater's form and ``services.rating_submit`` (1–5 for every criterion, an optional
comment; once given, never changed). Only the caller's own assignments exist here (another's is 404), and no score
or comment is ever returned — not even the caller's own: results leave the app only aggregated (``api.py``)."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from serviceloop.core.api_forms import call, clean_typed, form_serializer
from serviceloop.integrations.idempotency import KEY_HEADER, idempotent

from . import selectors, services
from .forms import RatingForm
from .models import CRITERIA, Rater


class CriterionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class RatingTaskSerializer(serializers.ModelSerializer):
    """One rating the caller is asked to give — who, in which round, in which relation; never a score."""

    manager = serializers.IntegerField(source="reviewee.manager_id", read_only=True)
    manager_name = serializers.SerializerMethodField()
    round = serializers.IntegerField(source="reviewee.round_id", read_only=True)
    round_name = serializers.CharField(source="reviewee.round.name", read_only=True)
    round_status = serializers.CharField(source="reviewee.round.status", read_only=True)
    period_end = serializers.DateField(source="reviewee.round.period_end", read_only=True)
    rated = serializers.SerializerMethodField()
    criteria = serializers.SerializerMethodField()

    class Meta:
        model = Rater
        fields = ["id", "manager", "manager_name", "relation", "round", "round_name", "round_status", "period_end",
                  "rated", "rated_at", "criteria"]  # fmt: skip
        read_only_fields = fields

    def get_manager_name(self, obj) -> str:
        return str(obj.reviewee.manager)

    def get_rated(self, obj) -> bool:
        return obj.rated_at is not None

    @extend_schema_field(CriterionSerializer(many=True))
    def get_criteria(self, obj):
        return [{"key": k, "label": str(label)} for k, label in CRITERIA]


RatingBody = form_serializer(RatingForm, "ReviewRatingRequest")


class RatingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The ratings the caller still has to give in open rounds; ``{id}/`` one of the caller's own (given or not);
    ``POST {id}/submit/`` gives it: every criterion 1–5 and an optional comment, once. Anonymous: nothing here
    ever returns a score or a comment."""

    serializer_class = RatingTaskSerializer
    queryset = Rater.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Rater.objects.none()
        return selectors.pending_ratings(self.request.user)

    def _own(self, pk) -> Rater:
        from django.http import Http404

        if not (str(pk).isascii() and str(pk).isdigit()):
            raise Http404
        return selectors.rater_get(user=self.request.user, pk=pk)

    def retrieve(self, request, pk=None):
        return Response(RatingTaskSerializer(self._own(pk)).data)

    @extend_schema(request=RatingBody, responses={201: RatingTaskSerializer}, parameters=[KEY_HEADER])
    @action(detail=True, methods=["post"])
    @idempotent
    def submit(self, request, pk=None):
        """A second rating of the same person is refused (400), as is a rating in a round that is not open."""
        rater = self._own(pk)
        d = clean_typed(RatingForm, RatingBody, request)
        scores = {k: d[k] for k, _label in CRITERIA}
        call(services.rating_submit, rater=rater, scores=scores, comment=d["comment"], actor=request.user)
        rater.refresh_from_db()
        return Response(RatingTaskSerializer(rater).data, status=status.HTTP_201_CREATED)
