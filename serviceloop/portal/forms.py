"""The public request form of the QR page: limits checked here give the owner a clear Chinese message."""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from serviceloop.servicedesk.models import Category, Kind

MAX_TEXT = getattr(settings, "PORTAL_MAX_TEXT", 1000)
MAX_PHOTO_BYTES = getattr(settings, "PORTAL_MAX_PHOTO_BYTES", 5 * 1024 * 1024)
MAX_PHOTO_PIXELS = 40_000_000  # a 40-megapixel phone photo; more is a decompression bomb, not a photo
PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}

# What an owner may say on the counter's QR page. Tip-offs (举报) go to the 12313 hotline or the desk.
PUBLIC_KINDS = [
    (Kind.REQUEST, _("Something to sort out")),
    (Kind.INQUIRY, _("A question")),
    (Kind.COMPLAINT, _("A complaint")),
    (Kind.SUGGESTION, _("A suggestion")),
    (Kind.PRAISE, _("Praise us")),
]

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}\d{7,8}$")  # area code 0xx or 0xxx, then 7–8 digits
KEY_RE = re.compile(r"^[0-9a-f]{32}$")


def normalize_phone(value: str) -> str:
    """A Chinese mobile (11 digits, 1[3-9]…) or landline with area code (0719-8123456), digits only.

    Spaces, dashes, brackets and a +86/0086 prefix are dropped. Raises ValidationError otherwise."""
    digits = re.sub(r"[\s\-()（）]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if MOBILE_RE.match(digits) or LANDLINE_RE.match(digits):
        return digits
    raise ValidationError(
        _(
            "Please enter an 11-digit mobile number (e.g. 13812345678) or a landline with its area code "
            "(e.g. 0719-8123456)."
        ),
        code="phone",
    )


def public_categories() -> list[Category]:
    """The active categories the owner may choose, in their order (kept a minute per process: core.refcache —
    the QR page read them on every view and filing)."""
    from serviceloop.core.refcache import reference

    def load():
        return list(Category.objects.filter(active=True).order_by("sort_order", "name"))

    return reference("servicedesk:categories", load)


class IntakeForm(forms.Form):
    category = forms.ChoiceField(
        widget=forms.RadioSelect,
        label=_("What is it about?"),
        error_messages={
            "required": _("Please tap one of the big buttons first: what is it about?"),
            "invalid_choice": _("Please tap one of the big buttons first: what is it about?"),
        },
    )
    kind = forms.ChoiceField(
        choices=PUBLIC_KINDS,
        initial=Kind.REQUEST,
        required=False,
        widget=forms.RadioSelect,
        label=_("It is"),
        error_messages={"invalid_choice": _("Please choose one of the options.")},
    )
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_TEXT}),
        label=_("Tell us more"),
        strip=True,
        error_messages={"required": _("Please write a few words about the matter.")},
    )
    photo = forms.FileField(
        required=False,
        label=_("Photo (optional)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    callback_phone = forms.CharField(
        required=False,
        max_length=30,
        label=_("Phone to call you back (optional)"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    idempotency_key = forms.CharField(
        widget=forms.HiddenInput,
        error_messages={"required": _("This page has expired. Please open it again and resubmit.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = {c.code: c for c in public_categories()}
        self.fields["category"].choices = [(code, c.name) for code, c in self.categories.items()]

    def radios(self, name: str) -> list[tuple[str, str, str, bool]]:
        """(id, value, label, checked) of each choice of a radio field: what the page draws as big buttons,
        without Django building a widget context per choice (a third of the page's template time)."""
        chosen = self[name].value()
        chosen = "" if chosen is None else str(chosen)
        return [
            (f"id_{name}_{i}", str(value), label, str(value) == chosen)
            for i, (value, label) in enumerate(self.fields[name].choices)
        ]

    def clean_category(self):
        return self.categories[self.cleaned_data["category"]]

    def clean_kind(self):
        return self.cleaned_data.get("kind") or Kind.REQUEST

    def clean_text(self):
        text = self.cleaned_data["text"]
        if len(text) > MAX_TEXT:
            raise ValidationError(
                _("The text is too long: at most %(max)d characters, you wrote %(n)d. Please shorten it.")
                % {"max": MAX_TEXT, "n": len(text)},
                code="text_length",
            )
        return text

    def clean_callback_phone(self):
        value = self.cleaned_data.get("callback_phone", "")
        return normalize_phone(value) if value else ""

    def clean_idempotency_key(self):
        key = self.cleaned_data["idempotency_key"].strip().lower()
        if not KEY_RE.match(key):
            raise ValidationError(_("This page has expired. Please open it again and resubmit."), code="key")
        return key

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if not photo:
            return None
        from PIL import Image, UnidentifiedImageError  # only when a photo comes in

        if photo.size > MAX_PHOTO_BYTES:
            raise ValidationError(
                _("The photo is too large (%(size).1f MB); at most %(max)d MB. Please choose a smaller one.")
                % {"size": photo.size / 1024 / 1024, "max": MAX_PHOTO_BYTES // (1024 * 1024)},
                code="photo_size",
            )
        error = ValidationError(
            _("This file is not a photo. Please choose a JPEG, PNG or WebP picture."), code="photo_type"
        )
        try:
            photo.seek(0)
            with Image.open(photo) as image:
                kind, (width, height) = image.format, image.size
                if width * height > MAX_PHOTO_PIXELS:
                    raise ValidationError(
                        _("The picture is too large in pixels. Please choose a smaller one."),
                        code="photo_pixels",
                    )
                image.verify()
        except ValidationError:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            raise error from None
        if kind not in PHOTO_TYPES:
            raise error
        photo.seek(0)
        photo.content_type = PHOTO_TYPES[kind]  # the type the content has, not the one the browser claimed
        return photo
