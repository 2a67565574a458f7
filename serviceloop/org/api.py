"""REST API of the organisation: branches, stations, routes (each caller reads the part they may see) and staff
(city admins). Writes are the city admin's, through the pages' forms and services (audit trail included)."""

from django.db.models import Q
from django.forms.models import model_to_dict
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from serviceloop.core.api_forms import SEARCH, call, clean, form_data, form_serializer, query
from serviceloop.core.params import id_param
from serviceloop.core.phones import phone_for
from serviceloop.integrations.idempotency import KEY_HEADER, idempotent

from . import selectors
from .forms import BranchForm, RouteForm, StaffForm, StationForm
from .models import Branch, Role, Route, Station, User
from .scope import can_manage_org
from .services import org_unit_save, staff_save


class BranchSerializer(serializers.ModelSerializer):
    class Meta:
        model = Branch
        fields = ["id", "company", "name", "code"]


class StationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Station
        fields = ["id", "branch", "name", "code"]


class RouteSerializer(serializers.ModelSerializer):
    customer_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Route
        fields = ["id", "station", "name", "code", "account_manager", "market_manager", "customer_count"]


class StaffSerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "phone", "role", "company", "branch", "station", "is_active",
                  "last_login"]  # fmt: skip

    def get_phone(self, obj) -> str:
        return phone_for(self.context["request"].user, obj.phone)


class _OrgWrites:
    """Create (POST) and update (PUT: every field; PATCH: the fields given) through the page's form and service."""

    form_class = None
    body = None

    def _save(self, request, instance, partial):
        if not can_manage_org(request.user):
            raise PermissionDenied
        data = form_data(request)
        if partial:
            # Never the stored password hash: "password" in a form means a new password.
            fields = [f for f in self.form_class.base_fields if f != "password"]
            current = model_to_dict(instance, fields=fields)
            current = {k: v for k, v in current.items() if v is not None}
            data = {**current, **{k: data.get(k) for k in data}}
        form = self.form_class(data, instance=instance)
        d = clean(form)
        return self._call(request, instance, d)

    def _call(self, request, instance, d):
        return call(org_unit_save, unit=instance, data=d, actor=request.user)

    def _answer(self, obj, code):
        return Response(self.get_serializer(obj).data, status=code)

    @idempotent
    def create(self, request):
        return self._answer(self._save(request, self.get_queryset().model(), False), status.HTTP_201_CREATED)

    @idempotent
    def update(self, request, pk=None, partial=False):
        return self._answer(self._save(request, self.get_object(), partial), status.HTTP_200_OK)

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)


def _schema(name, form_class, serializer):
    body = form_serializer(form_class, name)
    return extend_schema_view(
        create=extend_schema(request=body, responses={201: serializer}, parameters=[KEY_HEADER]),
        update=extend_schema(request=body, responses={200: serializer}, parameters=[KEY_HEADER]),
        partial_update=extend_schema(request=body, responses={200: serializer}, parameters=[KEY_HEADER]),
    )


class _Base(
    _OrgWrites, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    mixins.UpdateModelMixin, viewsets.GenericViewSet,
):  # fmt: skip
    pass


@_schema("BranchRequest", BranchForm, BranchSerializer)
class BranchViewSet(_Base):
    """Branches the caller may see; city admins create and edit them."""

    serializer_class = BranchSerializer
    form_class = BranchForm
    queryset = Branch.objects.none()

    def get_queryset(self):
        return selectors.branches_visible_to(self.request.user).order_by("name")


@_schema("StationRequest", StationForm, StationSerializer)
class StationViewSet(_Base):
    """Stations the caller may see; city admins create and edit them."""

    serializer_class = StationSerializer
    form_class = StationForm
    queryset = Station.objects.none()

    def get_queryset(self):
        return selectors.stations_visible_to(self.request.user).order_by("branch__name", "name")


@_schema("RouteRequest", RouteForm, RouteSerializer)
@extend_schema_view(list=extend_schema(parameters=[SEARCH, query("station", "Station id", int)]))
class RouteViewSet(_Base):
    """Routes the caller may see, with their number of shops; city admins create, edit and reassign them (a route
    moved to another station takes its shops along)."""

    serializer_class = RouteSerializer
    form_class = RouteForm
    queryset = Route.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Route.objects.none()
        qs = selectors.routes_with_counts(user=self.request.user)
        params = self.request.query_params
        q = params.get("q", "").strip()[:100]
        if q:
            qs = qs.filter(Q(name__icontains=q) | Q(station__name__icontains=q)
                           | Q(account_manager__full_name__icontains=q))  # fmt: skip
        if (value := id_param(params.get("station"))) is not None:
            qs = qs.filter(station_id=value)
        return qs


@_schema("StaffRequest", StaffForm, StaffSerializer)
@extend_schema_view(list=extend_schema(parameters=[SEARCH, query("role", "Role", enum=Role.values)]))
class StaffViewSet(_Base):
    """Staff accounts (city admins only, as the staff page); a password set here must pass the password rules."""

    serializer_class = StaffSerializer
    form_class = StaffForm
    queryset = User.objects.none()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not can_manage_org(request.user):
            raise PermissionDenied

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        params = self.request.query_params
        return selectors.staff_list(user=self.request.user, q=params.get("q", "").strip()[:100],
                                    role=params.get("role", ""))  # fmt: skip

    def _call(self, request, instance, d):
        data = {k: v for k, v in d.items() if k != "password"}
        return call(staff_save, staff=instance, data=data, password=d.get("password"), actor=request.user)
