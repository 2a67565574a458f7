"""REST API of surveys: waves (read), a wave's target shops (the progress list), answers entered by phone
(agents) or on a visit (account managers), and a wave's results as JSON. Same selectors, services, scope,
masking and messages as the pages (the anonymous-wave rules included)."""

import math

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from serviceloop.core.api_forms import SEARCH, call, clean, form_data, form_serializer, query
from serviceloop.core.params import id_param
from serviceloop.core.phones import phone_for
from serviceloop.integrations.idempotency import KEY_HEADER, idempotent

from . import selectors, services
from .analysis import SEGMENTS, previous_wave, wave_results
from .forms import WaveForm
from .models import Answer, Wave, WaveStatus, WaveTarget


class WaveTransitionRequest(serializers.Serializer):
    to = serializers.ChoiceField(choices=WaveStatus.choices, help_text="The status to move the wave to")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    before_period = serializers.BooleanField(
        required=False, help_text="Confirm opening before the period starts"
    )


# confidence and margin as plain numbers in the schema (the form checks their range and three decimals)
WaveBody = form_serializer(WaveForm, "SurveyWaveRequest", extra={
    "confidence": serializers.FloatField(min_value=0.8, max_value=0.99, help_text="e.g. 0.95"),
    "margin": serializers.FloatField(min_value=0.01, max_value=0.2, help_text="e.g. 0.05"),
})  # fmt: skip


class WaveSerializer(serializers.ModelSerializer):
    questionnaire_title = serializers.CharField(source="questionnaire.title", read_only=True)
    questionnaire_version = serializers.IntegerField(source="questionnaire.version", read_only=True)
    n_targets = serializers.IntegerField(read_only=True, default=None)
    n_answered = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Wave
        fields = ["id", "name", "questionnaire", "questionnaire_title", "questionnaire_version", "period_start",
                  "period_end", "status", "anonymous", "target_mode", "sample_size", "drawn_at", "n_targets",
                  "n_answered"]  # fmt: skip


class TargetSerializer(serializers.ModelSerializer):
    licence_no = serializers.CharField(source="customer.licence_no", read_only=True)
    shop_name = serializers.CharField(source="customer.name", read_only=True)
    owner_name = serializers.CharField(source="customer.owner_name", read_only=True)
    phone = serializers.SerializerMethodField()
    station_name = serializers.CharField(source="station.name", read_only=True, default=None)
    route_name = serializers.CharField(source="route.name", read_only=True, default=None)
    # None on an anonymous wave below the city: who answered is not shown.
    done = serializers.BooleanField(read_only=True, allow_null=True)
    started = serializers.BooleanField(read_only=True, allow_null=True)
    n_reminders = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = WaveTarget
        fields = ["id", "customer", "licence_no", "shop_name", "owner_name", "phone", "station", "station_name",
                  "route", "route_name", "done", "started", "n_reminders"]  # fmt: skip

    def get_phone(self, obj) -> str:
        return phone_for(self.context["request"].user, obj.customer.phone)


class AnswerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Answer
        fields = ["id", "target", "channel", "status", "values", "expectations", "importances", "entered_by",
                  "started_at", "updated_at", "submitted_at"]  # fmt: skip


class AnswerBody(serializers.Serializer):
    values = serializers.DictField(
        help_text="Item code → answer: a whole number 1–k (scale items), an option (single), a list of options "
        "(multiple) or text."
    )
    expectations = serializers.DictField(child=serializers.IntegerField(), required=False, default=dict)
    importances = serializers.DictField(child=serializers.IntegerField(), required=False, default=dict)
    submit = serializers.BooleanField(default=False, help_text="true: the answer is complete and submitted")


TARGET_FILTERS = [
    SEARCH,
    query("state", "done: answered; pending: not yet", enum=["done", "pending"]),
    query("station", "Station id", int),
    query("route", "Route id", int),
]


