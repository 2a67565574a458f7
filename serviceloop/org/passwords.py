"""A password must not carry the user's own name, user name or phone number."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class PersonalDataValidator:
    """Django's UserAttributeSimilarityValidator compares whole strings and skips short attributes inside
    long passwords, so 张三2024abc or 13812345678x pass it. This one refuses any password that contains the
    full name (2+ characters), the user name (3+), or 6 or more consecutive digits of the phone number."""

    def validate(self, password, user=None):
        if user is None:
            return
        lowered = password.lower()
        name = (getattr(user, "full_name", "") or "").strip().lower()
        username = (getattr(user, "username", "") or "").strip().lower()
        if (len(name) >= 2 and name in lowered) or (len(username) >= 3 and username in lowered):
            raise ValidationError(_("The password must not contain your name or user name."), code="personal")
        digits = re.sub(r"\D", "", getattr(user, "phone", "") or "")
        runs = re.findall(r"\d{6,}", password)
        if len(digits) >= 6 and any(digits[i : i + 6] in run for run in runs for i in range(len(digits) - 5)):
            raise ValidationError(_("The password must not contain your phone number."), code="phone")

    def get_help_text(self):
        return _("Your password must not contain your name, user name or phone number.")
