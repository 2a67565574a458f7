"""Excel files of a wave: raw answers (one row per shop) and results (one sheet per analysis)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.core.phones import phone_for

from .analysis import SEGMENTS
from .models import Answer, AnswerStatus, ItemKind, WaveTarget
from .services import questionnaire_items


def _local(moment, *, date_only: bool):
    if moment is None:
        return None
    local = timezone.localtime(moment).replace(tzinfo=None)
    return local.date() if date_only else local


def raw_answer_sheet(*, wave, user, shop_level: bool) -> tuple[list, list]:
    """One row per submitted answer in the user's scope; shop columns only where ``shop_level``."""
    items = questionnaire_items(wave.questionnaire)
    # Anonymous below the city (not shop_level): no submission time (it could be matched with a visit or a
    # reminder), and branch/station only for groups of at least ANONYMITY_MIN_N answers.
    headers = [_("answer no."), _("channel")]
    if shop_level:
        headers.append(_("submitted at"))
    headers += [_("branch"), _("station")]
    if shop_level:
        headers += [_("licence number"), _("shop name"), _("phone"), _("route")]
    columns = []
    for item in items:
        columns.append((item, "values", f"{item.code} {item.text}"))
        if item.ask_expectation:
            columns.append((item, "expectations", f"{item.code} {_('expectation')}"))
        if item.ask_importance:
            columns.append((item, "importances", f"{item.code} {_('importance')}"))
    headers += [c[2] for c in columns]
    targets = WaveTarget.objects.filter(wave=wave).visible_to(user)
    answers = (
        Answer.objects.filter(wave=wave, status=AnswerStatus.SUBMITTED, target__in=targets)
        .select_related("target__branch", "target__station", "target__route", "customer")
        # Without shop columns the rows go in the order of the random link tokens, so that the order of
        # submission (which a reader might match with the progress list) is not given away either.
        .order_by("id" if shop_level else "target__token")
    )
    rows = []
    if not shop_level:
        from collections import Counter

        from .selectors import ANONYMITY_MIN_N

        groups = Counter(answers.values_list("target__branch_id", "target__station_id"))
        branches = Counter()
        for (branch, _station), n in groups.items():
            branches[branch] += n
        if sum(groups.values()) < ANONYMITY_MIN_N:
            return headers, []  # the whole scope is too small a group: no rows at all
    for n, a in enumerate(answers.iterator(chunk_size=2000), start=1):
        row = [n, a.get_channel_display()]
        if shop_level:
            row.append(_local(a.submitted_at, date_only=False))
            row += [
                a.target.branch.name if a.target.branch else "",
                a.target.station.name if a.target.station else "",
            ]
        else:
            big_branch = branches[a.target.branch_id] >= ANONYMITY_MIN_N
            big_station = groups[(a.target.branch_id, a.target.station_id)] >= ANONYMITY_MIN_N
            row.append(a.target.branch.name if a.target.branch and big_branch else "")
            row.append(a.target.station.name if a.target.station and big_station and big_branch else "")
        if shop_level:
            row += [
                a.customer.licence_no,
                a.customer.name,
                phone_for(user, a.customer.phone),
                a.target.route.name if a.target.route else "",
            ]
        for item, field, _title in columns:
            v = getattr(a, field).get(item.code)
            row.append("、".join(v) if item.kind == ItemKind.MULTIPLE and isinstance(v, list) else v)
        rows.append(row)
    return headers, rows


def results_sheets(results: dict) -> list[tuple[str, list, list]]:
    """The analysis as tables: dimensions, items, reliability, factor loadings, drivers, segments, waves."""
    dims = results.get("dimension_titles", {})
    titles = results.get("item_titles", {})
    sheets = []

    def table(title, records, fields, labels, rename=None):
        rows = [[(rename or {}).get(f, lambda v: v)(r.get(f)) for f in fields] for r in records or []]
        sheets.append((title, labels, rows))

    dim_name = {
        "dimension": lambda v: dims.get(v, v),
        "predictor": lambda v: dims.get(v, v),
        "score": lambda v: dims.get(v, _("overall") if v == "overall" else v),
    }
    sheets.append(
        (
            _("Summary"),
            [_("answers"), _("overall index"), _("CI low"), _("CI high")],
            [[results.get("n"), results.get("overall"), *(results.get("overall_ci") or [None, None])]],
        )
    )
    table(
        _("Dimensions"),
        results.get("dimensions"),
        ["dimension", "n", "index", "sd", "ci_low", "ci_high", "weight", "expectation", "gap", "gap_p"],
        [
            _("dimension"),
            "n",
            _("index"),
            "sd",
            _("CI low"),
            _("CI high"),
            _("weight"),
            _("expectation"),
            _("gap P−E"),
            "p",
        ],
        dim_name,
    )
    table(
        _("Items"),
        results.get("items"),
        ["item", "dimension", "n", "index", "mean", "sd", "top_box", "expectation", "gap", "gap_p"],
        [
            _("item"),
            _("dimension"),
            "n",
            _("index"),
            _("mean"),
            "sd",
            _("top-2-box share"),
            _("expectation"),
            _("gap P−E"),
            "p",
        ],
        {**dim_name, "item": lambda v: f"{v} {titles.get(v, '')}"},
    )
    table(
        _("Reliability"),
        results.get("reliability"),
        ["dimension", "alpha", "standardized_alpha", "ci_low", "ci_high", "n", "n_items", "note"],
        [
            _("dimension"),
            "alpha",
            _("standardised alpha"),
            _("CI low"),
            _("CI high"),
            "n",
            _("items"),
            _("note"),
        ],
        dim_name,
    )
    table(
        _("Item-total"),
        results.get("item_total"),
        ["dimension", "item", "item_total_r", "alpha_if_deleted"],
        [_("dimension"), _("item"), _("corrected item-total r"), _("alpha if deleted")],
        dim_name,
    )
    efa = results.get("efa")
    if efa:
        table(_("Factor loadings"), efa["loadings"], ["item", *efa["factors"]], [_("item"), *efa["factors"]])
    drivers = results.get("drivers")
    if drivers:
        table(
            _("Drivers"),
            drivers["table"],
            [
                "predictor",
                "pearson_r",
                "beta",
                "p_value",
                "importance",
                "performance",
                "quadrant",
                "priority",
            ],
            [
                _("dimension"),
                "r",
                "beta",
                "p",
                _("importance"),
                _("performance"),
                _("quadrant"),
                _("priority"),
            ],
            dim_name,
        )
    seg_fields = ["segment", "n", "small", "overall", "overall_ci_low", "overall_ci_high", *dims]
    table(
        f"{_('Segments')} {SEGMENTS.get(results.get('segment'), '')}",
        results.get("segments"),
        seg_fields,
        [
            _("segment"),
            "n",
            _("small group"),
            _("overall"),
            _("CI low"),
            _("CI high"),
            *[dims[d] for d in dims],
        ],
    )
    cmp = results.get("compare")
    if cmp:
        table(
            _("Wave comparison"),
            cmp["table"],
            [
                "score",
                "n_a",
                "n_b",
                "mean_a",
                "mean_b",
                "diff",
                "ci_low",
                "ci_high",
                "p_value",
                "p_adjusted",
                "significant",
            ],
            [
                _("score"),
                "n A",
                "n B",
                _("previous"),
                _("this wave"),
                _("change"),
                _("CI low"),
                _("CI high"),
                "p",
                _("p (Holm)"),
                _("significant"),
            ],
            dim_name,
        )
    return sheets
