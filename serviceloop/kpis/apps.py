from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpisConfig(AppConfig):
    name = "serviceloop.kpis"
    verbose_name = _("KPIs: catalogue, targets, monthly values")
    default_auto_field = "django.db.models.BigAutoField"
