"""The work ledger as rows for Excel: milestones, owners, handling and follow-up, in bounded queries."""

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.core.phones import phone_for

from .models import FollowUp, HandlingReport, MilestoneKind, RequestMilestone

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
                sr.get_channel_display(),
                sr.get_kind_display(),
                sr.category.name,
                sr.get_urgency_display(),
                sr.get_complexity_display(),
                sr.shop.name if sr.shop_id else "",
                sr.shop.licence_no if sr.shop_id else "",
                sr.branch.name if sr.branch_id else "",
                sr.station.name if sr.station_id else "",
                sr.route.name if sr.route_id else "",
                sr.text,
                phone_for(user, sr.callback_phone),
                sr.get_status_display(),
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
                sr.get_closure_display(),
                sr.closure_reason,
                sr.reopen_count,
                public_url(sr.live_tracking[0]) if sr.live_tracking else "",
            ]
            yield row

    return headers, rows()
