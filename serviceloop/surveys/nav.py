from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def survey_menu(user) -> list[dict]:
    """Every staff member reaches the survey list: managers run waves, others enter answers or read results."""
    if not user.is_authenticated or not (user.is_superuser or user.role):
        return []
    return [{"label": _("Surveys"), "url": reverse("surveys:waves"), "icon": "clipboard-data"}]
