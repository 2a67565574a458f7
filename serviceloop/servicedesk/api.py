"""REST API for other systems (the 12313 platform, WeChat…): file, list, read, and every action.

Same services, same scope, same rules as the pages: a request outside the caller's scope is 404."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from serviceloop.core.phones import phone_for
from serviceloop.customers.models import Customer

from . import filters, selectors
from . import services as s
from .forms import ACTION_FORMS, DispatchForm
from .idempotency import same_filing, scoped_key
from .models import Category, Channel, Closure, Complexity, Kind, RequestMilestone, ServiceRequest, Urgency
from .perms import allowed_actions, may_file, may_file_kind
from .views import _run


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequestMilestone
        fields = [
            "milestone",
            "round",
            "clock",
            "due_at",
            "state",
            "met_at",
            "breached",
            "warned_at",
            "escalation_level",
            "paused_at",
        ]


class ServiceRequestSerializer(serializers.ModelSerializer):
    shop_name = serializers.CharField(source="shop.name", read_only=True, default=None)
    licence_no = serializers.CharField(source="shop.licence_no", read_only=True, default=None)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    # "owner.__str__" printed "<method-wrapper …>" for a request without owner (the bound method of None).
    owner_name = serializers.SerializerMethodField()
    # "" (not closed yet) is a value the field really has: the schema's enum must list it.
    closure = serializers.ChoiceField(choices=[("", ""), *Closure.choices], read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ServiceRequest
        fields = [
            "id",
            "reference",
            "shop",
            "shop_name",
            "licence_no",
            "branch",
            "station",
            "route",
            "channel",
            "kind",
            "category",
            "category_name",
            "urgency",
            "complexity",
            "text",
            "callback_phone",
            "status",
            "status_label",
            "owner",
            "owner_name",
            "owner_due_at",
            "hold_reason",
            "cancel_reason",
            "merged_into",
            "closure",
            "closure_reason",
            "satisfaction",
            "reopen_count",
            "created_at",
            "acknowledged_at",
            "resolved_at",
            "closed_at",
        ]
        read_only_fields = fields

    def get_owner_name(self, obj) -> str | None:
        return str(obj.owner) if obj.owner_id else None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["callback_phone"] = phone_for(self.context["request"].user, instance.callback_phone)
        return data


class ServiceRequestDetailSerializer(ServiceRequestSerializer):
    milestones = MilestoneSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta(ServiceRequestSerializer.Meta):
        fields = [*ServiceRequestSerializer.Meta.fields, "milestones", "allowed_actions"]
        read_only_fields = fields

    def get_allowed_actions(self, obj) -> list[str]:
        return allowed_actions(self.context["request"].user, obj)


class FileSerializer(serializers.Serializer):
    shop = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.none(), required=False, allow_null=True
    )
    licence_no = serializers.CharField(required=False, allow_blank=True, max_length=12)
    channel = serializers.ChoiceField(choices=Channel.choices)
    kind = serializers.ChoiceField(choices=Kind.choices)
    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.filter(active=True))
    text = serializers.CharField(max_length=2000)
    callback_phone = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    complexity = serializers.ChoiceField(choices=Complexity.choices, default=Complexity.SIMPLE)
    idempotency_key = serializers.CharField(required=False, allow_blank=True, max_length=64)
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["shop"].queryset = Customer.objects.visible_to(request.user)
        return fields

    def validate(self, data):
        licence = (data.get("licence_no") or "").strip()
        if licence and not data.get("shop"):
            shop = (
                Customer.objects.visible_to(self.context["request"].user).filter(licence_no=licence).first()
            )
            if shop is None:
                raise ValidationError({"licence_no": _("No shop with this licence number in your area.")})
            data["shop"] = shop
        return data


class ServiceRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Service requests in the caller's scope. ``POST`` files one (an ``Idempotency-Key`` header or field makes
    retries safe: the same key answers 200 with the first request). ``POST {id}/{action}/`` takes one step."""

    queryset = ServiceRequest.objects.none()  # for the schema; real reads go through the selectors

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ServiceRequest.objects.none()
        if self.action == "list":
            _filterset, qs = filters.servicerequest_filtered(
                user=self.request.user, params=self.request.query_params
            )
            return qs
        return selectors.servicerequest_list(user=self.request.user).prefetch_related("milestones")

    def get_serializer_class(self):
        if self.action == "create":
            return FileSerializer
        if self.action == "list":
            return ServiceRequestSerializer
        return ServiceRequestDetailSerializer

    @extend_schema(request=FileSerializer, responses={201: ServiceRequestDetailSerializer})
    def create(self, request):
        if not may_file(request.user):
            raise PermissionDenied(_("Your role may not file service requests."))
        ser = FileSerializer(data=request.data, context={"request": request})
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        if not may_file_kind(request.user, d["kind"]):
            raise ValidationError({"kind": [_("Inspectors file reports (举报) only.")]})
        if d.get("shop") is None and not (
            request.user.is_superuser
            or request.user.role in ("agent", "city_admin", "supervisor", "inspector")
        ):
            raise ValidationError({"shop": _("Choose the shop.")})
        raw_key = d.get("idempotency_key") or request.headers.get("Idempotency-Key") or None
        # Keys belong to the caller and the shop: another caller's (or another shop's) same key is a new filing.
        key = scoped_key("api", request.user, d.get("shop"), raw_key) if raw_key else None
        if key:
            earlier = ServiceRequest.objects.filter(idempotency_key=key).select_related("category").first()
            if earlier is not None and not same_filing(earlier, d):
                return Response(
                    {
                        "detail": _(
                            "This Idempotency-Key was already used for a different request (%(ref)s). Use a new key for a new request."
                        )
                        % {"ref": earlier.reference}
                    },
                    status=status.HTTP_409_CONFLICT,
                )
        try:
            sr, created = s.servicerequest_file(
                customer=d.get("shop"),
                channel=d["channel"],
                kind=d["kind"],
                category=d["category"],
                text=d["text"],
                callback_phone=d.get("callback_phone", ""),
                photos=d.get("photos", []),
                actor=request.user,
                now=timezone.now(),
                idempotency_key=key,
                urgency=d["urgency"],
                complexity=d["complexity"],
            )
        except DjangoValidationError as exc:
            raise ValidationError({"detail": exc.messages}) from None
        sr = selectors.servicerequest_list(user=request.user).filter(pk=sr.pk).first()
        if sr is None:  # filed, but outside what the caller may read (e.g. a shopless report)
            return Response(
                {"detail": _("Filed.")}, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
            )
        body = ServiceRequestDetailSerializer(sr, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def _act(self, request, pk, name):
        sr = self.get_object()
        if name not in allowed_actions(request.user, sr):
            raise PermissionDenied(_("This step is not open to you for this request now."))
        if name == "dispatch":
            form = DispatchForm(
                request.data,
                candidates=selectors.owner_candidates(request=sr),
                departments=selectors.dispatch_departments(request=sr),
            )
        else:
            form = ACTION_FORMS[name](request.data, request.FILES)
        if not form.is_valid():
            raise ValidationError(
                form.errors.get_json_data()
                and {k: [e["message"] for e in v] for k, v in form.errors.get_json_data().items()}
            )
        try:
            _run(name, sr, form.cleaned_data, request.user)
        except DjangoValidationError as exc:
            raise ValidationError({"detail": exc.messages}) from None
        sr = (
            selectors.servicerequest_list(user=request.user)
            .prefetch_related("milestones")
            .filter(pk=sr.pk)
            .first()
        )
        if sr is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ServiceRequestDetailSerializer(sr, context={"request": request}).data)


def _make_action(name):
    def handler(self, request, pk=None):
        return self._act(request, pk, name)

    handler.__name__ = f"step_{name}"  # "dispatch" would shadow APIView.dispatch
    handler.__doc__ = f"Step “{name}” on the request (form fields as on the page, without prefix)."
    return action(detail=True, methods=["post"], url_path=name.replace("_", "-"))(
        extend_schema(request=None, responses={200: ServiceRequestDetailSerializer})(handler)
    )


for _name in ACTION_FORMS:
    setattr(ServiceRequestViewSet, f"step_{_name}", _make_action(_name))
