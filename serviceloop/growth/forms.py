from django import forms
from django.utils.translation import gettext_lazy as _

from serviceloop.analytics.allocation import METHODS

from .services import MAX_SHEET_BYTES


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


class PointsAllocateForm(forms.Form):
    cycle = forms.CharField(label=_("Cycle"), max_length=20)
    product_code = forms.CharField(label=_("Product code"), max_length=40)
    product_name = forms.CharField(label=_("Product name"), max_length=100)
    supply = forms.IntegerField(label=_("Supply (cartons)"), min_value=1, max_value=10_000_000)
    method = forms.ChoiceField(label=_("Method"), choices=list(METHODS.items()), initial="webster")
    cap = forms.IntegerField(label=_("Cap per shop"), min_value=1, max_value=100_000, required=False)
    minimum = forms.IntegerField(label=_("Minimum per shop"), min_value=0, max_value=100_000, required=False)

    def clean(self):
        data = super().clean()
        cap, minimum = data.get("cap"), data.get("minimum")
        if cap is not None and minimum is not None and minimum > cap:
            raise forms.ValidationError(_("The minimum may not exceed the cap."))
        return data
