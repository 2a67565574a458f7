"""The visit lists as spreadsheets, written in the background (``core.background.start_export``): a city's year of
visits is hundreds of thousands of rows, and the compliance table counts every manager's month."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from serviceloop.core.background import WorkFailed, exportable

from . import selectors
from .models import KeyList


@exportable(listed=selectors.visit_list)
def visit_sheets(user, params):
    """The visit list as filtered on its page, streamed in chunks of 2,000."""
    qs = selectors.visit_list(user=user, params=params)
    headers = [_("planned for"), _("shop name"), _("route"), _("account manager"), _("status"), pgettext("visit", "outcome"),
               _("checked in"), _("checked out"), _("minutes"), _("notes")]  # fmt: skip

    def hour(moment):
        return moment and timezone.localtime(moment).strftime("%H:%M")

    rows = ([v.planned_on, v.customer.name, v.route.name, str(v.manager), v.get_status_display(),
             v.get_outcome_display(), hour(v.check_in_at), hour(v.check_out_at), v.minutes, v.notes]
            for v in qs.iterator(chunk_size=2000))  # fmt: skip
    return [(_("visits"), headers, rows)]


@exportable()
def compliance_sheets(user, params):
    """The month's compliance by manager (or by route: ``by=route``), every row of the user's scope."""
    today = timezone.localdate()
    first, last = selectors.month_bounds(params.get("month"), today)
    by = "route" if params.get("by") == "route" else "manager"
    keys = selectors.compliance_keys(user=user, first=first, by=by)
    rows = selectors.compliance(user=user, first=first, last=last, by=by, today=today, keys=keys)
    headers = [_("name"), _("planned this month"), _("due to date"), _("done"), _("visited"),
               _("shorter than the minimum"), _("completion rate to date")]  # fmt: skip
    data = ([r.name, r.planned, r.due, r.done, r.visited, r.short, r.rate] for r in rows)
    return [(_("visit compliance"), headers, data)]


@exportable()
def keylist_sheets(user, params):
    """One key-customer list (``list``), filtered by ``q`` as on its page."""
    key = params.get("list")
    if key not in KeyList.values:
        raise WorkFailed(_("Choose a key-customer list first."))
    qs = selectors.keylist_entries(user=user, key_list=key, q=params.get("q", ""))
    headers = [_("licence number"), _("shop name"), _("station"), _("route"), _("account manager"),
               _("listed since"), _("reason")]  # fmt: skip
    rows = ([e.customer.licence_no, e.customer.name, e.customer.station.name, e.customer.route.name,
             str(e.customer.route.account_manager or ""), e.since, e.reason] for e in qs.iterator(chunk_size=2000))  # fmt: skip
    return [(str(KeyList(key).label), headers, rows)]
