"""The API validates with the pages' own forms and calls the pages' own services.

A rule or a message written once: the page's ``forms.Form`` checks the body (same fields, same limits, same
Chinese messages), the service does the work, and this module turns their outcomes into DRF answers —
form errors and a service's ``ValidationError`` → 400 ``{field: [messages]}``, a service's ``PermissionDenied``
→ 403. ``form_serializer`` derives a serializer from the form only so that the OpenAPI schema documents the
request body; it never validates anything itself.
"""

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError

_SERIALIZERS: dict[str, type] = {}


def _field_for(field: forms.Field) -> serializers.Field:
    common = {"required": field.required, "help_text": str(field.help_text or field.label or "") or None}
    if isinstance(field, forms.ModelMultipleChoiceField):
        return serializers.ListField(child=serializers.IntegerField(), **common)
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(allow_null=not field.required, **common)
    if isinstance(field, forms.MultipleChoiceField):
        return serializers.ListField(child=serializers.CharField(), **common)
    if isinstance(field, forms.TypedChoiceField) and field.coerce is int:
        return serializers.IntegerField(**common)
    if isinstance(field, forms.ChoiceField):
        choices = [c for c, _label in field.choices if c != ""]
        return (
            serializers.ChoiceField(choices=choices, **common) if choices else serializers.CharField(**common)
        )
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(required=False, help_text=common["help_text"])
    if isinstance(field, forms.ImageField | forms.FileField):
        return serializers.FileField(**common)
    if isinstance(field, forms.IntegerField):
        return serializers.IntegerField(min_value=field.min_value, max_value=field.max_value, **common)
    if isinstance(field, forms.DecimalField):
        return serializers.DecimalField(max_digits=field.max_digits or 12, decimal_places=field.decimal_places or 6,
                                        coerce_to_string=False, allow_null=not field.required, **common)  # fmt: skip
    if isinstance(field, forms.FloatField):
        return serializers.FloatField(**common)
    if isinstance(field, forms.DateTimeField):
        return serializers.DateTimeField(**common)
    if isinstance(field, forms.DateField):
        return serializers.DateField(**common)
    if isinstance(field, forms.UUIDField):
        return serializers.UUIDField(**common)
    if isinstance(field, forms.CharField):
        return serializers.CharField(max_length=field.max_length, allow_blank=not field.required, **common)
    return serializers.CharField(**common)


def form_serializer(form_class, name: str, *, exclude=(), extra=None, **form_kwargs) -> type:
    """A serializer class named ``name`` describing ``form_class``'s fields, for the schema only."""
    if name in _SERIALIZERS:
        return _SERIALIZERS[name]
    form = form_class(**form_kwargs)
    attrs = {n: _field_for(f) for n, f in form.fields.items() if n not in exclude}
    attrs.update(extra or {})
    cls = type(name, (serializers.Serializer,), attrs)
    _SERIALIZERS[name] = cls
    return cls


def form_data(request) -> dict:
    """The body as a form sees it: a QueryDict for form posts (lists via getlist), a dict for JSON."""
    data = request.data
    if hasattr(data, "getlist"):
        return data
    return data if isinstance(data, dict) else {}


def clean(form) -> dict:
    """``form.cleaned_data`` or a 400 with the form's own messages by field (``non_field_errors`` for the rest)."""
    if form.is_valid():
        return form.cleaned_data
    errors = {}
    for field, items in form.errors.get_json_data().items():
        errors["non_field_errors" if field == "__all__" else field] = [e["message"] for e in items]
    raise ValidationError(errors)


def call(service, /, **kwargs):
    """Runs a service with ``now`` filled in; its refusals become 400/403 answers with its own messages."""
    kwargs.setdefault("now", timezone.now())
    try:
        return service(**kwargs)
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc) or None) from None
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise ValidationError(exc.message_dict) from None
        raise ValidationError({"non_field_errors": exc.messages}) from None


def query(name: str, description: str, type_=str, enum=None) -> OpenApiParameter:
    """A documented query parameter of a list endpoint (the page's filters)."""
    return OpenApiParameter(
        name, type_, OpenApiParameter.QUERY, required=False, description=description, enum=enum
    )


SEARCH = query("q", "Search text, as in the page's search box")


def clean_typed(form, body_class, request) -> dict:
    """``clean(form)`` on the request body, then its types checked by the schema's serializer: a form would
    quietly take a list or an object where text belongs as its ``str()``. The form's messages come first."""
    data = form_data(request)
    cleaned = clean(form(data))
    body_class(data=data).is_valid(raise_exception=True)
    return cleaned
