"""Choosing whom to invite: the customer list's own filter set (segment, station, route, stars …) with three
more ways in — a problem tag the shop carries, a key-customer list, or licence numbers typed or pasted."""

import re

import django_filters as df
from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from serviceloop.customers.filters import CustomerFilter
from serviceloop.tags.models import LIVE_STATUSES, CustomerTag, ProblemTag
from serviceloop.visits.models import KeyCustomerEntry, KeyList

from .models import Targeting

LICENCES_MAX = 500
SPLIT = re.compile(r"[\s,，、;；]+")
# The fields the invitation form shows (the rest of CustomerFilter is accepted too, e.g. from a list link).
SHOWN = ["segment", "tag", "key_list", "licences", "station", "route", "stars", "retail_format"]


class InviteFilter(CustomerFilter):
    tag = df.ModelChoiceFilter(queryset=ProblemTag.objects.filter(active=True).order_by("category", "name"),
                               method="with_tag", label=_("carries the problem tag"), empty_label=_("All"))  # fmt: skip
    key_list = df.ChoiceFilter(choices=KeyList.choices, method="on_key_list", label=_("on the key-customer list"),
                               empty_label=_("All"))  # fmt: skip
    licences = df.CharFilter(method="with_licences", label=_("licence numbers"),
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("One or more, separated by spaces, commas or new lines."))  # fmt: skip

    class Meta(CustomerFilter.Meta):
        pass

    def with_tag(self, queryset, name, value):
        live = CustomerTag.objects.filter(customer=OuterRef("pk"), tag=value, status__in=LIVE_STATUSES)
        return queryset.filter(Exists(live))

    def on_key_list(self, queryset, name, value):
        return queryset.filter(
            Exists(KeyCustomerEntry.objects.filter(customer=OuterRef("pk"), key_list=value))
        )

    def with_licences(self, queryset, name, value):
        numbers = [n for n in SPLIT.split(value or "") if n][:LICENCES_MAX]
        return queryset.filter(licence_no__in=numbers) if numbers else queryset

    def targeting(self) -> str | None:
        """How the shops were chosen (the most specific criterion given), or None when nothing narrows them."""
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        for field, way in (("licences", Targeting.LICENCES), ("tag", Targeting.TAG),
                           ("key_list", Targeting.KEY_LIST), ("segment", Targeting.SEGMENT)):  # fmt: skip
            if data.get(field):
                return way
        narrowing = [k for k, v in data.items() if k not in ("ordering", "q") and v not in (None, "", [], ())]
        return Targeting.FILTER if narrowing or (data.get("q") or "").strip() else None
