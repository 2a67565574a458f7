from django import forms
from django.utils.translation import gettext_lazy as _

from serviceloop.kpis.models import Kpi

from .models import Perspective, Subject


class AdjustmentForm(forms.Form):
    points = forms.DecimalField(
        label=_("Points (+/−)"), max_digits=5, decimal_places=2, min_value=-20, max_value=20
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_points(self):
        points = self.cleaned_data["points"]
        if points == 0:
            raise forms.ValidationError(_("An adjustment of zero points changes nothing."))
        return points


class WeightForm(forms.Form):
    subject = forms.ChoiceField(label=_("Scorecard of"), choices=Subject.choices)
    kpi = forms.ModelChoiceField(label=_("KPI"), queryset=Kpi.objects.filter(active=True))
    perspective = forms.ChoiceField(label=_("Perspective"), choices=Perspective.choices)
    weight = forms.IntegerField(label=_("Weight"), min_value=0, max_value=100,
                                help_text=_("0 takes the KPI out of the scorecard."))  # fmt: skip
    reason = forms.CharField(label=_("Reason for the change"), max_length=200)
