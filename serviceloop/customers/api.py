from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError

from serviceloop.core.paging import KeysFirstPagination
from serviceloop.core.phones import phone_for
from serviceloop.org.selectors import routes_visible_to

from .filters import CustomerFilter
from .forms import EDITABLE
from .models import Customer
from .selectors import LIST_RELATED
from .services import ChangeSource, customer_create, customer_update, may_edit_customers


class CustomerSerializer(serializers.ModelSerializer):
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    station_name = serializers.CharField(source="station.name", read_only=True)
    route_name = serializers.CharField(source="route.name", read_only=True)
    classification_code = serializers.CharField(read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "licence_no",
            *EDITABLE,
            "branch",
            "branch_name",
            "station",
            "station_name",
            "route_name",
            "classification_code",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["branch", "station", "created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            # A route outside the caller's scope is "not found", exactly like an unknown id.
            fields["route"].queryset = routes_visible_to(request.user)
        if (
            self.instance is not None
            and not isinstance(self.instance, list | tuple)
            and getattr(self.instance, "pk", None)
        ):
            fields["licence_no"].read_only = True
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        user = self.context["request"].user
        data["phone"] = phone_for(user, instance.phone)
        data["alt_phone"] = phone_for(user, instance.alt_phone)
        return data

    def validate_grade(self, value):
        if value is not None and not 1 <= value <= 30:
            raise ValidationError("档位必须在 1 到 30 之间。")
        return value

    def validate_stars(self, value):
        if not 0 <= value <= 5:
            raise ValidationError("星级必须在 0 到 5 之间。")
        return value


class CustomerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Shops the caller may see; create and update go through the same services as the pages."""

    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    # as the customer list page: a deep page walks the licence index only
    pagination_class = KeysFirstPagination

    def get_queryset(self):
        return (
            Customer.objects.visible_to(self.request.user)
            .select_related(*LIST_RELATED)
            .order_by("licence_no")
        )

    def _check_may_edit(self):
        if not may_edit_customers(self.request.user):
            raise PermissionDenied("您的角色无权修改客户档案。")

    def perform_create(self, serializer):
        self._check_may_edit()
        serializer.instance = self._call(customer_create, data=serializer.validated_data)

    def perform_update(self, serializer):
        self._check_may_edit()
        data = dict(serializer.validated_data)
        data.pop("licence_no", None)
        serializer.instance = self._call(customer_update, customer=serializer.instance, data=data)

    def _call(self, service, **kwargs):
        try:
            return service(actor=self.request.user, now=timezone.now(), source=ChangeSource.API, **kwargs)
        except DjangoValidationError as e:
            raise ValidationError(e.message_dict if hasattr(e, "error_dict") else e.messages) from e
