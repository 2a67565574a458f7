from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "serviceloop.integrations"
    verbose_name = _("Integrations: API tokens and outbound events")
    default_auto_field = "django.db.models.BigAutoField"
