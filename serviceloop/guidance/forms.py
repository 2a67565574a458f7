from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MAX_REMARKS
from .services import FORMATS


class RemarksForm(forms.Form):
    remarks = forms.CharField(
        label=_("Account manager's remarks"),
        max_length=MAX_REMARKS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": MAX_REMARKS}),
        help_text=_("Printed in the last section of the book, as written. At most %(n)s characters.")
        % {"n": MAX_REMARKS},
    )


class BatchForm(forms.Form):
    """A route or a station (one of them), and the file format."""

    route = forms.IntegerField(label=_("route"), required=False, min_value=1)
    station = forms.IntegerField(label=_("station"), required=False, min_value=1)
    fmt = forms.ChoiceField(
        label=_("format"), choices=[(f, f.upper()) for f in FORMATS], initial="pdf", required=False
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("route")) == bool(data.get("station")):
            raise forms.ValidationError(_("Choose a route or a station."))
        data["fmt"] = data.get("fmt") or "pdf"
        return data
