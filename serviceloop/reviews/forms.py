from django import forms
from django.utils.translation import gettext_lazy as _

from serviceloop.org.models import Role, User
from serviceloop.surveys.models import Questionnaire

from .models import CRITERIA, Relation

DATE = {"type": "date"}


class RoundForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    period_start = forms.DateField(label=_("period start"), widget=forms.DateInput(attrs=DATE))
    period_end = forms.DateField(label=_("period end"), widget=forms.DateInput(attrs=DATE))
    min_raters = forms.IntegerField(label=_("minimum raters"), min_value=2, max_value=20, initial=3)
    questionnaire = forms.ModelChoiceField(
        label=_("customer questionnaire"), queryset=Questionnaire.objects.all()
    )


class RevieweeForm(forms.Form):
    manager = forms.ModelChoiceField(
        label=_("account manager"),
        queryset=User.objects.filter(role=Role.ACCOUNT_MANAGER, is_active=True).order_by("full_name"),
    )


class RaterForm(forms.Form):
    reviewee = forms.ModelChoiceField(label=_("account manager"), queryset=None)
    user = forms.ModelChoiceField(
        label=_("rater"), queryset=User.objects.filter(is_active=True).exclude(role="").order_by("full_name")
    )
    relation = forms.ChoiceField(label=_("relation"), choices=Relation.choices)

    def __init__(self, *args, rnd, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewee"].queryset = rnd.reviewees.select_related("manager")


SCORES = [(str(n), str(n)) for n in range(1, 6)]


class RatingForm(forms.Form):
    comment = forms.CharField(label=_("comment"), max_length=1000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in CRITERIA:
            self.fields[key] = forms.TypedChoiceField(
                label=label, choices=SCORES, coerce=int, widget=forms.RadioSelect
            )
        self.order_fields([k for k, _l in CRITERIA] + ["comment"])
