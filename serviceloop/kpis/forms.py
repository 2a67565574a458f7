from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Direction, Level


class TargetForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    target = forms.DecimalField(
        label=_("Target"), max_digits=10, decimal_places=2, min_value=0, max_value=100000
    )
    warning = forms.DecimalField(label=_("Warning line"), max_digits=10, decimal_places=2, min_value=0,
                                 max_value=100000)  # fmt: skip
    reason = forms.CharField(label=_("Reason for the change"), max_length=200)

    def __init__(self, *args, kpi, **kwargs):
        self.kpi = kpi
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        target, warning = data.get("target"), data.get("warning")
        if target is None or warning is None:
            return data
        if self.kpi.unit == "%" and max(target, warning) > 100:
            raise forms.ValidationError(_("A share cannot be above 100 %."))
        if self.kpi.direction == Direction.HIGHER and warning > target:
            raise forms.ValidationError(
                _("For this KPI higher is better: the warning line must not be above the target.")
            )
        if self.kpi.direction == Direction.LOWER and warning < target:
            raise forms.ValidationError(
                _("For this KPI lower is better: the warning line must not be below the target.")
            )
        return data
