from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SUBSCRIBABLE, Subscription, TokenScope


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("name"), max_length=100, help_text=_("What will use it, e.g. “12313 platform”.")
    )
    scope = forms.ChoiceField(label=_("scope"), choices=TokenScope.choices, initial=TokenScope.READ)
    expires_on = forms.DateField(
        label=_("expires on"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The token stops working at the start of this day. Leave empty for no expiry."),
    )  # fmt: skip


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    kinds = forms.MultipleChoiceField(label=_("event kinds"), choices=SUBSCRIBABLE,
                                      widget=forms.CheckboxSelectMultiple)  # fmt: skip
    secret = forms.CharField(label=_("signing secret"), max_length=100, required=False,
                             help_text=_("Leave empty to have one generated."))  # fmt: skip

    class Meta:
        model = Subscription
        fields = ["name", "url", "secret", "kinds", "active"]
