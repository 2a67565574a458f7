from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import RegionKind
from .services import MAX_SHEET_BYTES


def _methods():
    # Called when a form is shown: importing the allocation maths (numpy) here would load it at start-up.
    from serviceloop.analytics.allocation import METHODS

    return list(METHODS.items())


class SheetUploadForm(forms.Form):
    file = forms.FileField(label=_("Weekly allocation sheet (xlsx)"))
    week_of = forms.DateField(
        label=_("Any date of the ordering week"),
        required=False,
        help_text=_("Leave empty to use the sheet's year, month and week number."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_SHEET_BYTES:
            raise forms.ValidationError(_("The file is too large (at most 5 MB)."))
        if not f.name.lower().endswith((".xlsx", ".xlsm")):
            raise forms.ValidationError(_("Please upload an Excel file (.xlsx)."))
        return f


class PointsImportForm(forms.Form):
    cycle = forms.CharField(label=_("Cycle"), max_length=20, help_text=_("For example 2025-W38"))
    file = forms.FileField(label=_("Points file (xlsx or csv)"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("The file is too large (at most 20 MB)."))
        return f


class PointsSchemeForm(forms.Form):
    volume_weight = forms.DecimalField(
        label=_("volume weight"), min_value=0, max_value=1000, decimal_places=3
    )
    class_weights = forms.JSONField(
        label=_("price-class weights"), help_text=_('For example {"1": 5, "2": 4, "3": 3, "4": 2, "5": 1}')
    )
    method = forms.ChoiceField(label=_("Method"), choices=_methods)

    def clean_class_weights(self):
        value = self.cleaned_data["class_weights"]
        message = _("Weights must be a JSON object of price class (1–5) to a non-negative number.")
        if not isinstance(value, dict) or not value:
            raise forms.ValidationError(message)
        out = {}
        for k, v in value.items():
            if (
                str(k) not in {"1", "2", "3", "4", "5"}
                or isinstance(v, bool)
                or not isinstance(v, int | float)
            ):
                raise forms.ValidationError(message)
            if v < 0 or v > 1000:
                raise forms.ValidationError(message)
            out[str(k)] = v
        return out


class PointsEntryForm(forms.Form):
    cycle = forms.CharField(label=_("Cycle"), max_length=20)
    licence_no = forms.CharField(label=_("Licence number"), max_length=12)
    points = forms.IntegerField(label=_("Points"), min_value=0, max_value=10**9)


class PointsAllocateForm(forms.Form):
    cycle = forms.CharField(label=_("Cycle"), max_length=20)
    product_code = forms.CharField(label=_("Product code"), max_length=40)
    product_name = forms.CharField(label=_("Product name"), max_length=100)
    supply = forms.IntegerField(label=_("Supply (cartons)"), min_value=1, max_value=10_000_000)
    method = forms.ChoiceField(label=_("Method"), choices=_methods, initial="webster")
    cap = forms.IntegerField(label=_("Cap per shop"), min_value=1, max_value=100_000, required=False)
    minimum = forms.IntegerField(label=_("Minimum per shop"), min_value=0, max_value=100_000, required=False)
    source = forms.ChoiceField(
        label=_("Points source"),
        choices=[
            ("uploaded", _("Uploaded or entered points")),
            ("computed", _("Points computed from sales")),
        ],
        initial="uploaded",
        required=False,  # older clients post no source: the uploaded points, as before
    )

    def clean(self):
        data = super().clean()
        data["source"] = data.get("source") or "uploaded"
        cap, minimum = data.get("cap"), data.get("minimum")
        if cap is not None and minimum is not None and minimum > cap:
            raise forms.ValidationError(_("The minimum may not exceed the cap."))
        return data


class RegionAliasForm(forms.Form):
    kind = forms.ChoiceField(label=pgettext_lazy("region alias", "kind"), choices=RegionKind.choices)
    sheet_name = forms.CharField(label=_("name in the sheet"), max_length=100)
    archive_value = forms.CharField(
        label=_("value in the archive"),
        max_length=100,
        help_text=_("Branch, station or group name; for coded fields our code (C, X, Y …)."),
    )
