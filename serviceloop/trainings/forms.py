from django import forms
from django.utils.translation import gettext_lazy as _

from serviceloop.org.models import Branch, Role, Station, User
from serviceloop.org.selectors import branches_visible_to, stations_visible_to
from serviceloop.tags.models import ProblemTag

from .models import CAPACITY_MAX, TrainingTopic

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class LocalDateTimeField(forms.DateTimeField):
    """A date and time from the browser's picker (works without JavaScript; typed text is accepted too)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT)

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", [LOCAL_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])
        super().__init__(**kwargs)


def trainers_for(user):
    """Active staff of the company who may train: anyone with a role (marketing centre, station staff…)."""
    qs = User.objects.filter(is_active=True).exclude(role="").exclude(role=Role.DEPARTMENT_STAFF)
    if not user.is_superuser:
        qs = qs.filter(company_id=user.company_id)
    return qs.order_by("full_name", "username")


class SessionForm(forms.Form):
    topic = forms.ModelChoiceField(label=_("topic"), queryset=TrainingTopic.objects.filter(active=True))
    station = forms.ModelChoiceField(label=_("station"), queryset=Station.objects.none(), required=False,
                                     help_text=_("Leave empty for a training of the whole branch."))  # fmt: skip
    branch = forms.ModelChoiceField(label=_("branch"), queryset=Branch.objects.none(), required=False)
    trainer = forms.ModelChoiceField(label=_("trainer"), queryset=User.objects.none())
    place = forms.CharField(label=_("place"), max_length=200)
    starts_at = LocalDateTimeField(label=_("starts at"))
    ends_at = LocalDateTimeField(label=_("ends at"))
    capacity = forms.IntegerField(
        label=_("capacity (shops)"), min_value=1, max_value=CAPACITY_MAX, initial=30
    )
    notes = forms.CharField(
        label=_("notes"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainer"].queryset = trainers_for(user)
        if editing:
            for name in ("topic", "station", "branch"):
                del self.fields[name]
            return
        self.fields["station"].queryset = stations_visible_to(user).select_related("branch").order_by(
            "branch__name", "name")  # fmt: skip
        self.fields["branch"].queryset = branches_visible_to(user).order_by("name")
        if user.role == Role.STATION_HEAD and not user.is_superuser:
            # A station head organises for the station only.
            self.fields["station"].required = True
            self.fields["station"].empty_label = None
            del self.fields["branch"]

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The end comes before the start."))
        if "station" in self.fields and not data.get("station") and not data.get("branch"):
            self.add_error(
                "branch" if "branch" in self.fields else "station",
                _("Choose the organising branch or station."),
            )
        return data


class TopicForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=50)
    description = forms.CharField(label=_("description"), max_length=1000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    tags = forms.ModelMultipleChoiceField(
        label=_("problem tags it addresses"), required=False, widget=forms.CheckboxSelectMultiple,
        queryset=ProblemTag.objects.filter(active=True).order_by("category", "name"),
    )  # fmt: skip
    order = forms.IntegerField(label=_("order"), min_value=0, max_value=999, initial=0)
    active = forms.BooleanField(label=_("in use"), required=False, initial=True)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class CheckInForm(forms.Form):
    licence_no = forms.CharField(label=_("licence number"), max_length=20, required=False,
                                 widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))  # fmt: skip
    phone_last4 = forms.CharField(label=_("or the last four digits of the shop's phone"), max_length=4,
                                  required=False, widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                                                 "autocomplete": "off"}))  # fmt: skip

    def clean(self):
        data = super().clean()
        if not (data.get("licence_no") or "").strip() and not (data.get("phone_last4") or "").strip():
            raise forms.ValidationError(
                _("Enter the licence number, or the last four digits of the shop's phone.")
            )
        last4 = (data.get("phone_last4") or "").strip()
        if last4 and not (len(last4) == 4 and last4.isdigit()):
            self.add_error("phone_last4", _("Four digits, please."))
        return data
