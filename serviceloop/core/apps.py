from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "serviceloop.core"
    verbose_name = _("Core")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .middleware import mark_session_seen

        # Infrastructure, not domain logic: a fresh session starts its idle clock at the log-in, so the first
        # page after it costs no extra session write.
        user_logged_in.connect(mark_session_seen, dispatch_uid="core.mark_session_seen")
