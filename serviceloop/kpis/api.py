"""REST API of the KPIs (read): the catalogue with current targets, every KPI of one unit and period (the
dashboard), one KPI across the units of a level (the comparison), and a KPI's target history; the city admin sets
a target (a new row; the old one stays as history). Same selectors, scope and form as the pages."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from serviceloop.core.api_forms import call, clean, form_data, form_serializer, query
from serviceloop.integrations.idempotency import KEY_HEADER, idempotent
from serviceloop.org.scope import can_manage_org

from . import selectors as s
from .forms import TargetForm
from .models import Kpi, KpiTarget, Level
from .services import kpitarget_set
from .views import _level_unit, _scope_or_403


class KpiTargetSerializer(serializers.ModelSerializer):
    set_by_name = serializers.SerializerMethodField()

    class Meta:
        model = KpiTarget
        fields = ["id", "level", "target", "warning", "reason", "set_by", "set_by_name", "set_at"]
        read_only_fields = fields

    def get_set_by_name(self, obj) -> str | None:
        return str(obj.set_by) if obj.set_by_id else None


class CurrentKpiTargetSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices)
    target = serializers.FloatField()
    warning = serializers.FloatField()


class KpiSerializer(serializers.ModelSerializer):
    targets = serializers.SerializerMethodField()

    class Meta:
        model = Kpi
        fields = ["code", "name", "definition", "formula", "sources", "unit", "scale", "direction", "area",
                  "has_parts", "targets"]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(CurrentKpiTargetSerializer(many=True))
    def get_targets(self, obj) -> list[dict]:
        current = self.context.get("current") or s.current_targets()
        return [{"level": lv, "target": float(t.target), "warning": float(t.warning)}
                for lv in s.LEVEL_ORDER if (t := current.get((obj.pk, lv)))]  # fmt: skip


class ValueRowSerializer(serializers.Serializer):
    kpi = serializers.CharField(help_text="KPI code")
    name = serializers.CharField()
    unit = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    numerator = serializers.FloatField(allow_null=True)
    denominator = serializers.FloatField(allow_null=True)
    target = serializers.FloatField(allow_null=True)
    warning = serializers.FloatField(allow_null=True)
    gap = serializers.FloatField(allow_null=True, help_text="Positive: better than the target")
    status = serializers.ChoiceField(
        choices=["good", "warn", "bad", ""], help_text="Against target / warning line"
    )
    rank = serializers.IntegerField(allow_null=True, help_text="Among all units of the level (1 = best)")
    of = serializers.IntegerField(help_text="Units of the level with a value")
    trend = serializers.ListField(child=serializers.FloatField(allow_null=True))


class UnitValuesSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices)
    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    period = serializers.CharField(help_text="YYYY-MM or YYYY-Qn")
    trend_labels = serializers.ListField(child=serializers.CharField())
    rows = ValueRowSerializer(many=True)


class CompareRowSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    name = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    numerator = serializers.FloatField(allow_null=True)
    denominator = serializers.FloatField(allow_null=True)
    target = serializers.FloatField(allow_null=True)
    gap = serializers.FloatField(allow_null=True)
    status = serializers.ChoiceField(choices=["good", "warn", "bad", ""])
    rank = serializers.IntegerField(allow_null=True)


def _f(value):
    return None if value is None else float(value)


PERIOD = [
    query("period", "Month YYYY-MM or quarter YYYY-Qn (default: this month)"),
    query("span", "month or quarter", enum=["month", "quarter"]),
]
UNIT = [
    query("level", "Level (default: the caller's own unit)", enum=Level.values),
    query("unit", "Unit id at that level (default: the caller's own, or the first they may see)", int),
]

TargetBody = form_serializer(TargetForm, "KpiTargetRequest", kpi=Kpi(unit="%", direction="higher"))


class KpiViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The KPI catalogue (active KPIs) with each level's current target; ``values/`` every KPI of one unit;
    ``{code}/compare/`` one KPI across units; ``{code}/targets/`` the target history (``POST``: set one)."""

    serializer_class = KpiSerializer
    queryset = Kpi.objects.none()
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Kpi.objects.none()
        _scope_or_403(self.request.user)
        return Kpi.objects.filter(active=True)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["current"] = s.current_targets()
        return context

    @extend_schema(parameters=[*UNIT, *PERIOD], responses={200: UnitValuesSerializer})
    @action(detail=False, methods=["get"])
    def values(self, request):
        """Every KPI of one unit for a month or quarter: value, target, gap, rank, 12-period trend."""
        scope = _scope_or_403(request.user)
        level, unit_id = _level_unit(request, scope)
        period = s.parse_period(request.query_params.get("period"), request.query_params.get("span"),
                                timezone.localdate())  # fmt: skip
        data = s.dashboard(level=level, unit_id=unit_id, period=period)
        rows = [{
            "kpi": r["kpi"].code, "name": r["kpi"].name, "unit": r["kpi"].unit, "value": r["value"],
            "numerator": r["numerator"], "denominator": r["denominator"],
            "target": _f(r["target"] and r["target"].target), "warning": _f(r["target"] and r["target"].warning),
            "gap": r["gap"], "status": r["status"], "rank": r["rank"], "of": r["of"], "trend": r["trend"],
        } for r in data["rows"]]  # fmt: skip
        return Response({"level": level, "unit": unit_id, "unit_name": s.unit_name(level, unit_id),
                         "period": period.key, "trend_labels": data["trend_labels"], "rows": rows})  # fmt: skip

    @extend_schema(
        parameters=[query("level", "Level (default: the caller's own)", enum=Level.values), *PERIOD,
                    query("part", "Cause code (KPIs broken down by cause)")],
        responses={200: CompareRowSerializer(many=True)},
    )  # fmt: skip
    @action(detail=True, methods=["get"])
    def compare(self, request, code=None):
        """One KPI across the units of a level the caller may see, ranked among all units of the level."""
        scope = _scope_or_403(request.user)
        kpi = self.get_object()
        home = s.home_unit(request.user)
        level = request.query_params.get("level") or (home[0] if home else "")
        if level not in scope.levels():
            from django.http import Http404

            raise Http404
        period = s.parse_period(request.query_params.get("period"), request.query_params.get("span"),
                                timezone.localdate())  # fmt: skip
        part = request.query_params.get("part", "")
        if part and part not in dict(s.parts_of(kpi, period)):
            part = ""
        rows = [{
            "unit": r["unit_id"], "name": r["name"], "value": r["value"], "numerator": r["numerator"],
            "denominator": r["denominator"], "target": _f(r["target"] and r["target"].target), "gap": r["gap"],
            "status": r["status"], "rank": r["rank"],
        } for r in s.compare(kpi=kpi, level=level, scope=scope, period=period, part=part)]  # fmt: skip
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(page)

    @extend_schema(methods=["get"], responses={200: KpiTargetSerializer(many=True)})
    @extend_schema(
        methods=["post"], request=TargetBody, responses={201: KpiTargetSerializer}, parameters=[KEY_HEADER]
    )
    @action(detail=True, methods=["get", "post"])
    @idempotent
    def targets(self, request, code=None):
        """The KPI's target history, newest first; ``POST`` sets a level's target and warning line (city admins,
        with the reason for the change)."""
        _scope_or_403(request.user)
        kpi = get_object_or_404(Kpi, code=code)
        if request.method == "POST":
            if not can_manage_org(request.user):
                raise PermissionDenied
            d = clean(TargetForm(form_data(request), kpi=kpi))
            row = call(kpitarget_set, kpi=kpi, actor=request.user, **d)
            return Response(KpiTargetSerializer(row).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(s.target_history(kpi))
        return self.get_paginated_response(KpiTargetSerializer(page, many=True).data)
