"""REST API of the import's column and value mappings (列名映射表、取值映射表), city admins: list, add, delete.

The same forms (``target`` is the page's choice "kind:field" or "field:code"), services and audit rows as the
page ``/trade/mappings/``; batches already imported keep what they imported."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from serviceloop.core.api_forms import SEARCH, call, clean_typed, query
from serviceloop.integrations.idempotency import KEY_HEADER, idempotent

from . import services
from .forms import ColumnAliasForm, ValueAliasForm
from .models import BatchKind, ColumnAlias, ValueAlias
from .services import may_import
from .views_settings import _alias_lists


class ColumnMappingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ColumnAlias
        fields = ["id", "kind", "field", "header"]
        read_only_fields = fields


class ValueMappingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ValueAlias
        fields = ["id", "field", "code", "alias"]
        read_only_fields = fields


class ColumnMappingRequest(serializers.Serializer):
    """Schema only: the page's ``ColumnAliasForm`` validates the body."""

    target = serializers.CharField(
        help_text='Kind of file and our field, "kind:field" (e.g. "orders:order_no")'
    )
    header = serializers.CharField(max_length=60, help_text="Column name as it stands in the file")


class ValueMappingRequest(serializers.Serializer):
    """Schema only: the page's ``ValueAliasForm`` validates the body."""

    target = serializers.CharField(help_text='Field and our code, "field:code" (e.g. "channel:online")')
    alias = serializers.CharField(max_length=50, help_text="Value as it stands in the file")


class _MappingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    model = ColumnAlias

    def _require(self):
        if not may_import(self.request.user):
            raise PermissionDenied

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        self._require()
        columns, values = _alias_lists(self.request.query_params if self.action == "list" else {})
        return (columns if self.model is ColumnAlias else values).order_by("pk")

    @extend_schema(
        request=None, responses={204: OpenApiResponse(description="Deleted")}, parameters=[KEY_HEADER]
    )
    @idempotent
    def destroy(self, request, pk=None):
        call(services.alias_delete, alias=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(parameters=[SEARCH, query("kind", "Kind of file", enum=BatchKind.values)])
)
class ColumnMappingViewSet(_MappingViewSet):
    """Column names the import reads besides the built-in ones (city admins). ``POST`` adds one,
    ``DELETE {id}/`` removes it (audited)."""

    model = ColumnAlias
    serializer_class = ColumnMappingSerializer

    @extend_schema(
        request=ColumnMappingRequest, responses={201: ColumnMappingSerializer}, parameters=[KEY_HEADER]
    )
    @idempotent
    def create(self, request):
        self._require()
        d = clean_typed(ColumnAliasForm, ColumnMappingRequest, request)
        kind, field = d["target"].split(":", 1)
        row = call(services.columnalias_add, kind=kind, field=field, header=d["header"], actor=request.user)
        return Response(ColumnMappingSerializer(row).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(parameters=[SEARCH]))
class ValueMappingViewSet(_MappingViewSet):
    """Values the import reads besides the built-in ones (city admins). ``POST`` adds one, ``DELETE {id}/``
    removes it (audited)."""

    model = ValueAlias
    serializer_class = ValueMappingSerializer

    @extend_schema(
        request=ValueMappingRequest, responses={201: ValueMappingSerializer}, parameters=[KEY_HEADER]
    )
    @idempotent
    def create(self, request):
        self._require()
        d = clean_typed(ValueAliasForm, ValueMappingRequest, request)
        field, code = d["target"].split(":", 1)
        row = call(services.valuealias_add, field=field, code=code, alias=d["alias"], actor=request.user)
        return Response(ValueMappingSerializer(row).data, status=status.HTTP_201_CREATED)
