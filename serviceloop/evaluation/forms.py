from django import forms
from django.utils.translation import gettext_lazy as _

from serviceloop.kpis.models import Kpi

from .models import Grade, PeriodKind, Perspective, Subject


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


# --- grades and stars -----------------------------------------------------------------------------------------
class YearField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(min_value=2000, max_value=2100, **kwargs)


class GradeProposeForm(forms.Form):
    year = YearField(label=_("Year of scorecards"))


class GradeDecisionForm(forms.Form):
    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices)
    year = YearField(label=_("Year evaluated"))
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class GradeRuleForm(forms.Form):
    senior_min = forms.DecimalField(label=_("average score for senior"), min_value=0, max_value=150,
                                    max_digits=5, decimal_places=2)  # fmt: skip
    senior_floor = forms.DecimalField(label=_("no month below (senior)"), min_value=0, max_value=150,
                                      max_digits=5, decimal_places=2)  # fmt: skip
    intermediate_min = forms.DecimalField(label=_("average score for intermediate"), min_value=0, max_value=150,
                                          max_digits=5, decimal_places=2)  # fmt: skip
    min_months = forms.IntegerField(label=_("months with a score needed"), min_value=1, max_value=12,
                                    help_text=_("With fewer scored months in the year the rule proposes junior."))  # fmt: skip
    reason = forms.CharField(label=_("Reason for the change"), max_length=200)

    def clean(self):
        data = super().clean()
        low, high = data.get("intermediate_min"), data.get("senior_min")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError(
                _("The average for intermediate cannot be above the average for senior.")
            )
        return data


PERIOD_RE = r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$"


class StarProposeForm(forms.Form):
    subject = forms.ChoiceField(label=_("Recognition of"), choices=Subject.choices)
    period = forms.RegexField(label=_("Period"), regex=PERIOD_RE, max_length=7,
                              help_text=_("A month (2026-10) or a quarter (2026-Q3), as the rule in force counts."),
                              error_messages={"invalid": _("Write a month as 2026-10 or a quarter as 2026-Q3.")})  # fmt: skip


class StarDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("confirm", _("Confirm")), ("reject", _("Do not confirm"))])  # fmt: skip
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Required when the proposal is not confirmed."))  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for not confirming."))
        return data


class StarRuleForm(forms.Form):
    subject = forms.ChoiceField(label=_("Recognition of"), choices=Subject.choices)
    period_kind = forms.ChoiceField(label=_("Every"), choices=PeriodKind.choices)
    top_n = forms.IntegerField(label=_("At most"), min_value=1, max_value=50)
    min_score = forms.DecimalField(label=_("Final score at least"), min_value=0, max_value=150, max_digits=5,
                                   decimal_places=2)  # fmt: skip
    kpi = forms.ModelChoiceField(label=_("KPI whose target must be met"), queryset=Kpi.objects.filter(active=True),
                                 required=False)  # fmt: skip
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)
    reason = forms.CharField(label=_("Reason for the change"), max_length=200)
