"""REST API of trainings: sessions (list, detail), a session's invitations (list; POST invites shops chosen by
the same filters as the page) and attendance (POST ticks or unticks). Same selectors, services, scope, masking
and messages as the pages."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from serviceloop.core.api_forms import SEARCH, call, form_data, query
from serviceloop.core.phones import phone_for
from serviceloop.integrations.idempotency import KEY_HEADER, idempotent

from . import selectors, services
from .models import Invitation, SessionStatus, TrainingSession
from .scope import may_manage, may_take_attendance


class SessionSerializer(serializers.ModelSerializer):
    topic_name = serializers.CharField(source="topic.name", read_only=True)
    trainer_name = serializers.CharField(source="trainer.__str__", read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    station_name = serializers.CharField(source="station.name", read_only=True, default=None)
    n_invited = serializers.IntegerField(read_only=True, default=None)
    n_attended = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = TrainingSession
        fields = ["id", "topic", "topic_name", "trainer", "trainer_name", "place", "starts_at", "ends_at", "capacity",
                  "branch", "branch_name", "station", "station_name", "status", "notes", "wave", "n_invited",
                  "n_attended"]  # fmt: skip
        read_only_fields = fields


class EventSerializer(serializers.Serializer):
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.IntegerField(source="actor_id", allow_null=True)
    at = serializers.DateTimeField()
    note = serializers.CharField()


class SessionDetailSerializer(SessionSerializer):
    events = EventSerializer(many=True, read_only=True)
    checkin_url = serializers.SerializerMethodField()

    class Meta(SessionSerializer.Meta):
        fields = [*SessionSerializer.Meta.fields, "events", "checkin_url"]
        read_only_fields = fields

    def get_checkin_url(self, obj) -> str | None:
        """The door's check-in link, for those who take attendance (None for others)."""
        return services.checkin_url(obj) if may_take_attendance(self.context["request"].user, obj) else None


class InvitationSerializer(serializers.ModelSerializer):
    licence_no = serializers.CharField(source="customer.licence_no", read_only=True)
    shop_name = serializers.CharField(source="customer.name", read_only=True)
    phone = serializers.SerializerMethodField()
    station_name = serializers.CharField(source="station.name", read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "customer", "licence_no", "shop_name", "phone", "station", "station_name", "targeting",
                  "invited_at", "attended_at", "checkin_method"]  # fmt: skip
        read_only_fields = fields

    def get_phone(self, obj) -> str:
        return phone_for(self.context["request"].user, obj.customer.phone)


class InviteBody(serializers.Serializer):
    segment = serializers.IntegerField(required=False, help_text="Segment id")
    tag = serializers.IntegerField(required=False, help_text="Problem tag id: shops carrying it (live)")
    key_list = serializers.CharField(required=False, help_text="Key-customer list code")
    licences = serializers.CharField(
        required=False, help_text="Licence numbers, separated by spaces or commas"
    )
    station = serializers.IntegerField(required=False)
    route = serializers.IntegerField(required=False)


class InviteResult(serializers.Serializer):
    invited = serializers.IntegerField()
    left_out = serializers.IntegerField(help_text="Matching shops not invited because the session is full")


class AttendanceBody(serializers.Serializer):
    attended = serializers.ListField(child=serializers.IntegerField(), required=False, default=list,
                                     help_text="Invitation ids to tick")  # fmt: skip
    absent = serializers.ListField(child=serializers.IntegerField(), required=False, default=list,
                                   help_text="Invitation ids to untick")  # fmt: skip


class AttendanceResult(serializers.Serializer):
    ticked = serializers.IntegerField()
    unticked = serializers.IntegerField()


LIST_FILTERS = [
    SEARCH,
    query("status", "Status", enum=SessionStatus.values),
    query("topic", "Topic id", int),
    query("branch", "Branch id", int),
    query("station", "Station id", int),
    query("from", "Starting on or after (YYYY-MM-DD)"),
    query("to", "Starting on or before (YYYY-MM-DD)"),
    query("mine", "1: sessions the caller trains", enum=["1"]),
]


