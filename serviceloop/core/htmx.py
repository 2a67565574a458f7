from django.shortcuts import render


def render_page(request, template: str, context: dict, *, partial: str | None = None):
    """The whole page, or only ``partial`` when HTMX asks for a fragment (search as you type, paging). A fragment
    is drawn with ``fragment`` true, so it can send parts of the page around it out of band (a route filter)."""
    if partial and getattr(request, "htmx", False) and not request.htmx.boosted:
        return render(request, partial, {**context, "fragment": True})
    return render(request, template, context)
