"""``{% icon "truck" %}``: a Bootstrap icon as inline SVG (the public pages load no icon font)."""

import functools

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from serviceloop.core.icons import PATHS

register = template.Library()


@register.simple_tag
def icon(name, fallback="chat-dots"):
    """The icon sized to the text (1em) in the text's colour; an unknown name draws ``fallback``."""
    name = str(name)
    return _svg(name if name in PATHS else fallback)


@functools.cache  # one entry per icon of PATHS: a menu draws dozens of icons on every page
def _svg(name: str):
    return format_html(
        '<svg class="bi" width="1em" height="1em" viewBox="0 0 16 16" fill="currentColor" aria-hidden="true" '
        'focusable="false">{}</svg>',
        mark_safe(PATHS[name]),  # noqa: S308 — fixed shapes from the module above, never user input
    )
