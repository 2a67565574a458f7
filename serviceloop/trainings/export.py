"""Excel exports of trainings (background work with progress, as the customer list's)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.core.background import exportable

from . import selectors


@exportable(listed=selectors.session_list)
def session_sheets(user, params):
    qs = selectors.session_list(user=user, params=params)
    headers = [_("topic"), _("starts at"), _("ends at"), _("place"), _("branch"), _("station"), _("trainer"),
               _("capacity (shops)"), _("invited"), _("attended"), _("status")]  # fmt: skip

    def rows():
        for s in qs.iterator(chunk_size=2000):
            yield [s.topic.name, timezone.localtime(s.starts_at).replace(tzinfo=None),
                   timezone.localtime(s.ends_at).replace(tzinfo=None), s.place, s.branch.name,
                   s.station.name if s.station else "", str(s.trainer), s.capacity, s.n_invited, s.n_attended,
                   s.get_status_display()]  # fmt: skip

    return [(_("trainings"), headers, rows())]


def _pct(value):
    return round(value * 100, 1) if value is not None else ""


@exportable(listed=selectors.coverage_stations)
def coverage_sheets(user, params):
    now = timezone.now()
    rows, total = selectors.coverage(user=user, params=params, now=now)
    headers = [_("branch"), _("station"), _("active shops"), _("invitations"), _("attendances"),
               _("attendance rate (%)"), _("shops trained this year"), _("coverage (%)")]  # fmt: skip

    def lines():
        for r in [*rows, *([total] if total else [])]:
            yield [r.station.branch.name if r.station else _("Total"), r.station.name if r.station else "",
                   r.shops, r.invited, r.attended, _pct(r.attendance), r.trained_shops, _pct(r.coverage)]  # fmt: skip

    effect = selectors.tag_effect(selectors.coverage_invitations(user=user, params=params, now=now), now=now)
    effect_headers = [_("group"), _("invited shops"), _("shops with matching tags"), _("matching tags"),
                      _("removed afterwards"), _("removal rate (%)")]  # fmt: skip
    effect_rows = [[label, g.shops, g.shops_tagged, g.tags, g.removed, _pct(g.rate)]
                   for label, g in ((_("attended"), effect.attended), (_("invited, did not attend"), effect.absent))]  # fmt: skip
    year = selectors.coverage_year(params, now=now)
    return [(_("coverage %(year)d") % {"year": year}, headers, lines()),
            (_("effect on tags"), effect_headers, effect_rows)]  # fmt: skip
