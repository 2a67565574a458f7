"""The rectification list and the risk register as spreadsheets, written in the background
(``core.background.start_export``): both lists grow with the city's inspections, month after month. Each builder reads
the page's own scoped selector with the page's filters, 2,000 rows at a time."""

from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.core.background import exportable

from . import selectors


@exportable(listed=selectors.rectification_list)
def rectification_sheets(user, params):
    qs = selectors.rectification_list(user=user, params=params)
    headers = [_("station"), _("what to rectify"), _("owner"), _("deadline"), _("status"), _("inspector"),
               _("severity"), _("created at")]  # fmt: skip
    rows = ([r.station.name, r.task, str(r.owner), r.deadline, r.get_status_display(), str(r.record.inspector),
             r.record.get_severity_display(), timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M")]
            for r in qs.iterator(chunk_size=2000))  # fmt: skip
    return [(_("rectifications"), headers, rows)]


@exportable(listed=selectors.risk_list)
def risk_sheets(user, params):
    qs = selectors.risk_list(user=user, params=params)
    headers = [_("reference"), _("level"), _("unit"), _("risk"), _("raised by"), _("owner"), _("measures"),
               _("deadline"), _("status"), _("review"), _("raised at")]  # fmt: skip
    rows = ([r.reference, r.get_level_display(), str(r.unit or _("The whole city")), r.title, r.get_cause_display(),
             str(r.owner or ""), r.measures, r.deadline, r.get_status_display(), r.review,
             timezone.localtime(r.raised_at).strftime("%Y-%m-%d")]
            for r in qs.iterator(chunk_size=2000))  # fmt: skip
    return [(_("risk register"), headers, rows)]
