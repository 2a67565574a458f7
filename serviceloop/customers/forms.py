from django import forms
from django.utils.translation import gettext_lazy as _

from serviceloop.org.selectors import routes_visible_to

from .models import Customer

EDITABLE = [
    "name",
    "owner_name",
    "phone",
    "alt_phone",
    "address",
    "latitude",
    "longitude",
    "route",
    "retail_format",
    "market_type",
    "business_scale",
    "urban_rural_code",
    "trading_area",
    "grade",
    "stars",
    "credit_rating",
    "order_cycle",
    "order_weekday",
    "mutual_aid_group",
    "status",
    "joined_on",
    "e_settlement",
    "online_ordering",
    "quality_terminal",
    "care_flag",
    "care_note",
]


class CustomerForm(forms.ModelForm):
    version = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Customer
        fields = ["licence_no", *EDITABLE]
        widgets = {"joined_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["route"].queryset = routes_visible_to(user).select_related("station")
        self.fields["grade"].widget.attrs.update(min=1, max=30)
        self.fields["stars"].widget.attrs.update(min=0, max=5)
        if self.instance.pk:
            del self.fields["licence_no"]
            self.fields["version"].initial = self.instance.updated_at

    def clean_grade(self):
        grade = self.cleaned_data.get("grade")
        if grade is not None and not 1 <= grade <= 30:
            raise forms.ValidationError(_("Grade must be between 1 and 30."))
        return grade

    def clean_stars(self):
        stars = self.cleaned_data.get("stars")
        if stars is not None and not 0 <= stars <= 5:
            raise forms.ValidationError(_("Stars must be between 0 and 5."))
        return stars

    def _post_clean(self):
        # Model validation (licence format and uniqueness…) runs in the service after the shop is placed on its
        # route; here it would fail first on the station/branch copies that only the service fills in.
        pass


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Customer file (xlsx or csv)"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        name = f.name.lower()
        if not (name.endswith(".xlsx") or name.endswith(".csv")):
            raise forms.ValidationError(_("Only .xlsx and .csv files can be imported."))
        if f.size > 50 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return f


class ImportConfirmForm(forms.Form):
    """ "Import now" after a check: which file-wide constant yes/no columns to keep (none by default)."""

    keep = forms.MultipleChoiceField(
        label=_("Columns with the same value on every row: import them anyway?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Unticked columns are left out: the shops keep their current value (new shops get the default)."
        ),
    )

    def __init__(self, *args, constant_columns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [
            (
                c["field"],
                _("%(header)s: “%(value)s” on every row") % {"header": c["header"], "value": c["value"]},
            )
            for c in constant_columns
        ]
        if not constant_columns:
            del self.fields["keep"]
