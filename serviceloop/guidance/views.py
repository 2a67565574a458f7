"""Staff pages of guidance books: the list (search, filters, paging, Excel), a shop's books, one book with its
remarks form and downloads, and the batch page (a route's or a station's books as a zip, in the background)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from serviceloop.core.background import start_export, start_work
from serviceloop.core.htmx import render_page
from serviceloop.core.paging import paginate
from serviceloop.customers.selectors import customer_get
from serviceloop.org.selectors import routes_visible_to, station_route_filters, stations_visible_to

from . import selectors
from .forms import BatchForm, RemarksForm
from .render import book_context, docx_bytes, filename, pdf_bytes
from .services import (
    FORMATS,
    guidancebook_batch,
    guidancebook_generate,
    guidancebook_remarks_save,
    may_write_books,
)


def _need_role(user):
    if not (user.is_superuser or user.role):
        raise PermissionDenied


@login_required
@require_GET
def book_list(request):
    _need_role(request.user)
    page, query = paginate(request, selectors.book_list(user=request.user, params=request.GET))
    context = {"page": page, "query": query, "target": "#books-table", "may_write": may_write_books(request.user),
               **station_route_filters(request.user, request.GET)}  # fmt: skip
    return render_page(request, "guidance/list.html", context, partial="guidance/_table.html")


@login_required
@require_GET
def book_export(request):
    _need_role(request.user)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return start_export(
        request, builder="serviceloop.guidance.export.book_sheets", filename=f"经营指导书-{stamp}.xlsx",
        title=_("Export of guidance books"),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def shop_books(request, pk):
    """A shop's books; POST generates (or refreshes) this month's book."""
    customer = customer_get(user=request.user, pk=pk)
    if request.method == "POST":
        if not may_write_books(request.user):
            raise PermissionDenied
        book = guidancebook_generate(customer=customer, actor=request.user, now=timezone.now())
        messages.success(request, _("The guidance book for %(p)s is ready.") % {"p": f"{book.period:%Y-%m}"})
        return redirect(book)
    context = {
        "customer": customer,
        "books": selectors.books_of(customer),
        "may_write": may_write_books(request.user),
    }
    return render(request, "guidance/shop.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def book_detail(request, pk):
    book = selectors.book_get(user=request.user, pk=pk)
    may_write = may_write_books(request.user)
    status = 200
    if request.method == "POST":
        if not may_write:
            raise PermissionDenied
        form = RemarksForm(request.POST)
        if form.is_valid():
            try:
                guidancebook_remarks_save(book=book, remarks=form.cleaned_data["remarks"], actor=request.user,
                                          now=timezone.now())  # fmt: skip
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("remarks", message)
            else:
                messages.success(request, _("Remarks saved. They are printed in the book."))
                return redirect(book)
        status = 400
    else:
        form = RemarksForm(initial={"remarks": book.remarks})
    context = {**book_context(book), "book": book, "form": form, "may_write": may_write}
    return render(request, "guidance/book.html", context, status=status)


def file_response(book, fmt: str) -> HttpResponse:
    from urllib.parse import quote

    if fmt not in FORMATS:
        raise Http404
    if fmt == "pdf":
        body, content_type = pdf_bytes(book), "application/pdf"
    else:
        body = docx_bytes(book)
        content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    response = HttpResponse(body, content_type=content_type)
    name = filename(book, fmt)
    response["Content-Disposition"] = f"attachment; filename=\"book.{fmt}\"; filename*=UTF-8''{quote(name)}"
    return response


@login_required
@require_GET
def book_file(request, pk, fmt):
    return file_response(selectors.book_get(user=request.user, pk=pk), fmt)


@login_required
@require_http_methods(["GET", "POST"])
def batch(request):
    """The user's routes and stations, each with a button that makes all its shops' books as one zip file."""
    if not may_write_books(request.user):
        raise PermissionDenied
    status = 200
    form = BatchForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            routes, stations = routes_visible_to(request.user), stations_visible_to(request.user)
            if (d["route"] and not routes.filter(pk=d["route"]).exists()) or (
                d["station"] and not stations.filter(pk=d["station"]).exists()
            ):
                raise Http404
            work = start_work(
                guidancebook_batch, user=request.user, title=_("Guidance books (batch)"), user_id=request.user.pk,
                route_id=d["route"], station_id=d["station"], fmt=d["fmt"],
            )  # fmt: skip
            return redirect(work)
        status = 400
    routes = routes_visible_to(request.user).select_related("station").order_by("station__name", "name")
    page, query = paginate(request, routes, size=50)
    context = {"page": page, "query": query, "form": form, "stations": stations_visible_to(request.user).order_by("name"),
               "formats": [("pdf", "PDF"), ("docx", _("Editable document"))]}  # fmt: skip
    return render(request, "guidance/batch.html", context, status=status)
