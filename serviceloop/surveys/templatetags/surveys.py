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
