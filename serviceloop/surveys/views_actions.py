"""Acting on low scores: a rule (dimension below a threshold) or one click per shop → tag or request."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from serviceloop.core.htmx import render_page
from serviceloop.core.paging import query_without
from serviceloop.core.params import id_param
from serviceloop.core.xlsx import xlsx_response
from serviceloop.customers.models import Customer

from . import selectors
from .actions import low_scores, lowscore_act, may_act
from .models import ActionKind, LowScoreAction

DEFAULT_THRESHOLD = 60.0


def _threshold(raw) -> float | None:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if 0 <= value <= 100 else None


@login_required
@require_http_methods(["GET", "POST"])
def low_score_page(request, pk):
    if not may_act(request.user):
        raise PermissionDenied
    wave = selectors.wave_get(user=request.user, pk=pk)
    from serviceloop.analytics.survey import OVERALL

    dimensions = [(OVERALL, _("overall"))] + list(
        wave.questionnaire.sections.filter(items__kind="likert", items__is_overall=False)
        .distinct()
        .order_by("order")
        .values_list("code", "title")
    )
    source = request.POST if request.method == "POST" else request.GET
    dimension = source.get("dimension", OVERALL)
    if dimension not in dict(dimensions):
        dimension = OVERALL
    threshold = _threshold(source.get("threshold", DEFAULT_THRESHOLD))
    from serviceloop.tags.models import ProblemTag

    tags = ProblemTag.objects.filter(active=True).select_related("strategy").order_by("category", "name")
    if request.method == "POST":
        tag = tags.filter(pk=id_param(source.get("tag"))).first()  # pk=None matches nothing
        ids = source.getlist("customer") or None
        try:
            if threshold is None:
                raise ValidationError(_("The threshold is a score from 0 to 100."))
            acted, skipped = lowscore_act(
                wave=wave,
                dimension=dimension,
                threshold=threshold,
                kind=source.get("kind", ""),
                tag=tag,
                customer_ids=ids,
                actor=request.user,
                now=timezone.now(),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(n)d shops acted on; %(s)d skipped (acted on or tagged already).")
                % {"n": acted, "s": skipped},
            )
        return redirect(f"{request.path}?dimension={dimension}&threshold={threshold or DEFAULT_THRESHOLD:g}")
    error, rows = "", []
    if threshold is None:
        error = _("The threshold is a score from 0 to 100.")
    else:
        try:
            low = low_scores(wave=wave, user=request.user, dimension=dimension, threshold=threshold)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            rows = list(low[dimension].items()) if not low.empty else []
    if request.GET.get("export") and rows:
        shops_all = Customer.objects.select_related("station", "route").in_bulk([i for i, _s in rows])
        return xlsx_response(
            filename=f"{wave.name}-{_('low scores')}.xlsx",
            sheet_title=_("low scores"),
            headers=[_("licence number"), _("shop name"), _("station"), _("route"), _("score")],
            rows=(
                [
                    shops_all[i].licence_no,
                    shops_all[i].name,
                    shops_all[i].station.name,
                    shops_all[i].route.name,
                    round(float(score), 1),
                ]
                for i, score in rows
                if i in shops_all
            ),
        )
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    shops = Customer.objects.select_related("station", "route").in_bulk([i for i, _s in page])
    done = {
        (c, k)
        for c, k in LowScoreAction.objects.filter(
            wave=wave, dimension=dimension, customer_id__in=[i for i, _s in page]
        ).values_list("customer_id", "kind")
    }
    return render_page(
        request,
        "surveys/low_scores.html",
        {
            "wave": wave,
            "dimensions": dimensions,
            "dimension": dimension,
            "threshold": threshold,
            "error": error,
            "page": page,
            "query": query_without(request),
            "total": len(rows),
            "tags": tags,
            "kinds": ActionKind.choices,
            "items": [
                {
                    "shop": shops.get(i),
                    "score": s,
                    "tagged": (i, "tag") in done,
                    "requested": (i, "request") in done,
                }
                for i, s in page
            ],
        },
        partial="surveys/_low_table.html",
    )
