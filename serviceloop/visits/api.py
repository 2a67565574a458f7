"""REST API of visits: policies (read), the plan (a day's visits, the list), and a visit's steps — add, move,
cancel, check in, check out with the checklist and a photo. Key-customer lists (read). Same forms, services,
scope and messages as the pages."""

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from serviceloop.core.api_forms import SEARCH, call, clean, form_data, form_serializer, query
from serviceloop.core.files import file_response
from serviceloop.core.paging import KeysFirstPagination, StableOrderingFilter
from serviceloop.core.params import id_param
from serviceloop.customers.models import Customer
from serviceloop.integrations.idempotency import KEY_HEADER, idempotent

from . import selectors, services
from .models import KeyCustomerEntry, KeyList, Visit, VisitEvent, VisitOutcome, VisitPolicy, VisitStatus
from .views import CheckInForm, DayForm, PolicyForm, RecordForm

PolicyBody = form_serializer(PolicyForm, "VisitPolicyRequest")


class VisitPolicySerializer(serializers.ModelSerializer):
    checklist_items = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = VisitPolicy
        fields = ["id", "name", "kind", "stars_min", "stars_max", "key_list", "visits_per_month", "min_minutes",
                  "max_gap_days", "checklist_items", "active", "updated_at"]  # fmt: skip


class VisitEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitEvent
        fields = ["action", "actor", "at", "data"]


class VisitSerializer(serializers.ModelSerializer):
    licence_no = serializers.CharField(source="customer.licence_no", read_only=True)
    shop_name = serializers.CharField(source="customer.name", read_only=True)
    manager_name = serializers.CharField(source="manager.__str__", read_only=True)
    minutes = serializers.IntegerField(read_only=True, allow_null=True)
    has_photo = serializers.SerializerMethodField()
    # "" (not recorded yet) is a value the field really has: the schema's enum must list it.
    outcome = serializers.ChoiceField(choices=[("", ""), *VisitOutcome.choices], read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "customer", "licence_no", "shop_name", "manager", "manager_name", "route", "policy",
                  "planned_on", "source", "status", "check_in_at", "check_out_at", "latitude", "longitude",
                  "outcome", "covered", "notes", "minutes", "short_reason", "has_photo"]  # fmt: skip
        read_only_fields = fields

    def get_has_photo(self, obj) -> bool:
        return bool(obj.photo)


class VisitDetailSerializer(VisitSerializer):
    checklist = serializers.SerializerMethodField()
    events = VisitEventSerializer(many=True, read_only=True)
    may_record = serializers.SerializerMethodField()
    may_manage = serializers.SerializerMethodField()

    class Meta(VisitSerializer.Meta):
        fields = [*VisitSerializer.Meta.fields, "checklist", "events", "may_record", "may_manage"]
        read_only_fields = fields

    def get_checklist(self, obj) -> list[str]:
        return obj.policy.checklist_items if obj.policy else []

    def get_may_record(self, obj) -> bool:
        return services.may_record(self.context["request"].user, obj)

    def get_may_manage(self, obj) -> bool:
        """May move or cancel it now (a missed visit: only a station head or a market manager)."""
        return services.may_move_or_cancel(self.context["request"].user, obj, timezone.localdate())


AddBody = form_serializer(DayForm, "VisitAddRequest", extra={"customer": serializers.IntegerField()})
DayBody = form_serializer(DayForm, "VisitMoveRequest")
CancelBody = type(
    "VisitCancelRequest", (serializers.Serializer,), {"reason": serializers.CharField(max_length=200)}
)
CheckInBody = form_serializer(CheckInForm, "VisitCheckInRequest")