@extend_schema_view(list=extend_schema(parameters=LIST_FILTERS))
class TrainingSessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Training sessions the caller may see, their invitations and attendance."""

    queryset = TrainingSession.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TrainingSession.objects.none()
        if not (self.request.user.is_superuser or self.request.user.role):
            raise PermissionDenied
        if self.action == "list":
            params = {k: self.request.query_params.get(k, "")[:100] for k in
                      ("q", "status", "topic", "branch", "station", "from", "to", "mine")}  # fmt: skip
            return selectors.session_list(user=self.request.user, params=params)
        return TrainingSession.objects.visible_to(self.request.user).select_related(
            "topic", "trainer", "branch", "station").prefetch_related("events")  # fmt: skip

    def get_serializer_class(self):
        return SessionSerializer if self.action == "list" else SessionDetailSerializer

    @extend_schema(
        methods=["GET"],
        parameters=[SEARCH, query("attended", "1: checked in; 0: not", enum=["0", "1"])],
        responses={200: InvitationSerializer(many=True)},
    )
    @extend_schema(methods=["POST"], request=InviteBody, responses={201: InviteResult}, parameters=[KEY_HEADER])  # fmt: skip
    @action(detail=True, methods=["get", "post"])
    @idempotent
    def invitations(self, request, pk=None):
        """GET: the session's invited shops (paginated). POST: invites shops chosen by segment, problem tag,
        key-customer list or licence numbers (the page's filters), up to the session's capacity; each shop once."""
        session = self.get_object()
        if request.method == "GET":
            params = {k: request.query_params.get(k, "")[:100] for k in ("q", "attended")}
            page = self.paginate_queryset(selectors.session_invitations(session=session, params=params))
            return self.get_paginated_response(
                InvitationSerializer(page, many=True, context={"request": request}).data
            )
        if not may_manage(request.user, session):
            raise PermissionDenied
        data = form_data(request)
        params = {k: str(data.get(k))[:5000] for k in ("segment", "tag", "key_list", "licences", "station", "route")
                  if data.get(k) not in (None, "")}  # fmt: skip
        filterset, candidates = selectors.invite_candidates(session=session, user=request.user, params=params)
        if not filterset.is_valid():
            raise ValidationError(
                {k: [e["message"] for e in v] for k, v in filterset.errors.get_json_data().items()}
            )
        targeting = filterset.targeting()
        if targeting is None:
            raise ValidationError({"non_field_errors": [_("Choose the shops: a segment, a problem tag, a key-customer "
                                                          "list, licence numbers or another filter.")]})  # fmt: skip
        room = max(session.capacity - session.invitations.count(), 0)
        chosen = list(candidates.only("pk", "name", "phone", "station_id")[: room + 1])
        invited, _left = call(services.session_invite, session=session, customers=chosen, targeting=targeting,
                              actor=request.user)  # fmt: skip
        left_out = candidates.count() if _left else 0
        return Response({"invited": invited, "left_out": left_out}, status=status.HTTP_201_CREATED)

    @extend_schema(request=AttendanceBody, responses={200: AttendanceResult}, parameters=[KEY_HEADER])
    @action(detail=True, methods=["post"])
    @idempotent
    def attendance(self, request, pk=None):
        """Ticks (``attended``) or unticks (``absent``) invited shops; the others keep their state."""
        session = self.get_object()
        if not may_take_attendance(request.user, session):
            raise PermissionDenied
        body = AttendanceBody(data=request.data)
        body.is_valid(raise_exception=True)
        ticked, absent = set(body.validated_data["attended"]), set(body.validated_data["absent"])
        if ticked & absent:
            raise ValidationError({"absent": [_("A shop cannot be both ticked and unticked.")]})
        current = set(session.invitations.filter(attended_at__isnull=False).values_list("pk", flat=True))
        added, removed = call(services.attendance_set, session=session, attended_ids=(current - absent) | ticked,
                              actor=request.user, now=timezone.now())  # fmt: skip
        return Response({"ticked": added, "unticked": removed})
