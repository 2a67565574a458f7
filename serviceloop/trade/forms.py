from django import forms
from django.utils.translation import gettext_lazy as _

from .models import BatchKind

MAX_UPLOAD_MB = 300


class TradeImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=BatchKind.choices)
    file = forms.FileField(label=_("File (xlsx or csv)"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        name = f.name.lower()
        if not (name.endswith(".xlsx") or name.endswith(".csv")):
            raise forms.ValidationError(_("Only .xlsx and .csv files can be imported."))
        if f.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_MB})
        return f
