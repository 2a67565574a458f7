"""The work ledger as rows for Excel: milestones, owners, handling and follow-up, in bounded queries.

A city's year is ~40,000 requests, so the export is written in the background (``core.background.start_export``):
``ledger_sheets`` reads the ledger's own scoped, filtered selector and streams it 2,000 requests at a time."""

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.core.background import exportable
from serviceloop.core.phones import phone_for

from . import filters
from .models import FollowUp, HandlingReport, MilestoneKind, RequestMilestone, ServiceRequest

MILESTONES = [MilestoneKind.ACKNOWLEDGE, MilestoneKind.ANSWER, MilestoneKind.PLAN, MilestoneKind.RESOLVE]


def _t(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def ledger_rows(qs, *, user):
    headers = [
        _("reference"),
        _("filed at"),
        _("channel"),
        _("kind"),
        _("category"),
        _("urgency"),
        _("complexity"),
        _("customer"),
        _("licence number"),
        _("branch"),
        _("station"),
        _("route"),
        _("text"),
        _("callback phone"),
        _("status"),
        _("owner"),
        _("owner deadline"),
        _("acknowledged at"),
        _("resolved at"),
        _("closed at"),
    ]
    for m in MILESTONES:
        label = MilestoneKind(m).label
        headers += [f"{label} · {_('due at')}", f"{label} · {_('met at')}", f"{label} · {_('breached')}"]
    headers += [
        _("what was done"),
        _("outcome"),
        _("handler"),
        _("follow-up attempts"),
        _("satisfaction"),
        _("comment"),
        _("closure"),
        _("closure reason"),
        _("times reopened"),
        _("tracking link"),
    ]
    from serviceloop.portal.models import ShopToken, TokenPurpose  # the portal owns public links
    from serviceloop.portal.selectors import public_url

    qs = qs.select_related(
        "shop", "category", "branch", "station", "route", "owner", "handler"
    ).prefetch_related(
        Prefetch("milestones", queryset=RequestMilestone.objects.order_by("round")),
        Prefetch("reports", queryset=HandlingReport.objects.order_by("created_at", "id")),
        Prefetch("follow_ups", queryset=FollowUp.objects.order_by("at", "id")),
        Prefetch(
            "portal_tokens",
            queryset=ShopToken.objects.filter(purpose=TokenPurpose.TRACK, revoked_at__isnull=True),
            to_attr="live_tracking",
        ),
    )

    # get_FOO_display() rebuilds its choice dict and hashes every lazy label on each call: a quarter of the time of
    # 5,000 rows. The labels, translated once per export, give the same text.
    shown = {
        name: {value: str(label) for value, label in ServiceRequest._meta.get_field(name).flatchoices}
        for name in ("channel", "kind", "urgency", "complexity", "status", "closure")
    }

    def label(sr, name):
        value = getattr(sr, name)
        return shown[name].get(value, value)

    def rows():
        yes, no = _("yes"), _("no")
        for sr in qs.iterator(chunk_size=2000):
            ms = {m.milestone: m for m in sr.milestones.all()}  # the latest round wins
            reports = list(sr.reports.all())
            fus = list(sr.follow_ups.all())
            last = reports[-1] if reports else None
            reached = [f for f in fus if f.reached]
            row = [
                sr.reference,
                _t(sr.created_at),
                label(sr, "channel"),
                label(sr, "kind"),
                sr.category.name,
                label(sr, "urgency"),
                label(sr, "complexity"),
                sr.shop.name if sr.shop_id else "",
                sr.shop.licence_no if sr.shop_id else "",
                sr.branch.name if sr.branch_id else "",
                sr.station.name if sr.station_id else "",
                sr.route.name if sr.route_id else "",
                sr.text,
                phone_for(user, sr.callback_phone),
                label(sr, "status"),
                str(sr.owner or ""),
                _t(sr.owner_due_at),
                _t(sr.acknowledged_at),
                _t(sr.resolved_at),
                _t(sr.closed_at),
            ]
            for kind in MILESTONES:
                m = ms.get(kind)
                row += [_t(m.due_at), _t(m.met_at), yes if m.breached else no] if m else [None, None, ""]
            row += [
                last.actions_taken if last else "",
                last.outcome if last else "",
                str(sr.handler or ""),
                len([f for f in fus if not f.reached]) + len(reached),
                sr.satisfaction,
                reached[-1].comment if reached else "",
                label(sr, "closure"),
                sr.closure_reason,
                sr.reopen_count,
                public_url(sr.live_tracking[0]) if sr.live_tracking else "",
            ]
            yield row

    return headers, rows()


def _ledger(user, params):
    _filterset, qs = filters.servicerequest_filtered(user=user, params=params)
    return qs


@exportable(listed=_ledger)
def ledger_sheets(user, params):
    """The ledger as filtered on its page, for the user who started the export (their scope, their phones)."""
    headers, rows = ledger_rows(_ledger(user, params), user=user)
    return [(_("work ledger"), headers, rows)]
