import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from serviceloop.org.models import Branch, Role, Station, User

from .models import Finding, Method, PlanKind, RiskLevel, Severity, Source
from .scope import SUPERVISION_ROLES, levels_for, unit_q

MONTH_INPUT = {"type": "month"}


class MonthField(forms.DateField):
    """A month typed as YYYY-MM (the browser's month picker), kept as the first day of the month."""

    widget = forms.DateInput(attrs=MONTH_INPUT, format="%Y-%m")

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m", "%Y-%m-%d"])
        super().__init__(**kwargs)

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


def staff_in(user):
    """Active staff of the user's unit, for owner and assignee choices."""
    q = unit_q(user, branch="branch_id", station="station_id")
    return User.objects.filter(q, is_active=True).exclude(role="").order_by("full_name", "username")


class PlanForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=PlanKind.choices, widget=forms.RadioSelect,
                             initial=PlanKind.RANDOM)  # fmt: skip
    sources = forms.MultipleChoiceField(label=_("records to sample"), choices=Source.choices,
                                        widget=forms.CheckboxSelectMultiple)  # fmt: skip
    per_station = forms.IntegerField(label=_("items per station and record kind"), min_value=1, max_value=50,
                                     initial=3)  # fmt: skip
    branch = forms.ModelChoiceField(label=_("branch"), queryset=Branch.objects.none(), required=False,
                                    empty_label=_("The whole city"))  # fmt: skip
    first_month = MonthField(label=_("first month"))
    last_month = MonthField(label=_("last month"), required=False,
                            help_text=_("Scheduled plans only; empty: every month from the first on."))  # fmt: skip
    assignee = forms.ModelChoiceField(label=_("inspector"), queryset=User.objects.none(), required=False,
                                      empty_label=_("Every inspector of the area"))  # fmt: skip
    notes = forms.CharField(label=_("notes"), max_length=1000, required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_month"].initial = timezone.localdate().replace(day=1)
        branches = (
            Branch.objects.filter(unit_q(user, branch="pk", station="stations")).distinct().order_by("name")
        )
        self.fields["branch"].queryset = branches
        if user.unit_level != "company" and not user.is_superuser:
            self.fields["branch"].required = True
            self.fields["branch"].empty_label = None
        self.fields["assignee"].queryset = staff_in(user).filter(role__in=SUPERVISION_ROLES)


class DrawForm(forms.Form):
    month = MonthField(label=_("month"))


class RecordForm(forms.Form):
    method = forms.ChoiceField(
        label=_("how it was checked"), choices=Method.choices, widget=forms.RadioSelect
    )
    finding = forms.ChoiceField(label=_("finding"), choices=Finding.choices, widget=forms.RadioSelect)
    severity = forms.ChoiceField(label=_("severity"), choices=Severity.choices, widget=forms.RadioSelect,
                                 initial=Severity.NONE)  # fmt: skip
    notes = forms.CharField(label=_("notes"), max_length=2000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    photo = forms.ImageField(label=_("photo"), required=False)
    task = forms.CharField(label=_("what to rectify"), max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Only for a problem: the rectification asked of the owner."))  # fmt: skip
    owner = forms.ModelChoiceField(label=_("owner"), queryset=User.objects.none(), required=False,
                                   empty_label=_("The person inspected (or the station head)"))  # fmt: skip
    deadline = forms.DateField(
        label=_("deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (
            User.objects.filter(
                Q(station_id=item.station_id) | Q(role=Role.MARKET_MANAGER, branch_id=item.station.branch_id),
                is_active=True,
            )
            .exclude(role="")
            .order_by("full_name")
        )
        self.fields["deadline"].initial = timezone.localdate() + dt.timedelta(days=7)

    def clean(self):
        data = super().clean()
        if data.get("finding") == Finding.PROBLEM:
            if data.get("severity") in (None, "", Severity.NONE):
                self.add_error("severity", _("Give the severity of the problem."))
            if not data.get("deadline"):
                self.add_error("deadline", _("A problem needs a rectification deadline."))
        return data


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RiskForm(forms.Form):
    level = forms.ChoiceField(label=_("level"), choices=RiskLevel.choices)
    branch = forms.ModelChoiceField(label=_("branch"), queryset=Branch.objects.none(), required=False,
                                    help_text=_("For a county-level risk."))  # fmt: skip
    station = forms.ModelChoiceField(label=_("station"), queryset=Station.objects.none(), required=False,
                                     help_text=_("For a station-level risk."))  # fmt: skip
    title = forms.CharField(label=_("risk"), max_length=200)
    description = forms.CharField(label=_("description"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    owner = forms.ModelChoiceField(label=_("owner"), queryset=User.objects.none(), required=False)
    measures = forms.CharField(label=_("measures"), max_length=2000, required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    deadline = forms.DateField(
        label=_("deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        levels = levels_for(user)
        self.fields["level"].choices = [(v, label) for v, label in RiskLevel.choices if v in levels]
        self.fields["branch"].queryset = Branch.objects.filter(
            unit_q(user, branch="pk", station="stations")
        ).distinct().order_by("name")  # fmt: skip
        self.fields["station"].queryset = Station.objects.filter(
            unit_q(user, branch="branch_id", station="pk")
        ).order_by("branch__name", "name")  # fmt: skip
        self.fields["owner"].queryset = staff_in(user)

    def clean(self):
        data = super().clean()
        level = data.get("level")
        if level == RiskLevel.BRANCH and not data.get("branch"):
            self.add_error("branch", _("A county-level risk needs its branch."))
        if level == RiskLevel.STATION and not data.get("station"):
            self.add_error("station", _("A station-level risk needs its station."))
        deadline = data.get("deadline")
        if deadline and deadline < timezone.localdate():
            self.add_error("deadline", _("The deadline must be today or later."))
        return data


class RiskEditForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("owner"), queryset=User.objects.none(), required=False)
    measures = forms.CharField(label=_("measures"), max_length=2000, required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    deadline = forms.DateField(
        label=_("deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(label=_("description"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip

    def __init__(self, *args, user, risk, **kwargs):
        kwargs.setdefault("initial", {"owner": risk.owner_id, "measures": risk.measures, "deadline": risk.deadline,
                                      "description": risk.description})  # fmt: skip
        super().__init__(*args, **kwargs)
        owners = staff_in(user)
        if risk.owner_id:
            owners = owners | User.objects.filter(pk=risk.owner_id)
        self.fields["owner"].queryset = owners.distinct().order_by("full_name", "username")


class RiskRulesForm(forms.Form):
    """The thresholds of the risk rules (the one RiskRuleSettings row) and why they change."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False)  # the version the editor loaded
    satisfaction_falls = forms.IntegerField(
        label=_("months of falling satisfaction in a row to raise a risk"), min_value=1, max_value=6,
        help_text=_("A station's average follow-up satisfaction lower than the month before, this many months running."),
    )  # fmt: skip
    short_visits_min = forms.IntegerField(label=_("short visits in a month to raise a risk"), min_value=1,
                                          max_value=500)  # fmt: skip
    route_complaints_min = forms.IntegerField(
        label=_("complaints about one route in a month to raise a risk"), min_value=2, max_value=500
    )
    days_to_act = forms.IntegerField(label=_("days to act on a raised risk"), min_value=1, max_value=180)
    reason = forms.CharField(label=_("Reason for the change"), max_length=200)

    def __init__(self, *args, settings_row=None, **kwargs):
        super().__init__(*args, **kwargs)
        if settings_row is not None and not self.is_bound:
            self.initial = {
                "seen": settings_row.updated_at.isoformat() if settings_row.updated_at else "",
                **{f: getattr(settings_row, f) for f in
                   ("satisfaction_falls", "short_visits_min", "route_complaints_min", "days_to_act")},
            }  # fmt: skip