class _RecordShape(RecordForm):
    """RecordForm with every field (the page drops ``short_reason`` when the policy has no minimum)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, visit=None, **kwargs)
        self.fields["short_reason"] = RecordForm.base_fields["short_reason"]


CheckOutBody = form_serializer(_RecordShape, "VisitCheckOutRequest")

LIST_FILTERS = [
    SEARCH,
    query("status", "Status", enum=VisitStatus.values),
    query("outcome", "Outcome", enum=VisitOutcome.values),
    query("date_from", "Planned on or after (YYYY-MM-DD)", dt.date),
    query("date_to", "Planned on or before (YYYY-MM-DD)", dt.date),
]


class VisitPolicyViewSet(viewsets.ReadOnlyModelViewSet):
    """Visit policies by star level, key list and new shops, with their checklists; city admins add (``POST``) and
    edit (``PUT``) them as on the page."""

    serializer_class = VisitPolicySerializer
    queryset = VisitPolicy.objects.order_by("kind", "name")
    http_method_names = ["get", "post", "put", "head", "options"]

    def _save(self, request, policy, code):
        from serviceloop.org.scope import can_manage_org

        if not can_manage_org(request.user):
            raise PermissionDenied
        instance = VisitPolicy.objects.get(pk=policy.pk) if policy else None
        d = clean(PolicyForm(form_data(request), instance=instance))
        saved = call(services.policy_save, policy=policy, data=d, actor=request.user)
        return Response(VisitPolicySerializer(VisitPolicy.objects.get(pk=saved.pk)).data, status=code)

    @extend_schema(request=PolicyBody, responses={201: VisitPolicySerializer}, parameters=[KEY_HEADER])
    @idempotent
    def create(self, request):
        """Adds a visit policy (city admins); ``checklist`` one item per line."""
        return self._save(request, None, status.HTTP_201_CREATED)

    @extend_schema(request=PolicyBody, responses={200: VisitPolicySerializer}, parameters=[KEY_HEADER])
    @idempotent
    def update(self, request, pk=None):
        """Replaces a visit policy (city admins); a policy is retired with ``active: false``."""
        return self._save(request, self.get_object(), status.HTTP_200_OK)


@extend_schema_view(list=extend_schema(parameters=LIST_FILTERS))
class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Visits planned on the routes of the caller's area (the list, as the visit list page); one visit of a shop in
    their area may be opened too, wherever it was planned. ``GET day/`` is the caller's own plan of a day; ``POST`` adds a
    visit; ``POST {id}/check-in/`` and ``{id}/check-out/`` record it (multipart for the photo)."""

    queryset = Visit.objects.none()
    filter_backends = [StableOrderingFilter]
    ordering_fields = ["planned_on", "check_in_at", "status"]
    # as the visit list page: the newest day's visits sorted as keys only
    pagination_class = KeysFirstPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Visit.objects.none()
        if self.action == "list":
            return selectors.visit_list(user=self.request.user, params=self.request.query_params)
        return Visit.objects.visible_to(self.request.user).select_related("customer", "policy", "manager")

    def get_serializer_class(self):
        return VisitSerializer if self.action in ("list", "day") else VisitDetailSerializer

    def _detail(self, visit, code=status.HTTP_200_OK):
        visit = self.get_queryset().prefetch_related("events").get(pk=visit.pk)
        return Response(VisitDetailSerializer(visit, context={"request": self.request}).data, status=code)

    @extend_schema(parameters=[query("day", "The day (YYYY-MM-DD); today when left out", dt.date)],
                   responses={200: VisitSerializer(many=True)})  # fmt: skip
    @action(detail=False, methods=["get"], pagination_class=None)
    def day(self, request):
        """The caller's own visits of a day (the phone page “today's visits”), not paginated."""
        raw = request.query_params.get("day", "")
        try:
            day = dt.date.fromisoformat(raw) if raw else timezone.localdate()
        except ValueError:
            raise ValidationError({"day": [_("Not a valid date.")]}) from None
        visits = selectors.visits_for_day(user=request.user, day=day)
        return Response(VisitSerializer(visits, many=True, context={"request": request}).data)

    @extend_schema(request=AddBody, responses={201: VisitDetailSerializer}, parameters=[KEY_HEADER])
    @idempotent
    def create(self, request):
        """Adds a visit to the plan (an unplanned call on a shop)."""
        data = form_data(request)
        if (customer_pk := id_param(data.get("customer"))) is None:
            raise ValidationError({"customer": [_("Choose the shop.")]})
        customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=customer_pk)
        d = clean(DayForm(data))
        visit = call(services.visit_add, customer=customer, day=d["day"], actor=request.user)
        return self._detail(visit, status.HTTP_201_CREATED)

    @extend_schema(request=DayBody, responses={200: VisitDetailSerializer}, parameters=[KEY_HEADER])
    @action(detail=True, methods=["post"])
    @idempotent
    def move(self, request, pk=None):
        visit = self.get_object()
        d = clean(DayForm(form_data(request)))
        return self._detail(call(services.visit_move, visit=visit, day=d["day"], actor=request.user))

    @extend_schema(request=CancelBody, responses={200: VisitDetailSerializer}, parameters=[KEY_HEADER])
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request, pk=None):
        visit = self.get_object()
        reason = form_data(request).get("reason", "")
        reason = reason if isinstance(reason, str) else ""
        return self._detail(call(services.visit_cancel, visit=visit, reason=reason[:200], actor=request.user))

    @extend_schema(request=CheckInBody, responses={200: VisitDetailSerializer}, parameters=[KEY_HEADER])
    @action(detail=True, methods=["post"], url_path="check-in")
    @idempotent
    def check_in(self, request, pk=None):
        visit = self.get_object()
        d = clean(CheckInForm(form_data(request)))
        visit = call(services.visit_check_in, visit=visit, actor=request.user, latitude=d["latitude"],
                     longitude=d["longitude"])  # fmt: skip
        return self._detail(visit)

    @extend_schema(request={"application/json": CheckOutBody, "multipart/form-data": CheckOutBody},
                   responses={200: VisitDetailSerializer}, parameters=[KEY_HEADER])  # fmt: skip
    @action(detail=True, methods=["post"], url_path="check-out")
    @idempotent
    def check_out(self, request, pk=None):
        """Checks out and records the visit: outcome, the checklist items covered, notes, a photo; a visit shorter
        than its policy's minimum needs ``short_reason``."""
        visit = self.get_object()
        d = clean(RecordForm(form_data(request), request.FILES, visit=visit))
        visit = call(services.visit_record, visit=visit, outcome=d["outcome"], covered=d["covered"],
                     notes=d["notes"], photo=d["photo"], short_reason=d.get("short_reason", ""),
                     actor=request.user)  # fmt: skip
        return self._detail(visit)

    @extend_schema(
        responses={(200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The visit's photo")}
    )
    @action(detail=True, methods=["get"])
    def photo(self, request, pk=None):
        return file_response(self.get_object().photo)


class KeyListSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=KeyList.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()
    strategy = serializers.CharField()
    policy = serializers.IntegerField(allow_null=True, source="policy.pk", default=None)


class KeyEntrySerializer(serializers.ModelSerializer):
    licence_no = serializers.CharField(source="customer.licence_no", read_only=True)
    shop_name = serializers.CharField(source="customer.name", read_only=True)
    station_name = serializers.CharField(source="customer.station.name", read_only=True)
    route_name = serializers.CharField(source="customer.route.name", read_only=True)

    class Meta:
        model = KeyCustomerEntry
        fields = ["customer", "licence_no", "shop_name", "station_name", "route_name", "key_list", "since",
                  "reason", "computed_at"]  # fmt: skip


class KeyListViewSet(viewsets.ViewSet):
    """Key-customer lists: how many of the caller's shops are on each (the shops: ``key-list-entries/``)."""

    pagination_class = None

    @extend_schema(responses={200: KeyListSerializer(many=True)})
    def list(self, request):
        return Response(KeyListSerializer(selectors.keylist_summary(user=request.user), many=True).data)


@extend_schema_view(
    list=extend_schema(parameters=[query("list", "The key-customer list", enum=KeyList.values), SEARCH])
)
class KeyListEntryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's shops on one key-customer list (``?list=``), as on the page."""

    queryset = KeyCustomerEntry.objects.none()
    serializer_class = KeyEntrySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return KeyCustomerEntry.objects.none()
        key = self.request.query_params.get("list", "")
        if key not in KeyList.values:
            raise ValidationError({"list": [_("Choose a key-customer list.")]})
        return selectors.keylist_entries(user=self.request.user, key_list=key,
                                         q=self.request.query_params.get("q", "")[:100])  # fmt: skip
