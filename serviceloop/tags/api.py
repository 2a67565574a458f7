"""REST API of the tag loop: the problem-tag and strategy library (read), a shop's tags (list, read), and the
steps attach → remove → verify / send back. Same forms, services, scope and messages as the pages."""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from serviceloop.core.api_forms import SEARCH, call, clean, form_data, form_serializer, query
from serviceloop.core.paging import StableOrderingFilter
from serviceloop.customers.models import Customer
from serviceloop.integrations.idempotency import KEY_HEADER, idempotent
from serviceloop.org.models import Role

from . import selectors, services
from .forms import AttachForm, BulkAttachForm, LibraryForm, TransitionForm
from .models import (
    TRANSITIONS,
    CustomerTag,
    CustomerTagEvent,
    DiscoverySource,
    ProblemTag,
    ServiceStrategy,
    TagAction,
    TagStatus,
)
from .views import ACTIONS


class StrategySerializer(serializers.ModelSerializer):
    steps = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ServiceStrategy
        fields = ["actions", "steps", "responsible_role", "time_limit_days", "materials"]


class ProblemTagSerializer(serializers.ModelSerializer):
    strategy = StrategySerializer(read_only=True)

    class Meta:
        model = ProblemTag
        fields = ["id", "category", "name", "description", "discovery_source", "severity", "active", "version",
                  "updated_at", "strategy"]  # fmt: skip


class TagEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()
    steps_followed = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = CustomerTagEvent
        fields = [
            "id",
            "action",
            "from_status",
            "to_status",
            "actor",
            "actor_name",
            "at",
            "note",
            "steps_followed",
        ]

    def get_actor_name(self, obj) -> str | None:
        return str(obj.actor) if obj.actor_id else None


class CustomerTagSerializer(serializers.ModelSerializer):
    licence_no = serializers.CharField(source="customer.licence_no", read_only=True)
    shop_name = serializers.CharField(source="customer.name", read_only=True)
    tag_name = serializers.CharField(source="tag.name", read_only=True)
    overdue = serializers.SerializerMethodField()
    has_photo = serializers.SerializerMethodField()

    class Meta:
        model = CustomerTag
        fields = ["id", "customer", "licence_no", "shop_name", "tag", "tag_name", "status", "source", "reason",
                  "evidence", "has_photo", "attached_by", "attached_at", "due_at", "overdue", "removed_at",
                  "removed_by", "verified_at", "verified_by", "sampled_at", "visit"]  # fmt: skip
        read_only_fields = fields

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue(timezone.now())

    def get_has_photo(self, obj) -> bool:
        return bool(obj.photo)


class CustomerTagDetailSerializer(CustomerTagSerializer):
    events = TagEventSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta(CustomerTagSerializer.Meta):
        fields = [*CustomerTagSerializer.Meta.fields, "events", "allowed_actions"]
        read_only_fields = fields

    def get_allowed_actions(self, obj) -> list[str]:
        return allowed_actions(self.context["request"].user, obj)


def allowed_actions(user, ctag) -> list[str]:
    return [str(a) for a, check in ACTIONS if (a, ctag.status) in TRANSITIONS and check(user, ctag)]


AttachBody = form_serializer(
    AttachForm, "TagAttachRequest",
    extra={"customer": serializers.IntegerField(help_text="The shop (its id)"),
           "visit": serializers.IntegerField(required=False, allow_null=True, help_text="The visit it was seen on")},
)  # fmt: skip
TransitionBody = form_serializer(TransitionForm, "TagStepRequest")
LibraryBody = form_serializer(LibraryForm, "ProblemTagRequest", extra={
    # the model's choices, so that the schema names them as everywhere else (TagSourceEnum, RoleEnum)
    "discovery_source": serializers.ChoiceField(choices=DiscoverySource.choices),
    "responsible_role": serializers.ChoiceField(choices=Role.choices),
})  # fmt: skip


class TagBulkAttachRequest(serializers.Serializer):
    tag = serializers.IntegerField(help_text="The problem tag (its id)")
    source = serializers.ChoiceField(choices=DiscoverySource.choices)
    reason = serializers.CharField(max_length=1000)
    shops = serializers.ListField(
        child=serializers.CharField(max_length=30), max_length=services.BULK_MAX,
        help_text="The shops: ids or licence numbers, one per row",
    )  # fmt: skip
    dry_run = serializers.BooleanField(required=False, default=False, help_text="Only check, attach nothing")


class BulkRowError(serializers.Serializer):
    row = serializers.IntegerField(help_text="Position in `shops`, from 1")
    shop = serializers.CharField()
    error = serializers.CharField()


