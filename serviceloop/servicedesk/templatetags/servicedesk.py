import functools
from datetime import timedelta

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(value) -> str:
    """A timedelta as "2天3小时" / "3小时5分" / "12分" (absolute value)."""
    if not isinstance(value, timedelta):
        return ""
    seconds = abs(int(value.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)dd %(h)dh") % {"d": days, "h": hours}
    if hours:
        return _("%(h)dh %(m)dm") % {"h": hours, "m": minutes}
    return _("%(m)dm") % {"m": minutes}


_BADGE = {"new": "text-bg-danger", "closed": "text-bg-secondary", "on_hold": "text-bg-warning",
          "resolved": "text-bg-success", "answered": "text-bg-success", "followed_up": "text-bg-success",
          "cancelled": "text-bg-light border", "merged": "text-bg-light border"}  # fmt: skip


@functools.cache
def _labels(field) -> dict:
    return dict(field.flatchoices)  # lazy labels: translated when drawn, in the reader's language


@register.simple_tag
def choice_label(obj, name: str):
    """``obj.get_<name>_display()`` without its cost: Django rebuilds the field's translated choice table on every
    call, ~90 times on a task list (issue 14)."""
    field = obj._meta.get_field(name)
    value = getattr(obj, field.attname)
    return _labels(field).get(value, value)


@register.simple_tag
def status_badge(sr):
    """A request's status as a coloured badge (a tag: an include per row cost more than the row)."""
    return format_html('<span class="badge {}" data-testid="status">{}</span>',
                       _BADGE.get(sr.status, "text-bg-primary"), choice_label(sr, "status"))  # fmt: skip
