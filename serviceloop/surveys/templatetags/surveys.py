from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

QUADRANTS = {
    "fix_first": _("Fix first"),
    "keep_up": _("Keep up the good work"),
    "low_priority": _("Low priority"),
    "possible_overkill": _("Possible overkill"),
}


@register.filter
def get(mapping, key):
    """``{{ dict|get:key }}`` — a value by a variable key (None when absent)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def quadrant(code):
    return QUADRANTS.get(code, code)


@register.filter
def percent(value, digits=1):
    if value is None:
        return "—"
    return f"{100 * float(value):.{int(digits)}f}%"


@register.inclusion_tag("surveys/_customer_panel_body.html", takes_context=True)
def survey_panel(context, customer):
    """The shop's survey waves on its page; no answer of an anonymous wave is shown below the city level."""
    from serviceloop.surveys.models import AnswerStatus
    from serviceloop.surveys.selectors import customer_survey_rows
    from serviceloop.surveys.services import entry_channel

    user = context["request"].user
    rows = customer_survey_rows(user=user, customer=customer)
    may_enter = entry_channel(user) is not None
    for row in rows:
        row["may_enter"] = may_enter
    return {"rows": rows, "done_label": AnswerStatus.SUBMITTED.label}