def _plain(value):
    """Results hold NaN where a figure cannot be computed; JSON has no NaN, so it becomes null."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _plain(value.item())
    if isinstance(value, str | int | bool) or value is None:
        return value
    return str(value)


@extend_schema_view(
    list=extend_schema(parameters=[SEARCH, query("status", "Status", enum=WaveStatus.values)])
)
class WaveViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Survey waves the caller may see; their target shops, answer entry and results."""

    queryset = Wave.objects.none()
    serializer_class = WaveSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Wave.objects.none()
        params = self.request.query_params
        if self.action == "list":
            return selectors.wave_list(user=self.request.user, q=params.get("q", "")[:100],
                                       status=params.get("status", ""))  # fmt: skip
        return Wave.objects.visible_to(self.request.user).select_related("questionnaire")

    def _detail(self, wave, code=status.HTTP_200_OK):
        return Response(
            WaveSerializer(Wave.objects.select_related("questionnaire").get(pk=wave.pk)).data, status=code
        )

    @extend_schema(request=WaveBody, responses={201: WaveSerializer}, parameters=[KEY_HEADER])
    @idempotent
    def create(self, request):
        """Adds a survey wave (survey managers), as on the page: questionnaire, period, anonymous, who is asked
        (all shops or a sample by confidence and margin, stratified)."""
        if not services.may_manage_surveys(request.user):
            raise PermissionDenied
        d = dict(clean(WaveForm(form_data(request))))
        questionnaire = d.pop("questionnaire")
        from .views import _first_company

        wave = call(services.wave_create, company=request.user.company or _first_company(),
                    questionnaire=questionnaire, data=d, actor=request.user)  # fmt: skip
        return self._detail(wave, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: WaveSerializer}, parameters=[KEY_HEADER])
    @action(detail=True, methods=["post"])
    @idempotent
    def draw(self, request, pk=None):
        """Draws the wave's target shops (all, or the sample)."""
        if not services.may_manage_surveys(request.user):
            raise PermissionDenied
        wave = self.get_object()
        call(services.wave_draw_targets, wave=wave, actor=request.user)
        return self._detail(wave)

    @extend_schema(request=WaveTransitionRequest, responses={200: WaveSerializer}, parameters=[KEY_HEADER])
    @action(detail=True, methods=["post"])
    @idempotent
    def transition(self, request, pk=None):
        """Moves the wave (open, close, …) as the page's buttons do; a refused move answers 400 with the reason."""
        if not services.may_manage_surveys(request.user):
            raise PermissionDenied
        wave = self.get_object()
        data = form_data(request)
        to = data.get("to")
        if not isinstance(to, str) or to not in WaveStatus.values:
            raise ValidationError({"to": [_("Choose the status to move the wave to.")]})
        note = data.get("note") or ""
        if not isinstance(note, str) or len(note) > 300:
            raise ValidationError({"note": [_("At most 300 characters.")]})
        call(services.wave_transition, wave=wave, to=to, actor=request.user, note=note,
             before_period=data.get("before_period") in (True, "1", "true"))  # fmt: skip
        return self._detail(wave)

    @extend_schema(parameters=TARGET_FILTERS, responses={200: TargetSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def targets(self, request, pk=None):
        """The wave's shops in the caller's scope and whether each has answered (paginated)."""
        if not (request.user.is_superuser or request.user.role):
            raise PermissionDenied
        wave = self.get_object()
        params = {k: request.query_params.get(k, "")[:100] for k in ("q", "state", "station", "route")}
        page = self.paginate_queryset(selectors.targets_for(user=request.user, wave=wave, **params))
        return self.get_paginated_response(
            TargetSerializer(page, many=True, context={"request": request}).data
        )

    def _target(self, request, pk, tpk):
        wave = self.get_object()
        return wave, selectors.target_get(user=request.user, wave=wave, pk=tpk)

    def _hidden(self, request, wave, answer) -> bool:
        # As on the page: an anonymous wave shows nobody below the city a shop's answer, not even a half-finished
        # sheet someone else started.
        return bool(answer is not None and not selectors.shop_level_allowed(user=request.user, wave=wave)
                    and answer.entered_by_id != request.user.pk)  # fmt: skip

    @extend_schema(methods=["GET"], responses={200: AnswerSerializer})
    @extend_schema(methods=["POST"], request=AnswerBody, responses={200: AnswerSerializer, 201: AnswerSerializer},
                   parameters=[KEY_HEADER])  # fmt: skip
    @action(detail=True, methods=["get", "post"], url_path=r"targets/(?P<tpk>\d+)/answer")
    @idempotent
    def answer(self, request, pk=None, tpk=None):
        """GET: the shop's answer so far. POST: enters answers by phone (agents) or on a visit (account managers);
        ``submit: true`` submits them (every required item answered), otherwise they are kept as a draft."""
        channel = services.entry_channel(request.user)
        if channel is None:
            raise PermissionDenied
        wave, target = self._target(request, pk, tpk)
        answer = Answer.objects.filter(target=target).first()
        if self._hidden(request, wave, answer):
            raise PermissionDenied
        if request.method == "GET":
            if answer is None:
                raise Http404
            return Response(AnswerSerializer(answer).data)
        body = AnswerBody(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        saved = call(services.answer_save, target=target, channel=channel, values=d["values"],
                     expectations=d["expectations"], importances=d["importances"], actor=request.user,
                     submit=d["submit"], now=timezone.now())  # fmt: skip
        return Response(
            AnswerSerializer(saved).data, status=status.HTTP_200_OK if answer else status.HTTP_201_CREATED
        )

    @extend_schema(
        parameters=[
            query("segment", "Group the figures by", enum=list(SEGMENTS)),
            query("compare", "Another wave's id to compare with; 'none' for no comparison (default: the previous "
                  "wave of the same questionnaire)"),
        ],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The results page's figures as JSON")},
    )  # fmt: skip
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        """Satisfaction index, item statistics, segments, drivers and the comparison, as on the results page
        (groups too small to stay anonymous are left out below the city)."""
        if not services.may_view_results(request.user):
            raise PermissionDenied
        wave = self.get_object()
        compare_id = request.query_params.get("compare", "")
        others = Wave.objects.visible_to(request.user).filter(questionnaire__code=wave.questionnaire.code)
        if compare_id == "none":
            compare = None
        elif (value := id_param(compare_id)) is not None:
            compare = others.exclude(pk=wave.pk).filter(pk=value).first()
            if compare is None:
                raise ValidationError({"compare": [_("Not a wave of the same questionnaire in your area.")]})
        else:
            compare = previous_wave(wave)
        segment = request.query_params.get("segment", "branch")
        results = wave_results(wave, request.user, segment=segment, compare=compare)
        return Response(_plain({"wave": wave.pk, "compare": compare.pk if compare else None, **results}))
