from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TradeConfig(AppConfig):
    name = "serviceloop.trade"
    verbose_name = _("Trade: products, orders, deliveries, settlements")
    default_auto_field = "django.db.models.BigAutoField"
