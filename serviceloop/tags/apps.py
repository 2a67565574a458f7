from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TagsConfig(AppConfig):
    name = "serviceloop.tags"
    verbose_name = _("Problem tags")
