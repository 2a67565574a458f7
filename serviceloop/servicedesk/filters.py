"""One filter set for the work ledger page, its Excel export and the API, so all three agree."""

import django_filters as df
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from serviceloop.core.phones import phone_q
from serviceloop.org.models import User
from serviceloop.org.selectors import branches_visible_to, routes_visible_to, stations_visible_to

from .models import OPEN, Category, Channel, Kind, ServiceRequest, Status
from .selectors import ever_late_q, overdue_q, servicerequest_list

STATE_CHOICES = [
    ("open", _("Open")),
    ("overdue", _("Overdue")),
    ("late_ever", _("Ever overdue")),
    ("done", _("Finished")),
]


class ServiceRequestFilter(df.FilterSet):
    q = df.CharFilter(method="search", label=_("Search"))
    status = df.MultipleChoiceFilter(choices=Status.choices, label=_("status"))
    state = df.ChoiceFilter(choices=STATE_CHOICES, method="by_state", label=_("state"))
    kind = df.MultipleChoiceFilter(choices=Kind.choices, label=_("kind"))
    channel = df.MultipleChoiceFilter(choices=Channel.choices, label=_("channel"))
    category = df.ModelMultipleChoiceFilter(queryset=Category.objects.all(), label=_("category"))
    branch = df.ModelChoiceFilter(queryset=None, label=_("branch"))
    station = df.ModelChoiceFilter(queryset=None, label=_("station"))
    route = df.ModelChoiceFilter(queryset=None, label=_("route"))
    owner = df.ModelChoiceFilter(queryset=None, label=_("owner"))
    shop = df.NumberFilter(field_name="shop_id", label=_("customer"))
    created_from = df.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("filed from"))
    created_to = df.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("filed to"))

    class Meta:
        model = ServiceRequest
        fields = []

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.filters["branch"].queryset = branches_visible_to(user)
        self.filters["station"].queryset = stations_visible_to(user)
        self.filters["route"].queryset = routes_visible_to(user)
        # Only people who own requests the user may see: no list of the whole company's staff.
        self.filters["owner"].queryset = User.objects.filter(
            pk__in=ServiceRequest.objects.visible_to(user).values("owner_id")
        ).order_by("full_name")

    def search(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(reference__icontains=value)
            | Q(shop__name__icontains=value)
            | Q(shop__licence_no__startswith=value)
            | Q(shop__owner_name__icontains=value)
            | phone_q(self.user, value, "callback_phone", lookup="startswith")
            | Q(text__icontains=value)
        )

    def by_state(self, qs, name, value):
        if value == "open":
            return qs.filter(status__in=OPEN)
        if value == "done":
            return qs.exclude(status__in=OPEN)
        if value == "overdue":  # 超时 = overdue now (the same rule as the task lists and the board)
            return qs.filter(overdue_q(self.now))
        if value == "late_ever":  # 曾超时: overdue now, or some time limit was missed before
            return qs.filter(ever_late_q(self.now))
        return qs

    @property
    def now(self):
        from django.utils import timezone

        return timezone.now()


def servicerequest_filtered(*, user, params):
    """The ledger's filtered, scoped queryset (page, Excel export and API share it). Returns (filterset, qs)."""
    base = servicerequest_list(user=user)
    filterset = ServiceRequestFilter(params, queryset=base, user=user)
    qs = filterset.qs if filterset.is_valid() else base.none()
    return filterset, qs.order_by("-created_at", "-id")
