"""Forms for the desk pages: intake and one small form per action."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from .conf import conf
from .models import Category, Channel, Complexity, Kind, Urgency


class MultiFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; the service checks their size and that they are pictures."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultiFileInput(attrs={"accept": "image/*", "multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(PhotosField, self).clean(f, initial) for f in files]


class IntakeForm(forms.Form):
    channel = forms.ChoiceField(label=_("channel"), choices=Channel.choices, initial=Channel.PHONE)
    kind = forms.ChoiceField(label=_("kind"), choices=Kind.choices, initial=Kind.COMPLAINT)
    category = forms.ModelChoiceField(
        label=_("category"), queryset=Category.objects.filter(active=True), empty_label=None
    )
    urgency = forms.ChoiceField(label=_("urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    complexity = forms.ChoiceField(
        label=_("complexity"), choices=Complexity.choices, initial=Complexity.SIMPLE
    )
    text = forms.CharField(
        label=_("text"), widget=forms.Textarea(attrs={"rows": 4}), max_length=conf("MAX_TEXT")
    )
    callback_phone = forms.CharField(label=_("callback phone"), max_length=20, required=False)
    photos = PhotosField(label=_("photos"))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
        if user is not None and user.role == "account_manager":
            self.fields["channel"].initial = Channel.VISIT
            self.fields["kind"].choices = [c for c in Kind.choices if c[0] != Kind.REPORT]
        if user is not None and user.role == "inspector":  # inspectors file reports only (docs/roles.md)
            self.fields["kind"].choices = [c for c in Kind.choices if c[0] == Kind.REPORT]
            self.fields["kind"].initial = Kind.REPORT


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )


class RequiredNoteForm(forms.Form):
    note = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=200)


class AnswerForm(forms.Form):
    note = forms.CharField(label=_("answer"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class PlanForm(forms.Form):
    note = forms.CharField(label=_("initial plan"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class DispatchForm(forms.Form):
    owner = forms.ChoiceField(label=_("owner"))
    due_at = forms.DateTimeField(
        label=_("owner deadline"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    note = forms.CharField(label=_("reason for reassigning"), max_length=200, required=False)

    def __init__(self, *args, candidates=(), departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {str(u.pk): u for u in candidates}
        # A department as a whole (一站式): its member with the fewest open requests takes it.
        self.departments = {f"d{d.pk}": d for d in departments}
        self.fields["owner"].choices = [
            (str(u.pk), f"{u} · {u.department if u.department_id else u.get_role_display()}")
            for u in candidates
        ] + [(key, _("%(name)s (department: whoever has least open work)") % {"name": d}) for key, d in
             self.departments.items()]  # fmt: skip

    def clean_owner(self):
        value = self.cleaned_data["owner"]
        if value in self.departments:
            from .selectors import department_member

            member = department_member(department=self.departments[value])
            if member is None:
                raise forms.ValidationError(_("This department has nobody to take the request."))
            return member
        return self.candidates[value]


class ReportForm(forms.Form):
    actions_taken = forms.CharField(
        label=_("what was done"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    outcome = forms.CharField(label=_("outcome"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)
    photos = PhotosField(label=_("photos"))


class MergeForm(forms.Form):
    into = forms.CharField(label=_("merge into (reference)"), max_length=20)


class FollowUpForm(forms.Form):
    reached = forms.TypedChoiceField(
        label=_("customer reached"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("Reached")), ("no", _("Not reached"))],
        widget=forms.RadioSelect,
    )
    satisfaction = forms.TypedChoiceField(
        label=_("satisfaction"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *[(i, f"{i} ★") for i in range(5, 0, -1)]],
    )
    comment = forms.CharField(label=_("comment"), max_length=500, required=False)

    def clean(self):
        data = super().clean()
        if data.get("reached") and not data.get("satisfaction"):
            self.add_error("satisfaction", _("Satisfaction must be 1 to 5."))
        return data


ACTION_FORMS = {
    "acknowledge": NoteForm,
    "answer": AnswerForm,
    "dispatch": DispatchForm,
    "start": PlanForm,
    "report": ReportForm,
    "resolve": NoteForm,
    "hold": RequiredNoteForm,
    "resume": NoteForm,
    "merge": MergeForm,
    "cancel": RequiredNoteForm,
    "follow_up": FollowUpForm,
    "close": NoteForm,
    "reopen": RequiredNoteForm,
    "hand_back": RequiredNoteForm,
    "note": None,  # set below
}


class TextNoteForm(forms.Form):
    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


ACTION_FORMS["note"] = TextNoteForm


class HolidayForm(forms.Form):
    """A day, or a run of days, of the company's calendar."""

    first = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(
        label=_("to (for several days)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    is_workday = forms.TypedChoiceField(
        label=_("kind of day"),
        coerce=lambda v: v == "work",
        choices=[("off", _("Day off (holiday)")), ("work", _("Make-up working day"))],
        initial="off",
    )
    name = forms.CharField(label=_("name"), max_length=50, required=False)
