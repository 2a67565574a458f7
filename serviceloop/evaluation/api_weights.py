"""REST API of the scorecard weights: the weights in force per subject, their history, and — city admins — a new
weight with its reason. Never updated in place: each change is a new row (the history), as on the weights page;
the same form, service, audit row and scope (whoever may see scorecards reads, city admins write)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from serviceloop.core.api_forms import call, clean_typed, form_serializer, query
from serviceloop.integrations.idempotency import KEY_HEADER, idempotent
from serviceloop.kpis.models import Kpi
from serviceloop.org.scope import can_manage_org

from . import selectors as s
from .forms import WeightForm
from .models import ScorecardWeight, Subject
from .services import current_weights, scorecardweight_set


class WeightSerializer(serializers.ModelSerializer):
    kpi_code = serializers.CharField(source="kpi.code", read_only=True)
    kpi_name = serializers.CharField(source="kpi.name", read_only=True)
    set_by_name = serializers.SerializerMethodField()

    class Meta:
        model = ScorecardWeight
        fields = ["id", "subject", "kpi", "kpi_code", "kpi_name", "perspective", "weight", "reason", "set_by",
                  "set_by_name", "set_at"]  # fmt: skip
        read_only_fields = fields

    def get_set_by_name(self, obj) -> str:
        return str(obj.set_by) if obj.set_by else ""


class CurrentWeightsSerializer(serializers.Serializer):
    subject = serializers.ChoiceField(choices=Subject.choices)
    total = serializers.IntegerField(help_text="Sum of the weights in force")
    weights = WeightSerializer(many=True)


WeightBody = form_serializer(
    WeightForm, "ScorecardWeightRequest",
    extra={"kpi": serializers.CharField(max_length=40, help_text="KPI code, as in kpis/")},
)  # fmt: skip


class _ByCode(WeightForm):
    """The weights page's form, with the KPI named by its code (as everywhere in the API) instead of its id."""

    def __init__(self, data):
        data = dict(data.items()) if hasattr(data, "items") else {}
        code = data.get("kpi")
        if isinstance(code, str) and code:
            found = Kpi.objects.filter(code=code).values_list("pk", flat=True).first()
            data["kpi"] = found if found is not None else code
        super().__init__(data)


SUBJECT = query("subject", "Whose scorecard", enum=Subject.values)


@extend_schema_view(list=extend_schema(parameters=[SUBJECT]))
class ScorecardWeightViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Weight changes, newest first (the history); ``current/`` the weights in force per subject; ``POST`` sets a
    KPI's weight in one subject's scorecard with a reason (city admins; 0 takes the KPI out)."""

    serializer_class = WeightSerializer
    queryset = ScorecardWeight.objects.none()

    def _require_reader(self):
        if not s.visible_subjects(self.request.user):
            raise PermissionDenied

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ScorecardWeight.objects.none()
        self._require_reader()
        subject = self.request.query_params.get("subject")
        return s.weight_history(subject if subject in Subject.values else None)

    @extend_schema(parameters=[SUBJECT], responses={200: CurrentWeightsSerializer(many=True)})
    @action(detail=False, methods=["get"], pagination_class=None)  # one row per subject: a plain list
    def current(self, request):
        self._require_reader()
        subject = request.query_params.get("subject")
        subjects = [subject] if subject in Subject.values else Subject.values
        out = []
        for subj in subjects:
            rows = current_weights(subj)
            out.append({"subject": subj, "total": sum(w.weight for w in rows), "weights": rows})
        return Response(CurrentWeightsSerializer(out, many=True).data)

    @extend_schema(request=WeightBody, responses={201: WeightSerializer}, parameters=[KEY_HEADER])
    @idempotent
    def create(self, request):
        """`kpi` is the KPI's code (see `kpis/`); `weight` 0…100; `reason` is required."""
        if not can_manage_org(request.user):
            raise PermissionDenied
        d = clean_typed(_ByCode, WeightBody, request)
        row = call(scorecardweight_set, actor=request.user, **d)
        return Response(WeightSerializer(row).data, status=status.HTTP_201_CREATED)
