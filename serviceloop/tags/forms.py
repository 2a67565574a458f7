from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from serviceloop.org.models import Role

from .models import DiscoverySource, ProblemTag, Severity, TagCategory


class AttachForm(forms.Form):
    tag = forms.ModelChoiceField(queryset=ProblemTag.objects.filter(active=True), label=_("tag"))
    source = forms.ChoiceField(choices=DiscoverySource.choices, label=_("how it was found"))
    reason = forms.CharField(label=_("why"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.CharField(label=_("evidence"), max_length=1000, required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    photo = forms.ImageField(label=_("photo"), required=False)


class BulkAttachForm(forms.Form):
    tag = forms.ModelChoiceField(queryset=ProblemTag.objects.filter(active=True), label=_("tag"))
    source = forms.ChoiceField(choices=DiscoverySource.choices, label=_("how it was found"))
    reason = forms.CharField(label=_("why"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    expected = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class TransitionForm(forms.Form):
    note = forms.CharField(
        label=_("note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    steps = forms.MultipleChoiceField(label=_("strategy steps followed"), required=False,
                                      widget=forms.CheckboxSelectMultiple)  # fmt: skip
    evidence = forms.CharField(label=_("evidence"), max_length=1000, required=False)
    photo = forms.ImageField(label=_("photo"), required=False)

    def __init__(self, *args, steps=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["steps"].choices = [(str(i), s) for i, s in enumerate(steps, start=1)]


class LibraryForm(forms.Form):
    category = forms.ChoiceField(choices=TagCategory.choices, label=pgettext_lazy("problem tag", "category"))
    name = forms.CharField(max_length=50, label=_("name"))
    description = forms.CharField(max_length=1000, required=False, label=_("description"),
                                  widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    discovery_source = forms.ChoiceField(choices=DiscoverySource.choices, label=_("how it is found"))
    severity = forms.TypedChoiceField(choices=Severity.choices, coerce=int, label=_("severity"))
    active = forms.BooleanField(required=False, initial=True, label=_("in use"))
    actions = forms.CharField(max_length=2000, label=_("standard actions"), help_text=_("One step per line."),
                              widget=forms.Textarea(attrs={"rows": 5}))  # fmt: skip
    responsible_role = forms.ChoiceField(choices=Role.choices, label=_("responsible role"))
    time_limit_days = forms.IntegerField(min_value=1, max_value=365, label=_("time limit (days)"))
    materials = forms.CharField(max_length=1000, required=False, label=_("materials"),
                                widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
