from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from serviceloop.core.background import start_export
from serviceloop.core.files import file_response
from serviceloop.core.htmx import render_page
from serviceloop.core.paging import query_without
from serviceloop.core.params import id_param
from serviceloop.core.xlsx import xlsx_response
from serviceloop.customers.selectors import customer_get, customer_list
from serviceloop.org.selectors import route_options, stations_visible_to

from . import selectors, services
from .forms import AttachForm, BulkAttachForm, LibraryForm, TransitionForm
from .models import CustomerTagEvent, ProblemTag, TagAction, TagStatus

PAGE_SIZE = 30


def _errors(exc: ValidationError) -> list[str]:
    return exc.messages


def _query(request) -> str:
    return query_without(request)


@login_required
@require_GET
def tag_list(request):
    now = timezone.now()
    qs = selectors.customertag_list(user=request.user, params=request.GET, now=now)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.customertag_counts(user=request.user, now=now)
    samples = request.user.is_superuser or (
        request.user.role in ("branch_manager", "city_admin", "supervisor")
        and request.user.unit_level != "station"
    )
    context = {"page": page, "query": _query(request), "now": now, "statuses": TagStatus.choices, "counts": counts,
               "samples": samples,
               "tags": ProblemTag.objects.order_by("name"), "stations": stations_visible_to(request.user)}  # fmt: skip
    return render_page(request, "tags/list.html", context, partial="tags/_table.html")


@login_required
@require_GET
def tag_export(request):
    # One row per tag on a shop: a city's list grows with its shops and months, so it is written in the background.
    return start_export(request, builder="serviceloop.tags.export.tag_sheets", filename=f"{_('customer tags')}.xlsx",
                        title=_("Export of %(list)s") % {"list": _("customer tags")})  # fmt: skip


VERBS = {
    TagAction.REMOVE: gettext_lazy("Remove the tag"),
    TagAction.VERIFY: gettext_lazy("Pass"),
    TagAction.SEND_BACK: gettext_lazy("Send back"),
    TagAction.SAMPLE_PASS: gettext_lazy("Confirm in sampling"),
    TagAction.OVERTURN: gettext_lazy("Overturn"),
}
ACTIONS = [
    (TagAction.REMOVE, services.may_remove),
    (TagAction.VERIFY, services.may_verify),
    (TagAction.SEND_BACK, services.may_verify),
    (TagAction.SAMPLE_PASS, services.may_sample),
    (TagAction.OVERTURN, services.may_sample),
]


@login_required
@require_http_methods(["GET", "POST"])
def tag_detail(request, pk):
    from .models import TRANSITIONS

    ctag = selectors.customertag_get(user=request.user, pk=pk)
    steps = ctag.tag.strategy.steps
    allowed = [a for a, check in ACTIONS if (a, ctag.status) in TRANSITIONS and check(request.user, ctag)]
    form = TransitionForm(request.POST or None, request.FILES or None, steps=steps)
    if TagAction.REMOVE not in allowed:  # the steps and the evidence belong to removing the tag only
        del form.fields["steps"], form.fields["evidence"]
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in allowed:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.customertag_transition(ctag=ctag, action=action, actor=request.user, now=timezone.now(),
                                                note=d["note"], steps=d.get("steps", ()),
                                                evidence=d.get("evidence", ""),
                                                photo=d["photo"])  # fmt: skip
            except ValidationError as exc:
                for e in _errors(exc):
                    form.add_error(None, e)
            else:
                messages.success(request, _("Saved."))
                return redirect("tags:detail", pk=ctag.pk)
    context = {"ctag": ctag, "form": form, "allowed": allowed, "steps": steps, "now": timezone.now(),
               "events": ctag.events.select_related("actor"),
               "buttons": [(a.value, VERBS[a]) for a in allowed]}  # fmt: skip
    return render(request, "tags/detail.html", context)


@login_required
@require_GET
def tag_photo(request, pk):
    """The photo taken when the tag was attached, only for those who may see the tag."""
    return file_response(selectors.customertag_get(user=request.user, pk=pk).photo)


@login_required
@require_GET
def event_photo(request, pk):
    """The photo of one step of a tag (removal, sending back…), only for those who may see the tag."""
    event = get_object_or_404(CustomerTagEvent, pk=pk)
    selectors.customertag_get(user=request.user, pk=event.customer_tag_id)
    return file_response(event.photo)