class TagBulkAttachResult(serializers.Serializer):
    tag = serializers.IntegerField()
    rows = serializers.IntegerField()
    attached = serializers.IntegerField(help_text="Shops that got the tag (0 on a dry run or when refused)")
    skipped = serializers.IntegerField(help_text="Shops that already carry it (left as they are)")
    dry_run = serializers.BooleanField()
    errors = BulkRowError(many=True)


@extend_schema_view(
    list=extend_schema(parameters=[SEARCH]),
)
class ProblemTagViewSet(viewsets.ReadOnlyModelViewSet):
    """The problem-tag library with each tag's strategy (every staff member reads it; the city admin adds and edits
    tags, ``POST`` and ``PUT``, as on the page; a tag is retired with ``active: false``, never deleted)."""

    http_method_names = ["get", "post", "put", "head", "options"]

    serializer_class = ProblemTagSerializer
    queryset = ProblemTag.objects.none()
    filter_backends = [StableOrderingFilter]
    ordering_fields = ["name", "category", "severity", "updated_at"]

    def get_queryset(self):
        if self.action == "list":
            return selectors.library_list(q=self.request.query_params.get("q", "")[:100])
        return ProblemTag.objects.select_related("strategy")

    def _save(self, request, tag, code):
        if not services.may_edit_library(request.user):
            raise PermissionDenied
        d = dict(clean(LibraryForm(form_data(request))))
        version = d.pop("version")
        saved = call(services.library_save, tag=tag, data=d, actor=request.user, expected_version=version)
        saved = ProblemTag.objects.select_related("strategy").get(pk=saved.pk)
        return Response(ProblemTagSerializer(saved).data, status=code)

    @extend_schema(request=LibraryBody, responses={201: ProblemTagSerializer}, parameters=[KEY_HEADER])
    @idempotent
    def create(self, request):
        """Adds a tag with its strategy (city admins); ``actions`` one step per line."""
        return self._save(request, None, status.HTTP_201_CREATED)

    @extend_schema(request=LibraryBody, responses={200: ProblemTagSerializer}, parameters=[KEY_HEADER])
    @idempotent
    def update(self, request, pk=None):
        """Saves a new version of the tag and its strategy; send the ``version`` you read, or another person's save
        in between is refused (400) instead of overwritten."""
        return self._save(request, self.get_object(), status.HTTP_200_OK)


LIST_FILTERS = [
    SEARCH,
    query("status", "Status", enum=TagStatus.values),
    query("tag", "Problem tag id", int),
    query("station", "Station id", int),
    query("overdue", "1: open and past the due time", enum=["1"]),
    query("to_verify", "1: removed, waiting for verification", enum=["1"]),
    query("to_sample", "1: verified, not sampled yet", enum=["1"]),
]


