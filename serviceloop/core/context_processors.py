def navigation(request):
    """Exposes the user's role-based menu to every template."""
    from .nav import menu_for

    user = getattr(request, "user", None)
    return {"nav_menu": menu_for(user) if user is not None and user.is_authenticated else []}
