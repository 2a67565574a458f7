"""REST API of supervision: inspection plans (list, add, draw a month's sample, the drawn items), the inspector's
work list and the finding of an item, rectifications (report, verify, send back) and the risk register (list,
raise, edit, start, submit, close, send back). Same forms, services, scope and messages as the pages."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from serviceloop.core.api_forms import SEARCH, call, clean, form_data, form_serializer, query
from serviceloop.core.paging import StableOrderingFilter
from serviceloop.core.phones import phone_for
from serviceloop.integrations.idempotency import KEY_HEADER, idempotent

from . import selectors, services
from .forms import DrawForm, NoteForm, PlanForm, RecordForm, RiskEditForm, RiskForm
from .models import (
    RECT_OPEN,
    RISK_OPEN,
    InspectionItem,
    InspectionPlan,
    InspectionRecord,
    RectAction,
    Rectification,
    RectificationEvent,
    RectStatus,
    Risk,
    RiskAction,
    RiskEvent,
    RiskLevel,
    RiskStatus,
    Source,
)
from .scope import is_inspector, may_plan, may_raise_risk, may_read_plans, may_review_risk, may_work_risk


def _name(user) -> str | None:
    return str(user) if user is not None else None


# --- plans and items -----------------------------------------------------------------------------------------
class PlanSerializer(serializers.ModelSerializer):
    sources = serializers.ListField(child=serializers.ChoiceField(choices=Source.choices))
    item_count = serializers.IntegerField(source="n_items", read_only=True, default=None, allow_null=True)

    class Meta:
        model = InspectionPlan
        fields = ["id", "name", "kind", "sources", "per_station", "branch", "first_month", "last_month",
                  "assignee", "notes", "created_by", "created_at", "item_count"]  # fmt: skip
        read_only_fields = fields


class RecordSerializer(serializers.ModelSerializer):
    inspector_name = serializers.SerializerMethodField()
    has_photo = serializers.SerializerMethodField()
    rectification = serializers.SerializerMethodField()

    class Meta:
        model = InspectionRecord
        fields = ["id", "inspector", "inspector_name", "method", "finding", "severity", "notes", "has_photo",
                  "checked_at", "rectification"]  # fmt: skip
        read_only_fields = fields

    def get_inspector_name(self, obj) -> str | None:
        return _name(obj.inspector)

    def get_has_photo(self, obj) -> bool:
        return bool(obj.photo)

    def get_rectification(self, obj) -> int | None:
        rect = getattr(obj, "rectification", None)
        return rect.pk if rect else None


class ItemSerializer(serializers.ModelSerializer):
    station_name = serializers.CharField(source="station.name", read_only=True)
    licence_no = serializers.CharField(source="customer.licence_no", read_only=True, default=None)
    shop_name = serializers.CharField(source="customer.name", read_only=True, default=None)
    person_name = serializers.SerializerMethodField()
    inspected = serializers.SerializerMethodField()

    class Meta:
        model = InspectionItem
        fields = ["id", "plan", "month", "station", "station_name", "source", "object_id", "customer", "licence_no",
                  "shop_name", "person", "person_name", "summary", "drawn_at", "inspected"]  # fmt: skip
        read_only_fields = fields

    def get_person_name(self, obj) -> str | None:
        return _name(obj.person)

    def get_inspected(self, obj) -> bool:
        return hasattr(obj, "record")


class ItemDetailSerializer(ItemSerializer):
    shop_phone = serializers.SerializerMethodField(help_text="Masked for roles that do not see phone numbers")
    record = RecordSerializer(read_only=True, allow_null=True, default=None)
    may_record = serializers.SerializerMethodField()

    class Meta(ItemSerializer.Meta):
        fields = [*ItemSerializer.Meta.fields, "shop_phone", "record", "may_record"]
        read_only_fields = fields

    def get_shop_phone(self, obj) -> str:
        user = self.context["request"].user
        return phone_for(user, obj.customer.phone) if obj.customer else ""

    def get_may_record(self, obj) -> bool:
        return not hasattr(obj, "record") and services.may_inspect(self.context["request"].user, obj)


DrawBody = form_serializer(DrawForm, "InspectionDrawRequest")
NoteBody = form_serializer(NoteForm, "SupervisionNoteRequest")


class InspectionPlanRequest(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=InspectionPlan._meta.get_field("kind").choices)
    sources = serializers.ListField(child=serializers.ChoiceField(choices=Source.choices))
    per_station = serializers.IntegerField(min_value=1, max_value=50)
    branch = serializers.IntegerField(required=False, allow_null=True, help_text="Empty: the whole city")
    first_month = serializers.CharField(help_text="YYYY-MM")
    last_month = serializers.CharField(
        required=False, allow_blank=True, help_text="YYYY-MM (scheduled plans)"
    )
    assignee = serializers.IntegerField(required=False, allow_null=True, help_text="Empty: every inspector")
    notes = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class InspectionRecordRequest(serializers.Serializer):
    method = serializers.ChoiceField(choices=InspectionRecord._meta.get_field("method").choices)
    finding = serializers.ChoiceField(choices=InspectionRecord._meta.get_field("finding").choices)
    severity = serializers.ChoiceField(
        choices=InspectionRecord._meta.get_field("severity").choices, required=False
    )
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    photo = serializers.FileField(required=False)
    task = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    owner = serializers.IntegerField(
        required=False, allow_null=True, help_text="Default: the person inspected"
    )
    deadline = serializers.DateField(required=False, allow_null=True, help_text="Needed for a problem")


class RiskRequest(serializers.Serializer):
    level = serializers.ChoiceField(choices=RiskLevel.choices)
    branch = serializers.IntegerField(required=False, allow_null=True, help_text="For a county-level risk")
    station = serializers.IntegerField(required=False, allow_null=True, help_text="For a station-level risk")
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    owner = serializers.IntegerField(required=False, allow_null=True)
    measures = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    deadline = serializers.DateField(required=False, allow_null=True)


class RiskEditRequest(serializers.Serializer):
    owner = serializers.IntegerField(required=False, allow_null=True)
    measures = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    deadline = serializers.DateField(required=False, allow_null=True)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)


PlanBody, RecordBody, RiskBody, RiskEditBody = (
    InspectionPlanRequest,
    InspectionRecordRequest,
    RiskRequest,
    RiskEditRequest,
)

MONTH = query("month", "Month (YYYY-MM)")


class InspectionPlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Inspection plans of the caller's unit. ``POST`` adds one; ``POST {id}/draw/`` draws a month's sample;
    ``GET {id}/items/?month=`` lists the drawn items."""

    serializer_class = PlanSerializer
    queryset = InspectionPlan.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InspectionPlan.objects.none()
        if self.action == "list" and not may_read_plans(self.request.user):
            raise PermissionDenied  # as the page: the list is refused, a plan outside one's area is 404
        return selectors.plan_list(user=self.request.user)

    @extend_schema(request=PlanBody, responses={201: PlanSerializer}, parameters=[KEY_HEADER])
    @idempotent
    def create(self, request):
        """Adds a plan (inspectors, supervisors, city admins)."""
        if not may_plan(request.user):
            raise PermissionDenied
        d = clean(PlanForm(form_data(request), user=request.user))
        plan = call(services.plan_create, data=d, actor=request.user)
        return Response(PlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DrawBody, responses={200: PlanSerializer}, parameters=[KEY_HEADER])
    @action(detail=True, methods=["post"])
    @idempotent
    def draw(self, request, pk=None):
        """Draws the plan's sample of one month (drawing the same month again adds nothing twice)."""
        plan = self.get_object()
        if not may_plan(request.user):
            raise PermissionDenied
        d = clean(DrawForm(form_data(request)))
        added = call(services.plan_draw, plan=plan, month=d["month"], actor=request.user)
        return Response({**PlanSerializer(plan).data, "drawn": added})

    @extend_schema(parameters=[MONTH], responses={200: ItemSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def items(self, request, pk=None):
        plan = selectors.plan_get(user=request.user, pk=pk)
        month = None
        if request.query_params.get("month"):
            form = DrawForm({"month": request.query_params["month"]})
            month = form.cleaned_data["month"] if form.is_valid() else None
        qs = selectors.plan_items(user=request.user, plan=plan, month=month)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ItemSerializer(page, many=True).data)


WORK_FILTERS = [
    query("done", "1: items already inspected (default: those still to inspect)", enum=["1"]),
    query("source", "Record kind", enum=Source.values),
]


@extend_schema_view(list=extend_schema(parameters=WORK_FILTERS))
class InspectionItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The inspector's work list (items to check; ``?done=1`` the checked ones) and one item with its finding.
    ``POST {id}/record/`` records the finding; a problem opens a rectification (and a serious one a risk)."""

    queryset = InspectionItem.objects.none()

    def get_serializer_class(self):
        return ItemSerializer if self.action == "list" else ItemDetailSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InspectionItem.objects.none()
        if self.action == "list":
            if not is_inspector(self.request.user):
                raise PermissionDenied
            return selectors.work_list(user=self.request.user, params=self.request.query_params)
        return (
            InspectionItem.objects.visible_to(self.request.user)
            .filter(plan__in=InspectionPlan.objects.visible_to(self.request.user))
            .select_related(
                "plan", "station", "customer", "person", "record__inspector", "record__rectification"
            )  # fmt: skip
        )

    @extend_schema(request=RecordBody, responses={201: ItemDetailSerializer}, parameters=[KEY_HEADER])
    @action(detail=True, methods=["post"])
    @idempotent
    def record(self, request, pk=None):
        """Records the finding of the item (once; a second finding is refused with 400)."""
        item = self.get_object()
        if hasattr(item, "record"):
            raise ValidationError({"non_field_errors": [_("This item has already been inspected.")]})
        if not services.may_inspect(request.user, item):
            raise PermissionDenied
        d = clean(RecordForm(form_data(request), request.FILES, item=item))
        call(services.record_create, item=item, data=d, actor=request.user, photo=d.get("photo"))
        item = self.get_queryset().get(pk=item.pk)
        return Response(
            ItemDetailSerializer(item, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


# --- rectifications ------------------------------------------------------------------------------------------
class RectEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = RectificationEvent
        fields = ["action", "from_status", "to_status", "actor", "actor_name", "at", "note"]

    def get_actor_name(self, obj) -> str | None:
        return _name(obj.actor)


class RectificationSerializer(serializers.ModelSerializer):
    station_name = serializers.CharField(source="station.name", read_only=True)
    owner_name = serializers.SerializerMethodField()
    inspector = serializers.IntegerField(source="record.inspector_id", read_only=True, allow_null=True)
    severity = serializers.CharField(source="record.severity", read_only=True)
    item = serializers.IntegerField(source="record.item_id", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Rectification
        fields = ["id", "record", "item", "station", "station_name", "owner", "owner_name", "task", "deadline",
                  "status", "overdue", "inspector", "severity", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields

    def get_owner_name(self, obj) -> str | None:
        return _name(obj.owner)

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue(timezone.localdate())


class RectificationDetailSerializer(RectificationSerializer):
    events = RectEventSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta(RectificationSerializer.Meta):
        fields = [*RectificationSerializer.Meta.fields, "events", "allowed_actions"]
        read_only_fields = fields

    def get_allowed_actions(self, obj) -> list[str]:
        return rect_actions(self.context["request"].user, obj)


def rect_actions(user, rect) -> list[str]:
    """The steps the page offers this user (the same buttons)."""
    out = []
    if services.may_rectify(user, rect) and rect.status in RECT_OPEN:
        out.append(str(RectAction.RECTIFY))
    if services.may_verify(user, rect) and rect.status == RectStatus.RECTIFIED:
        out += [str(RectAction.VERIFY), str(RectAction.SEND_BACK)]
    return out


RECT_FILTERS = [
    SEARCH,
    query("status", "Status", enum=RectStatus.values),
    query("mine", "1: the caller's own", enum=["1"]),
    query("overdue", "1: open and past the deadline", enum=["1"]),
]


@extend_schema_view(list=extend_schema(parameters=RECT_FILTERS))
class RectificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Rectifications the caller may see. ``POST {id}/rectify/`` (the owner: what was done), ``verify/`` and
    ``send-back/`` (the inspector) close or return it."""

    queryset = Rectification.objects.none()
    filter_backends = [StableOrderingFilter]
    ordering_fields = ["deadline", "created_at", "status"]

    def get_serializer_class(self):
        return RectificationSerializer if self.action == "list" else RectificationDetailSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Rectification.objects.none()
        qs = selectors.rectification_list(user=self.request.user, params=self.request.query_params)
        return qs if self.action == "list" else qs.prefetch_related("events__actor")

    def _step(self, request, step):
        rect = self.get_object()
        if step not in rect_actions(request.user, rect):
            raise PermissionDenied
        d = clean(NoteForm(form_data(request)))
        call(services.rectification_transition, rect=rect, action=step, actor=request.user, note=d["note"])
        rect = self.get_queryset().get(pk=rect.pk)
        return Response(RectificationDetailSerializer(rect, context={"request": request}).data)


# --- risk register -------------------------------------------------------------------------------------------
class RiskEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = RiskEvent
        fields = ["action", "from_status", "to_status", "actor", "actor_name", "at", "note"]

    def get_actor_name(self, obj) -> str | None:
        return _name(obj.actor)


class RiskSerializer(serializers.ModelSerializer):
    unit_name = serializers.SerializerMethodField()
    owner_name = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Risk
        fields = ["id", "reference", "level", "branch", "station", "unit_name", "title", "description", "cause",
                  "period", "person", "owner", "owner_name", "measures", "deadline", "status", "overdue", "review",
                  "raised_by", "raised_at", "updated_at"]  # fmt: skip
        read_only_fields = fields

    def get_unit_name(self, obj) -> str | None:
        return str(obj.unit) if obj.unit else None

    def get_owner_name(self, obj) -> str | None:
        return _name(obj.owner)

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue(timezone.localdate())


class RiskDetailSerializer(RiskSerializer):
    events = RiskEventSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()
    editable = serializers.SerializerMethodField()

    class Meta(RiskSerializer.Meta):
        fields = [*RiskSerializer.Meta.fields, "events", "allowed_actions", "editable"]
        read_only_fields = fields

    def get_allowed_actions(self, obj) -> list[str]:
        return risk_actions(self.context["request"].user, obj)

    def get_editable(self, obj) -> bool:
        return may_work_risk(self.context["request"].user, obj) and obj.status != RiskStatus.CLOSED


def risk_actions(user, risk) -> list[str]:
    """The steps the page offers this user (the same buttons)."""
    may_work, may_review = may_work_risk(user, risk), may_review_risk(user, risk)
    out = []
    if may_work and risk.status == RiskStatus.OPEN:
        out.append(str(RiskAction.START))
    if may_work and risk.status in RISK_OPEN:
        out.append(str(RiskAction.SUBMIT))
    if may_review and risk.status == RiskStatus.IN_REVIEW:
        out += [str(RiskAction.CLOSE), str(RiskAction.REOPEN)]
    return out


RISK_FILTERS = [
    SEARCH,
    query("level", "Level", enum=RiskLevel.values),
    query("status", "Status (live: open, under way or awaiting review)", enum=[*RiskStatus.values, "live"]),
    query("branch", "Branch id", int),
    query("station", "Station id", int),
    query("owner", "Owner (user id)", int),
    query("overdue", "1: open and past the deadline", enum=["1"]),
]


@extend_schema_view(list=extend_schema(parameters=RISK_FILTERS))
class RiskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The risk register as the caller may see it. ``POST`` raises a risk; ``PATCH {id}/`` edits owner, measures,
    deadline, description; ``POST {id}/start/``, ``submit/``, ``close/``, ``reopen/`` move it along."""

    queryset = Risk.objects.none()
    filter_backends = [StableOrderingFilter]
    ordering_fields = ["raised_at", "deadline", "reference", "status"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        return RiskSerializer if self.action == "list" else RiskDetailSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Risk.objects.none()
        qs = selectors.risk_list(user=self.request.user, params=self.request.query_params)
        return qs if self.action == "list" else qs.prefetch_related("events__actor")

    def _detail(self, risk, code=status.HTTP_200_OK):
        risk = self.get_queryset().get(pk=risk.pk)
        return Response(RiskDetailSerializer(risk, context={"request": self.request}).data, status=code)

    @extend_schema(request=RiskBody, responses={201: RiskDetailSerializer}, parameters=[KEY_HEADER])
    @idempotent
    def create(self, request):
        """Raises a risk at a level the caller may raise at (their own unit)."""
        if not may_raise_risk(request.user):
            raise PermissionDenied
        d = clean(RiskForm(form_data(request), user=request.user))
        risk = call(services.risk_raise, data=d, actor=request.user)
        return self._detail(risk, status.HTTP_201_CREATED)

    @extend_schema(request=RiskEditBody, responses={200: RiskDetailSerializer}, parameters=[KEY_HEADER])
    @idempotent
    def partial_update(self, request, pk=None):
        """Changes owner, measures, deadline or description of a live risk (fields left out stay)."""
        risk = self.get_object()
        if not (may_work_risk(request.user, risk) and risk.status != RiskStatus.CLOSED):
            raise PermissionDenied
        data = form_data(request)
        form = RiskEditForm(data, user=request.user, risk=risk)
        d = clean(form)
        d = {k: v for k, v in d.items() if k in data}
        call(services.risk_update, risk=risk, data=d, actor=request.user)
        return self._detail(risk)

    def _step(self, request, step):
        risk = self.get_object()
        if step not in risk_actions(request.user, risk):
            raise PermissionDenied
        d = clean(NoteForm(form_data(request)))
        call(services.risk_transition, risk=risk, action=step, actor=request.user, note=d["note"])
        return self._detail(risk)


def _make_step(viewset, step: str, serializer, doc: str):
    @extend_schema(request=NoteBody, responses={200: serializer}, parameters=[KEY_HEADER])
    @idempotent
    def handler(self, request, pk=None):
        return self._step(request, step)

    handler.__name__ = f"step_{step}"
    handler.__doc__ = doc
    setattr(viewset, f"step_{step}",
            action(detail=True, methods=["post"], url_path=step.replace("_", "-"))(handler))  # fmt: skip


_make_step(RectificationViewSet, RectAction.RECTIFY.value, RectificationDetailSerializer,
           "The owner reports it rectified; `note` (what was done) is required.")  # fmt: skip
_make_step(RectificationViewSet, RectAction.VERIFY.value, RectificationDetailSerializer,
           "The inspector verifies the rectification (closes it); `note` optional.")  # fmt: skip
_make_step(RectificationViewSet, RectAction.SEND_BACK.value, RectificationDetailSerializer,
           "The inspector sends it back to the owner; `note` (why) is required.")  # fmt: skip
_make_step(RiskViewSet, RiskAction.START.value, RiskDetailSerializer, "Measures started; `note` optional.")
_make_step(RiskViewSet, RiskAction.SUBMIT.value, RiskDetailSerializer,
           "Submitted for review; `note` (what was done) is required.")  # fmt: skip
_make_step(RiskViewSet, RiskAction.CLOSE.value, RiskDetailSerializer,
           "Reviewed and closed (not by the owner); `note` (the review) is required.")  # fmt: skip
_make_step(RiskViewSet, RiskAction.REOPEN.value, RiskDetailSerializer,
           "Reviewed and sent back; `note` (the review) is required.")  # fmt: skip