@login_required
@require_http_methods(["GET", "POST"])
def tag_attach(request, customer_pk):
    customer = customer_get(user=request.user, pk=customer_pk)
    if not services.may_attach(request.user, customer):
        raise PermissionDenied
    visit = None
    if (visit_pk := id_param(request.GET.get("visit"))) is not None:
        from serviceloop.visits.selectors import visit_get

        visit = visit_get(user=request.user, pk=visit_pk)
        if visit.customer_id != customer.pk:
            raise PermissionDenied
    form = AttachForm(
        request.POST or None, request.FILES or None, initial={"source": "visit" if visit else "data"}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            ctag = services.customertag_attach(customer=customer, tag=d["tag"], source=d["source"], reason=d["reason"],
                                               evidence=d["evidence"], photo=d["photo"], actor=request.user,
                                               now=timezone.now(), visit=visit)  # fmt: skip
        except ValidationError as exc:
            for e in _errors(exc):
                form.add_error(None, e)
        else:
            messages.success(request, _("Tag attached: %(tag)s") % {"tag": ctag.tag.name})
            return (
                redirect("visits:record", pk=visit.pk)
                if visit
                else redirect("customers:detail", pk=customer.pk)
            )
    return render(request, "tags/attach.html", {"form": form, "customer": customer, "visit": visit})


@login_required
@require_http_methods(["GET", "POST"])
def tag_bulk_attach(request):
    """All shops matching the customer-list filter (the query string), after a confirmation showing the count."""
    if not services.may_bulk_attach(request.user):
        raise PermissionDenied
    params = request.GET
    filterset, shops = customer_list(user=request.user, params=params)
    count = shops.count()
    form = BulkAttachForm(request.POST or None, initial={"expected": count, "source": "data"})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if d["expected"] != count:
            form.add_error(None, _("The number of matching shops changed (now %(n)d). Check and confirm again.")
                           % {"n": count})  # fmt: skip
        else:
            try:
                made, skipped = services.customertags_attach_bulk(customers=shops, tag=d["tag"], source=d["source"],
                                                                  reason=d["reason"], actor=request.user,
                                                                  now=timezone.now())  # fmt: skip
            except ValidationError as exc:
                for e in _errors(exc):
                    form.add_error(None, e)
            else:
                messages.success(request, _("Tag attached to %(made)d shops; %(skipped)d already carried it.")
                                 % {"made": made, "skipped": skipped})  # fmt: skip
                return redirect(f"{reverse('tags:list')}?tag={d['tag'].pk}")
    return render(request, "tags/bulk.html", {"form": form, "count": count, "query": params.urlencode(),
                                              "filter": filterset, "route_options": route_options(request.user, params),
                                              "back": f"{reverse('customers:list')}?{params.urlencode()}"})  # fmt: skip


@login_required
@require_GET
def library(request):
    q = request.GET.get("q", "")
    page = Paginator(selectors.library_list(q=q), 50).get_page(request.GET.get("page"))
    return render(request, "tags/library.html", {"page": page, "query": _query(request), "q": q,
                                                 "may_edit": services.may_edit_library(request.user)})  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def library_edit(request, pk=None):
    if not services.may_edit_library(request.user):
        raise PermissionDenied
    tag = get_object_or_404(ProblemTag.objects.select_related("strategy"), pk=pk) if pk else None
    initial = {}
    if tag:
        initial = {f: getattr(tag, f) for f in services.TAG_FIELDS}
        initial.update({f: getattr(tag.strategy, f) for f in services.STRATEGY_FIELDS})
        initial["version"] = tag.version
    form = LibraryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            tag = services.library_save(tag=tag, data=data, actor=request.user, now=timezone.now(),
                                        expected_version=version)  # fmt: skip
        except ValidationError as exc:
            for e in _errors(exc):
                form.add_error(None, e)
        else:
            messages.success(request, _("Saved."))
            return redirect("tags:library")
    edits = tag.edits.select_related("actor")[:50] if tag else []
    return render(request, "tags/library_edit.html", {"form": form, "tag": tag, "edits": edits})


@login_required
@require_GET
def board(request):
    group = (
        request.GET.get("group")
        if request.GET.get("group") in ("station", "strategy", "month")
        else "station"
    )
    now = timezone.now()
    chosen = selectors.board_filters(request.user, request.GET, today=timezone.localdate(now))
    date_from, date_to, station = chosen["date_from"], chosen["date_to"], chosen["station"]
    data = selectors.loop_board(user=request.user, now=now, group=group, date_from=date_from, date_to=date_to,
                                station=station)  # fmt: skip
    if request.GET.get("export") == "1":
        headers = [_("group"), _("Attached"), _("Removed"), _("Verified"), _("Sent back"), _("Overdue"),
                   _("hours to remove (median)"), _("hours to verify (median)")]  # fmt: skip
        rows = [[r["key"], r["attached"], r["removed"], r["verified"], r["sent_back"], r["overdue"],
                 r["hours_to_remove"], r["hours_to_verify"]] for r in data["rows"]]  # fmt: skip
        span = f"{date_from or _('All')}~{date_to or timezone.localdate(now)}"  # the file says what it covers
        return xlsx_response(filename=f"{_('tag loop board')} {span}.xlsx", sheet_title=_("tag loop board"),
                             headers=headers, rows=rows)  # fmt: skip
    chart = {
        "labels": [r["key"] for r in data["rows"]],
        "series": {str(_(label)): [r[k] for r in data["rows"]] for k, label in
                   (("attached", "Attached"), ("removed", "Removed"), ("verified", "Verified"),
                    ("sent_back", "Sent back"), ("overdue", "Overdue"))},
    }  # fmt: skip
    context = {
        "data": data, "group": group, "chart": chart, "date_from": date_from, "date_to": date_to,
        "reversed_period": bool(date_from and date_to and date_from > date_to),
        "stations": chosen["stations"],
        # the same filters under another grouping, in the export and in the overdue link (its station only)
        "filters": query_without(request, "group", "export"),
        "overdue_query": f"overdue=1&station={station}" if station is not None else "overdue=1",
    }  # fmt: skip
    return render(request, "tags/board.html", context)
