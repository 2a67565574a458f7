"""Filters of the e-settlement care pages (GET forms: a bad value falls back to the default, never an error)."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from serviceloop.org.models import Route, Station

from .care import LEVELS


class CareFilterForm(forms.Form):
    """Validates the filters only: the page draws its station and route selects itself, the routes narrowed to the
    chosen station (``org.selectors.route_options``): a province's 2,000 routes in one select cost 74 of the page's
    95 ms of CPU (issue 14)."""

    DEFAULTS = {"q": "", "station": None, "route": None, "all": False}
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    station = forms.ModelChoiceField(label=_("station"), queryset=Station.objects.none(), required=False)
    route = forms.ModelChoiceField(label=_("route"), queryset=Route.objects.none(), required=False)
    all = forms.BooleanField(label=_("Also shops below the risk line"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from serviceloop.org.selectors import routes_visible_to, stations_visible_to

        self.fields["station"].queryset = stations_visible_to(user)
        self.fields["route"].queryset = routes_visible_to(user)

    def values(self) -> dict:
        """The filters to apply: valid fields only (an oversize search is cut, an unknown route ignored)."""
        if not self.is_bound:
            return dict(self.DEFAULTS)
        if self.is_valid():
            return self.cleaned_data
        data = dict(self.DEFAULTS)
        for name in data:
            if name not in self.errors and name in getattr(self, "cleaned_data", {}):
                data[name] = self.cleaned_data[name]
        if "q" in self.errors:
            data["q"] = str(self.data.get("q", ""))[:100]
        return data


class RatesFilterForm(forms.Form):
    level = forms.ChoiceField(label=_("By"), choices=list(LEVELS.items()), required=False)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    station = forms.ModelChoiceField(label=_("Station"), queryset=Station.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from serviceloop.org.scope import scope_q

        self.fields["station"].queryset = (
            Station.objects.filter(scope_q(user, branch="branch", station="pk", route="routes"))
            .distinct()
            .order_by("name")
        )

    def values(self, today: dt.date) -> dict:
        ok = self.is_valid()
        data = self.cleaned_data if ok else {}
        start = data.get("start") or today - dt.timedelta(days=30)
        end = data.get("end") or today
        if end < start:
            start, end = end, start
        if (end - start).days > 366:  # one year at most: the page groups raw settlements
            start = end - dt.timedelta(days=366)
        return {
            "level": data.get("level") or "station",
            "start": start,
            "end": end,
            "station": data.get("station"),
        }


def today():
    return timezone.localdate()
