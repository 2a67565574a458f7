from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrowthConfig(AppConfig):
    name = "serviceloop.growth"
    verbose_name = _("Growth: scarce-product allocation")
    default_auto_field = "django.db.models.BigAutoField"
