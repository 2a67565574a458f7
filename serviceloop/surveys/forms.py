from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import STRATA_FIELDS, Item, Questionnaire, Section, TargetMode, Wave


class QuestionnaireForm(forms.ModelForm):
    class Meta:
        model = Questionnaire
        fields = ["code", "title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class SectionForm(forms.ModelForm):
    weight = forms.DecimalField(
        label=_("weight"), min_value=Decimal(0), max_value=Decimal(100), decimal_places=3
    )

    class Meta:
        model = Section
        fields = ["order", "code", "title", "weight"]


class ItemForm(forms.ModelForm):
    options_text = forms.CharField(
        label=_("options"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One option per line (choice questions only)."),
    )
    weight = forms.DecimalField(
        label=_("weight"), min_value=Decimal(0), max_value=Decimal(100), decimal_places=3
    )

    class Meta:
        model = Item
        fields = [
            "order",
            "code",
            "text",
            "kind",
            "scale_max",
            "ask_expectation",
            "ask_importance",
            "required",
            "weight",
            "is_overall",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.options:
            self.fields["options_text"].initial = "\n".join(self.instance.options)

    def clean(self):
        data = super().clean()
        data["options"] = [
            line.strip() for line in (data.get("options_text") or "").splitlines() if line.strip()
        ]
        return data


class WaveForm(forms.ModelForm):
    strata = forms.MultipleChoiceField(
        label=_("strata"),
        required=False,
        choices=list(STRATA_FIELDS.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Stratify the sample by these fields (sample waves only)."),
    )
    confidence = forms.DecimalField(
        label=_("confidence"),
        min_value=Decimal("0.8"),
        max_value=Decimal("0.99"),
        decimal_places=3,
        initial=Decimal("0.95"),
    )
    margin = forms.DecimalField(
        label=_("margin of error"),
        min_value=Decimal("0.01"),
        max_value=Decimal("0.2"),
        decimal_places=3,
        initial=Decimal("0.05"),
    )
    sample_size = forms.IntegerField(
        label=_("sample size"),
        required=False,
        min_value=1,
        max_value=200_000,
        help_text=_("Leave empty to use the size the calculator recommends."),
    )
    seed = forms.IntegerField(
        label=_("random seed"),
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text=_("The same seed draws the same shops. Leave empty for a random one."),
    )

    class Meta:
        model = Wave
        fields = [
            "questionnaire",
            "name",
            "period_start",
            "period_end",
            "anonymous",
            "target_mode",
            "strata",
            "confidence",
            "margin",
            "sample_size",
            "seed",
        ]
        widgets = {
            "period_start": forms.DateInput(attrs={"type": "date"}),
            "period_end": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period cannot end before it starts."))
        if data.get("target_mode") == TargetMode.ALL:
            data["strata"] = []
        return data


class SampleCalculatorForm(forms.Form):
    confidence = forms.DecimalField(
        label=_("confidence"),
        min_value=Decimal("0.8"),
        max_value=Decimal("0.99"),
        decimal_places=3,
        initial=Decimal("0.95"),
    )
    margin = forms.DecimalField(
        label=_("margin of error"),
        min_value=Decimal("0.01"),
        max_value=Decimal("0.2"),
        decimal_places=3,
        initial=Decimal("0.05"),
    )
