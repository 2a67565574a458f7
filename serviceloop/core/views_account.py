"""Log-in lock-out page (django-axes) and the page where staff change their own password."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _


def locked_out(request, original_response=None, credentials=None, *args, **kwargs):
    """Shown instead of the log-in page while the user name or the address is locked (AXES_LOCKOUT_CALLABLE).

    Each further try during the lock-out starts the cool-off again (django-axes), so "now + cool-off" is when
    the next try may succeed.
    """
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    retry_at = timezone.localtime(timezone.now() + cool_off) if cool_off else None
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"detail": _("Too many failed log-ins."), "retry_at": retry_at}, status=429)
    context = {"retry_at": retry_at, "minutes": minutes}
    return render(request, "core/locked_out.html", context, status=429)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "core/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)  # keeps this session signed in, ends the user's others
        messages.success(self.request, _("Your password has been changed."))
        return response
