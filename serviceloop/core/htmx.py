from django.shortcuts import render


def render_page(request, template: str, context: dict, *, partial: str | None = None):
    """The whole page, or only ``partial`` when HTMX asks for a fragment (search as you type, paging)."""
    if partial and getattr(request, "htmx", False) and not request.htmx.boosted:
        return render(request, partial, context)
    return render(request, template, context)
