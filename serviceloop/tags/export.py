"""The customer-tag list as a spreadsheet, written in the background (``core.background.start_export``): one row per
tag on a shop, so a city's list grows with its shops and with every month of tagging. The builder reads the list
page's own scoped selector with the page's filters, 2,000 rows at a time."""

from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.core.background import exportable

from . import selectors


def _tag_count(user, params) -> int:
    return selectors.customertag_list(user=user, params=params, now=timezone.now()).count()


@exportable(count=_tag_count)
def tag_sheets(user, params):
    now = timezone.now()
    qs = selectors.customertag_list(user=user, params=params, now=now)
    headers = [_("licence number"), _("shop name"), _("station"), _("route"), _("tag"), _("status"), _("why"),
               _("attached by"), _("attached at"), _("due at"), _("overdue")]  # fmt: skip
    yes, no = _("yes"), _("no")
    rows = (
        [t.customer.licence_no, t.customer.name, t.customer.station.name, t.customer.route.name, t.tag.name,
         t.get_status_display(), t.reason, str(t.attached_by or ""),
         timezone.localtime(t.attached_at).strftime("%Y-%m-%d %H:%M"),
         timezone.localtime(t.due_at).strftime("%Y-%m-%d %H:%M"), yes if t.is_overdue(now) else no]
        for t in qs.iterator(chunk_size=2000)
    )  # fmt: skip
    return [(_("customer tags"), headers, rows)]
