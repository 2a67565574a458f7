def navigation(request):
    """Exposes the user's role-based menu to every template."""
    from .nav import menu_for

    user = getattr(request, "user", None)
    return {"nav_menu": menu_for(user) if user is not None and user.is_authenticated else []}


def csp_nonce(request):
    """``{{ csp_nonce }}`` for inline ``<script>`` blocks (django-csp adds it to the page's policy when used)."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
