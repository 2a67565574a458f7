"""Bootstrap 5 markup for Django form fields, decided on the server (core/_form.html uses these).

Every widget keeps Django's own rendering (name, value, checked/selected state); only the CSS classes are added,
so what the browser submits is exactly what the form expects. Checkbox groups and radio groups are drawn one
``form-check`` per choice, each with its value and its own label.
"""

from django import forms, template
from django.forms.boundfield import BoundWidget

register = template.Library()


def _kind(widget) -> str:
    if widget.is_hidden:
        return "hidden"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkbox_group"
    if isinstance(widget, forms.RadioSelect):
        return "radio_group"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):  # also SelectMultiple and NullBooleanSelect
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.FileInput):
        return "file"
    return "input"


CSS = {
    "checkbox": "form-check-input",
    "checkbox_group": "form-check-input",
    "radio_group": "form-check-input",
    "select": "form-select",
}


def _css(field, kind: str) -> str:
    classes = [field.field.widget.attrs.get("class", ""), CSS.get(kind, "form-control")]
    if field.errors:
        classes.append("is-invalid")
    return " ".join(c for c in classes if c)


@register.filter
def widget_kind(field) -> str:
    """checkbox, checkbox_group, radio_group, select, textarea, file, input or hidden."""
    return _kind(field.field.widget)


@register.filter
def bootstrap(field):
    """The field's widget with its Bootstrap class (and ``is-invalid`` when the field has errors)."""
    return field.as_widget(attrs={"class": _css(field, _kind(field.field.widget))})


@register.filter
def choice_inputs(field) -> list[BoundWidget]:
    """One input per choice of a checkbox or radio group, each carrying ``form-check-input``."""
    widget = field.field.widget
    id_ = widget.attrs.get("id") or field.auto_id
    attrs = {"id": id_} if id_ else {}
    attrs = field.build_widget_attrs({**attrs, "class": _css(field, _kind(widget))})
    return [
        BoundWidget(widget, sub, field.form.renderer)
        for sub in widget.subwidgets(field.html_name, field.value(), attrs=attrs)
    ]


@register.simple_tag
def select_options(field):
    """The ``<option>`` tags of a select field (customers/_select.html), built in Python: a city's 300 routes
    cost ~2,000 template nodes per list page when looped in the template (issue 14). The same markup and the
    same comparisons as the loop it replaces (values compared as strings)."""
    from django.utils.html import format_html_join
    from django.utils.safestring import mark_safe

    current = field.value()
    multiple = field.field.widget.allow_multiple_selected
    selected = mark_safe(" selected")
    rows = []
    for value, label in field.field.widget.choices:
        text = str(value)
        chosen = (current is not None and text in current) if multiple else text == str(current)
        rows.append(("" if value is None and not multiple else text, selected if chosen else "", label))
    return format_html_join("", '<option value="{}"{}>{}</option>', rows)


@register.simple_tag
def unit_options(units, current):
    """``<option>`` tags of org units (routes, stations) for a hand-written filter ``<select>``, built in Python
    from ``(pk, name)`` rows: a city's ~500 routes looped in the template cost ~10 ms per page at 30,000 shops
    and grew with the city (issue 14). ``current`` is the request's value (a string)."""
    from django.utils.html import format_html_join
    from django.utils.safestring import mark_safe

    chosen, selected = str(current or ""), mark_safe(" selected")
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((pk, selected if str(pk) == chosen else "", name) for pk, name in units),
    )
