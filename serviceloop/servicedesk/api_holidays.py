"""REST API of the company calendar the service-request clocks count by (city admins): the days of a year, add a
day or a run of days (off or make-up working day), delete one. Same form, services and audit as the page."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from serviceloop.core.api_forms import call, clean, form_data, form_serializer, query
from serviceloop.integrations.idempotency import KEY_HEADER, idempotent
from serviceloop.org.scope import can_manage_org

from . import holidays as h
from .forms import HolidayForm
from .models import Holiday


class HolidaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Holiday
        fields = ["id", "date", "is_workday", "name"]
        read_only_fields = fields


HolidayBody = form_serializer(HolidayForm, "HolidayRequest")


class HolidayAddResult(serializers.Serializer):
    days = HolidaySerializer(many=True, help_text="The days added or corrected")


def _year(params) -> int:
    raw = params.get("year", "")
    year = int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 4 else 0
    today = timezone.localdate()
    return year if 2000 <= year <= 2100 else today.year + (1 if today.month >= 11 else 0)


@extend_schema_view(list=extend_schema(parameters=[query("year", "Year (default: this one, from November the next)",
                                                         int)]))  # fmt: skip
class HolidayViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Days off and make-up working days of a year (city admins). ``POST`` adds (``last`` for a run of days; an
    existing day is corrected); ``DELETE {id}/`` removes one (audited)."""

    serializer_class = HolidaySerializer
    queryset = Holiday.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Holiday.objects.none()
        if not can_manage_org(self.request.user):
            raise PermissionDenied
        qs = Holiday.objects.order_by("date")
        return qs.filter(date__year=_year(self.request.query_params)) if self.action == "list" else qs

    @extend_schema(request=HolidayBody, responses={201: HolidayAddResult}, parameters=[KEY_HEADER])
    @idempotent
    def create(self, request):
        """``is_workday``: "off" (a day off) or "work" (a make-up working day)."""
        if not can_manage_org(request.user):
            raise PermissionDenied
        d = clean(HolidayForm(form_data(request)))
        rows = call(h.holiday_add, first=d["first"], last=d["last"], is_workday=d["is_workday"], name=d["name"],
                    actor=request.user)  # fmt: skip
        return Response({"days": HolidaySerializer(rows, many=True).data}, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None, responses={204: OpenApiResponse(description="Deleted")}, parameters=[KEY_HEADER]
    )
    @idempotent
    def destroy(self, request, pk=None):
        call(h.holiday_delete, holiday=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
