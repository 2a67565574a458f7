from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from .models import Branch, Department, Role, Route, Station, User


class BranchForm(forms.ModelForm):
    class Meta:
        model = Branch
        fields = ["company", "name", "code"]


class StationForm(forms.ModelForm):
    class Meta:
        model = Station
        fields = ["branch", "name", "code"]


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["company", "name", "code"]


class RouteForm(forms.ModelForm):
    class Meta:
        model = Route
        fields = ["station", "name", "code", "account_manager", "market_manager"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = Station.objects.select_related("branch")


class StaffForm(forms.ModelForm):
    password = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput,
        required=False,
        help_text=_("Leave empty to keep the current password."),
    )

    class Meta:
        model = User
        fields = [
            "username",
            "full_name",
            "phone",
            "role",
            "company",
            "branch",
            "station",
            "department",
            "is_active",
        ]

    def clean_password(self):
        password = self.cleaned_data.get("password")
        if password:
            validate_password(password)
        return password

    def clean(self):
        cleaned = super().clean()
        # Fill in the chain from the most specific unit, so the role check in the model sees the real level.
        if cleaned.get("station"):
            cleaned["branch"] = cleaned["station"].branch
        if cleaned.get("branch"):
            cleaned["company"] = cleaned["branch"].company
        if cleaned.get("department") and not cleaned.get("company"):
            cleaned["company"] = cleaned["department"].company
        if not cleaned.get("company"):
            self.add_error("company", _("Choose the company."))
        return cleaned


class StaffImportForm(forms.Form):
    file = forms.FileField(label=_("Staff list (xlsx or csv)"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Only .xlsx and .csv files can be imported."))
        if f.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return f


class ManagerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj}（{obj.station.name if obj.station_id else '—'}）"


class RouteAssignForm(forms.Form):
    """Bulk assignment on the "no account manager" list: the routes ticked in the table and one manager."""

    routes = forms.ModelMultipleChoiceField(
        label=_("routes"),
        queryset=Route.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one route.")},
    )
    account_manager = ManagerChoiceField(label=_("account manager"), queryset=User.objects.none())

    def __init__(self, *args, routes, station=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["routes"].queryset = routes
        managers = User.objects.filter(is_active=True, role=Role.ACCOUNT_MANAGER).select_related("station")
        if station is not None:
            managers = managers.filter(station=station)
        self.fields["account_manager"].queryset = managers.order_by("station__name", "full_name", "username")
