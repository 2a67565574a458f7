from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from serviceloop.core.paging import paginate

from . import selectors, services
from .forms import RaterForm, RatingForm, RevieweeForm, RoundForm
from .models import CRITERIA, ReviewRound, RoundStatus


def _manager_only(user):
    if not services.may_manage_rounds(user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def rounds(request):
    _manager_only(request.user)
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rnd = services.round_create(data=form.cleaned_data, actor=request.user, now=timezone.now())
        except ValidationError as exc:
            for e in exc.messages:
                form.add_error(None, e)
        else:
            messages.success(request, _("Review round created. Add the account managers to review."))
            return redirect("reviews:round", pk=rnd.pk)
    page, query = paginate(request, selectors.round_list())
    return render(request, "reviews/rounds.html", {"page": page, "query": query, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def round_detail(request, pk):
    _manager_only(request.user)
    rnd = get_object_or_404(ReviewRound, pk=pk)
    step, now = request.POST.get("step"), timezone.now()
    add_form = RevieweeForm(request.POST if step == "reviewee" else None, prefix="add")
    rater_form = RaterForm(request.POST if step == "rater" else None, rnd=rnd, prefix="rater")
    if request.method == "POST":
        try:
            if step == "reviewee" and add_form.is_valid():
                services.reviewee_add(
                    rnd=rnd, manager=add_form.cleaned_data["manager"], actor=request.user, now=now
                )
                return redirect("reviews:round", pk=rnd.pk)
            if step == "rater" and rater_form.is_valid():
                d = rater_form.cleaned_data
                services.rater_add(reviewee=d["reviewee"], user=d["user"], relation=d["relation"], actor=request.user,
                                   now=now)  # fmt: skip
                return redirect("reviews:round", pk=rnd.pk)
            if step == "transition":
                services.round_transition(rnd=rnd, actor=request.user, now=now)
                messages.success(request, _("Saved."))
                return redirect("reviews:round", pk=rnd.pk)
        except ValidationError as exc:
            for e in exc.messages:
                messages.error(request, e)
    reviewees = [(r, selectors.results(r)) for r in selectors.round_reviewees(rnd)]
    context = {"rnd": rnd, "reviewees": reviewees, "add_form": add_form, "rater_form": rater_form,
               "criteria": CRITERIA, "draft": rnd.status == RoundStatus.DRAFT,
               "closed": rnd.status == RoundStatus.CLOSED}  # fmt: skip
    return render(request, "reviews/round.html", context)


@login_required
@require_GET
def rate_list(request):
    return render(request, "reviews/rate_list.html", {"raters": selectors.pending_ratings(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def rate(request, pk):
    rater = selectors.rater_get(user=request.user, pk=pk)
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        scores = {k: form.cleaned_data[k] for k, _l in CRITERIA}
        try:
            services.rating_submit(rater=rater, scores=scores, comment=form.cleaned_data["comment"],
                                   actor=request.user, now=timezone.now())  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Thank you: your rating is saved, anonymously."))
        return redirect("reviews:rate-list")
    return render(request, "reviews/rate.html", {"rater": rater, "form": form})


@login_required
@require_GET
def mine(request):
    return render(
        request, "reviews/mine.html", {"rows": selectors.my_results(request.user), "criteria": CRITERIA}
    )