@extend_schema_view(list=extend_schema(parameters=LIST_FILTERS))
class CustomerTagViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tags on the shops the caller may see. ``POST`` attaches one; ``POST {id}/{step}/`` moves it along the
    loop (remove, verify, send-back, sample-pass, overturn)."""

    queryset = CustomerTag.objects.none()
    filter_backends = [StableOrderingFilter]
    ordering_fields = ["attached_at", "due_at", "status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CustomerTag.objects.none()
        if self.action == "list":
            return selectors.customertag_list(user=self.request.user, params=self.request.query_params,
                                              now=timezone.now())  # fmt: skip
        return (
            CustomerTag.objects.visible_to(self.request.user)
            .select_related("customer__station", "tag__strategy", "attached_by")
            .prefetch_related("events__actor")
        )

    def get_serializer_class(self):
        return CustomerTagSerializer if self.action == "list" else CustomerTagDetailSerializer

    def _detail(self, ctag, code=status.HTTP_200_OK):
        ctag = self.get_queryset().get(pk=ctag.pk)
        return Response(
            CustomerTagDetailSerializer(ctag, context={"request": self.request}).data, status=code
        )

    @extend_schema(request=AttachBody, responses={201: CustomerTagDetailSerializer}, parameters=[KEY_HEADER])
    @idempotent
    def create(self, request):
        """Attaches a problem tag to a shop (the strategy's time limit starts now)."""
        data = form_data(request)
        shop_id, visit_id = data.get("customer"), data.get("visit")
        if not (str(shop_id or "").isascii() and str(shop_id or "").isdigit()):
            raise ValidationError({"customer": [_("Choose the shop.")]})
        customer = Customer.objects.visible_to(request.user).filter(pk=int(shop_id)).first()
        if customer is None:
            raise Http404
        if not services.may_attach(request.user, customer):
            raise PermissionDenied
        visit = None
        if visit_id not in (None, ""):
            from serviceloop.visits.models import Visit

            visit = (
                Visit.objects.visible_to(request.user).filter(pk=visit_id, customer=customer).first()
                if str(visit_id).isascii() and str(visit_id).isdigit()
                else None
            )
            if visit is None:
                raise ValidationError({"visit": [_("This visit is not one of this shop's.")]})
        d = clean(AttachForm(data, request.FILES))
        ctag = call(services.customertag_attach, customer=customer, tag=d["tag"], source=d["source"],
                    reason=d["reason"], evidence=d["evidence"], photo=d["photo"], actor=request.user,
                    visit=visit)  # fmt: skip
        return self._detail(ctag, status.HTTP_201_CREATED)

    @extend_schema(
        request=TagBulkAttachRequest, parameters=[KEY_HEADER],
        responses={201: TagBulkAttachResult, 200: TagBulkAttachResult, 422: TagBulkAttachResult},
    )  # fmt: skip
    @action(detail=False, methods=["post"])
    @idempotent
    def bulk(self, request):
        """Attaches one tag to many shops (ids or licence numbers), all or nothing: any row naming a shop that does
        not exist or is outside the caller's area refuses the whole request (422, each bad row with its position);
        shops already carrying the tag are skipped. ``dry_run`` only checks (200). Same rules and service as the
        page's bulk attach (roles that may bulk attach; at most ``BULK_MAX`` shops)."""
        if not services.may_bulk_attach(request.user):
            raise PermissionDenied
        data = form_data(request)
        rows = data.get("shops") if hasattr(data, "get") else None
        if hasattr(data, "getlist"):
            rows = data.getlist("shops")
        if not isinstance(rows, list) or not rows:
            raise ValidationError({"shops": [_("List at least one shop.")]})
        if len(rows) > services.BULK_MAX:
            raise ValidationError({"shops": [_("At most %(n)d shops at a time; narrow the filter.")
                                             % {"n": services.BULK_MAX}]})  # fmt: skip
        dry_run = data.get("dry_run") in (True, "true", "1", 1)
        d = clean(BulkAttachForm({**{k: data.get(k) for k in ("tag", "source", "reason")}, "expected": 0}))
        visible = Customer.objects.visible_to(request.user)
        keys = [str(r).strip() for r in rows]
        by_id = {str(pk): pk for pk in visible.filter(pk__in=[int(k) for k in keys if k.isascii() and k.isdigit() and len(k) < 19])
                 .values_list("pk", flat=True)}  # fmt: skip
        by_licence = dict(visible.filter(licence_no__in=keys).values_list("licence_no", "pk"))
        ids, errors = [], []
        for n, key in enumerate(keys, start=1):
            pk = by_licence.get(key) or by_id.get(key)
            if pk is None:
                errors.append({"row": n, "shop": key[:30], "error": _("No such shop in your area.")})
            else:
                ids.append(pk)
        ids = list(dict.fromkeys(ids))
        taken = services.shops_carrying(tag=d["tag"], customer_ids=ids)
        result = {"tag": d["tag"].pk, "rows": len(keys), "attached": 0, "skipped": len(taken),
                  "dry_run": dry_run, "errors": errors}  # fmt: skip
        if errors:
            return Response(result, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        if dry_run:
            return Response(result, status=status.HTTP_200_OK)
        made, skipped = call(services.customertags_attach_bulk, customers=Customer.objects.filter(pk__in=ids),
                             tag=d["tag"], source=d["source"], reason=d["reason"], actor=request.user)  # fmt: skip
        return Response({**result, "attached": made, "skipped": skipped}, status=status.HTTP_201_CREATED)

    def _step(self, request, pk, step):
        ctag = self.get_object()
        if step not in allowed_actions(request.user, ctag):
            raise PermissionDenied
        form = TransitionForm(form_data(request), request.FILES, steps=ctag.tag.strategy.steps)
        d = clean(form)
        call(services.customertag_transition, ctag=ctag, action=step, actor=request.user, note=d["note"],
             steps=d.get("steps", ()) if step == TagAction.REMOVE else (),
             evidence=d.get("evidence", "") if step == TagAction.REMOVE else "", photo=d["photo"])  # fmt: skip
        return self._detail(ctag)


def _make_step(step: str):
    @extend_schema(
        request=TransitionBody, responses={200: CustomerTagDetailSerializer}, parameters=[KEY_HEADER]
    )
    @idempotent
    def handler(self, request, pk=None):
        return self._step(request, pk, step)

    handler.__name__ = f"step_{step}"
    handler.__doc__ = (
        f"Step “{step}”: remove needs `note` (what was done) and `steps` (strategy step numbers followed); "
        "send-back and overturn need `note` (the reason); verify and sample-pass take an optional `note`."
    )
    return action(detail=True, methods=["post"], url_path=step.replace("_", "-"))(handler)


for _step in (
    TagAction.REMOVE,
    TagAction.VERIFY,
    TagAction.SEND_BACK,
    TagAction.SAMPLE_PASS,
    TagAction.OVERTURN,
):
    setattr(CustomerTagViewSet, f"step_{_step.value}", _make_step(_step.value))
