"""Reads of trainings. Every read starts from ``TrainingSession.objects.visible_to(user)`` (or the customers the
user may see), so no view filters by hand."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from serviceloop.core.params import date_param, id_param
from serviceloop.customers.models import Customer, CustomerStatus
from serviceloop.org.models import Station
from serviceloop.org.selectors import stations_visible_to
from serviceloop.tags.models import CustomerTag, TagStatus

from .filters import InviteFilter
from .models import Invitation, SessionStatus, TrainingSession, TrainingTopic

SEARCH_MAX = 100


def session_list(*, user, params):
    """The sessions the user may see, filtered as the list page, its export and the API ask, with the number of
    invited and attended shops."""
    qs = TrainingSession.objects.visible_to(user).select_related("topic", "trainer", "branch", "station")
    q = (params.get("q") or "").strip()[:SEARCH_MAX]
    if q:
        qs = qs.filter(Q(place__icontains=q) | Q(topic__name__icontains=q) | Q(trainer__full_name__icontains=q)
                       | Q(notes__icontains=q))  # fmt: skip
    status = params.get("status")
    if status in SessionStatus.values:
        qs = qs.filter(status=status)
    for name in ("topic", "branch", "station"):
        pk = id_param(params.get(name))
        if pk is not None:
            qs = qs.filter(**{f"{name}_id": pk})
    start, end = date_param(params.get("from")), date_param(params.get("to"))
    if start:
        qs = qs.filter(starts_at__date__gte=start)
    if end:
        qs = qs.filter(starts_at__date__lte=end)
    if params.get("mine") == "1":
        qs = qs.filter(trainer=user)
    return qs.annotate(
        n_invited=Count("invitations", distinct=True),
        n_attended=Count("invitations", filter=Q(invitations__attended_at__isnull=False), distinct=True),
    ).order_by("-starts_at", "-id")


def session_get(*, user, pk) -> TrainingSession:
    """A session the user may see, or 404 (never 403: ids of other units' sessions are not confirmed)."""
    return get_object_or_404(
        TrainingSession.objects.visible_to(user).select_related(
            "topic", "trainer", "branch", "station", "wave"
        ),
        pk=pk,
    )


def session_invitations(*, session, params=None):
    params = params or {}
    qs = session.invitations.select_related("customer", "station", "checked_in_by").order_by(
        "customer__licence_no"
    )
    q = (params.get("q") or "").strip()[:SEARCH_MAX]
    if q:
        qs = qs.filter(Q(customer__name__icontains=q) | Q(customer__licence_no__startswith=q)
                       | Q(customer__owner_name__icontains=q))  # fmt: skip
    if params.get("attended") == "1":
        qs = qs.filter(attended_at__isnull=False)
    elif params.get("attended") == "0":
        qs = qs.filter(attended_at__isnull=True)
    return qs


def invite_candidates(*, session, user, params):
    """(filter set, shops in order) for the invitation form: active shops of the session's unit that the user
    may see, not invited yet; shops carrying one of the topic's problem tags come first."""
    base = Customer.objects.visible_to(user).filter(status=CustomerStatus.ACTIVE, branch_id=session.branch_id)
    if session.station_id:
        base = base.filter(station_id=session.station_id)
    base = base.exclude(training_invitations__session=session)
    filterset = InviteFilter(params, queryset=base, user=user)
    if not filterset.is_valid():
        return filterset, base.none()
    tag_ids = list(session.topic.tags.values_list("pk", flat=True))
    matching = CustomerTag.objects.filter(customer=OuterRef("pk"), tag_id__in=tag_ids,
                                          status__in=[TagStatus.ATTACHED, TagStatus.SENT_BACK])  # fmt: skip
    qs = filterset.qs.annotate(has_topic_tag=Exists(matching)).order_by("-has_topic_tag", "licence_no")
    return filterset, qs


def topics(*, active_only=False):
    qs = TrainingTopic.objects.prefetch_related("tags").annotate(n_sessions=Count("sessions"))
    return qs.filter(active=True) if active_only else qs


# --- effect on tags --------------------------------------------------------------------------------------------
@dataclass
class EffectGroup:
    shops: int = 0  # invited shops in the group
    shops_tagged: int = 0  # of those, shops with a matching tag live at the session's start
    tags: int = 0  # matching tags live at the start
    removed: int = 0  # of those, removed (or removed and verified) after the start

    @property
    def rate(self) -> float | None:
        return self.removed / self.tags if self.tags else None


@dataclass
class Effect:
    attended: EffectGroup = field(default_factory=EffectGroup)
    absent: EffectGroup = field(default_factory=EffectGroup)

    @property
    def difference(self) -> float | None:
        """Percentage points by which attendees' tags were removed more often than absentees'."""
        if self.attended.rate is None or self.absent.rate is None:
            return None
        return self.attended.rate - self.absent.rate


def tag_effect(invitations, *, now) -> Effect:
    """Whether invited shops' matching tags (the session topic's problem tags, live when the session started)
    were removed afterwards (up to ``now``), for the shops that attended and those invited who did not.

    Three queries whatever the number of sessions: invitations, topic tags, the shops' tags."""
    rows = list(invitations.values_list("session_id", "customer_id", "attended_at", "session__starts_at",
                                        "session__topic_id"))  # fmt: skip
    effect = Effect()
    if not rows:
        return effect
    topic_ids = {r[4] for r in rows}
    topic_tags = defaultdict(set)
    for topic_id, tag_id in TrainingTopic.tags.through.objects.filter(
        trainingtopic_id__in=topic_ids
    ).values_list("trainingtopic_id", "problemtag_id"):
        topic_tags[topic_id].add(tag_id)
    all_tags = set().union(*topic_tags.values()) if topic_tags else set()
    latest_start = max(r[3] for r in rows)
    by_shop = defaultdict(list)
    if all_tags:
        shop_ids = {r[1] for r in rows}
        ctags = CustomerTag.objects.filter(tag_id__in=all_tags, attached_at__lt=latest_start)
        # Chunks keep the IN lists within SQLite's limits on city-wide pages.
        shop_list = sorted(shop_ids)
        for i in range(0, len(shop_list), 5000):
            chunk = ctags.filter(customer_id__in=shop_list[i : i + 5000])
            for c in chunk.values_list("customer_id", "tag_id", "status", "attached_at", "removed_at"):
                by_shop[c[0]].append(c[1:])
    for _session, shop, attended_at, start, topic_id in rows:
        group = effect.attended if attended_at is not None else effect.absent
        group.shops += 1
        wanted = topic_tags.get(topic_id, set())
        live = [t for t in by_shop.get(shop, ()) if t[0] in wanted and t[2] < start
                and (t[3] is None or t[3] >= start or t[1] in (TagStatus.ATTACHED, TagStatus.SENT_BACK))]  # fmt: skip
        if not live:
            continue
        group.shops_tagged += 1
        group.tags += len(live)
        group.removed += sum(1 for t in live if t[1] in (TagStatus.REMOVED, TagStatus.VERIFIED)
                             and t[3] is not None and start <= t[3] <= now)  # fmt: skip
    return effect


# --- coverage by station ---------------------------------------------------------------------------------------
def coverage_year(params, *, now) -> int:
    year = id_param(params.get("year"))
    return year if year and 2000 <= year <= 2100 else timezone.localdate(now).year


def coverage_sessions(*, user, params, now):
    """The sessions the coverage page counts: held or closed, starting in the chosen year, in the user's scope."""
    year = coverage_year(params, now=now)
    qs = TrainingSession.objects.visible_to(user).filter(
        status__in=[SessionStatus.HELD, SessionStatus.CLOSED], starts_at__year=year
    )
    topic = id_param(params.get("topic"))
    if topic is not None:
        qs = qs.filter(topic_id=topic)
    return qs


def coverage_stations(*, user, params):
    qs = stations_visible_to(user).select_related("branch").order_by("branch__name", "name")
    branch, station = id_param(params.get("branch")), id_param(params.get("station"))
    if branch is not None:
        qs = qs.filter(branch_id=branch)
    if station is not None:
        qs = qs.filter(pk=station)
    return qs


@dataclass
class CoverageRow:
    station: Station
    shops: int
    invited: int
    attended: int
    trained_shops: int

    @property
    def coverage(self) -> float | None:
        return self.trained_shops / self.shops if self.shops else None

    @property
    def attendance(self) -> float | None:
        return self.attended / self.invited if self.invited else None


def coverage(*, user, params, now) -> tuple[list[CoverageRow], CoverageRow | None]:
    """Per station: active shops, invitations and attendances in the year's held sessions, and the share of the
    station's shops trained at least once this year. Four queries whatever the number of stations."""
    stations = list(coverage_stations(user=user, params=params))
    ids = [s.pk for s in stations]
    shops = dict(Customer.objects.filter(station_id__in=ids, status=CustomerStatus.ACTIVE).values("station_id")
                 .annotate(n=Count("pk")).values_list("station_id", "n"))  # fmt: skip
    sessions = coverage_sessions(user=user, params=params, now=now)
    inv = Invitation.objects.filter(session__in=sessions, station_id__in=ids)
    counts = {r["station_id"]: r for r in inv.values("station_id").annotate(
        invited=Count("pk"), attended=Count("pk", filter=Q(attended_at__isnull=False)),
        trained=Count("customer_id", filter=Q(attended_at__isnull=False), distinct=True))}  # fmt: skip
    rows = []
    for s in stations:
        c = counts.get(s.pk, {})
        rows.append(CoverageRow(station=s, shops=shops.get(s.pk, 0), invited=c.get("invited", 0),
                                attended=c.get("attended", 0), trained_shops=c.get("trained", 0)))  # fmt: skip
    if not rows:
        return rows, None
    total = CoverageRow(station=None, shops=sum(r.shops for r in rows), invited=sum(r.invited for r in rows),
                        attended=sum(r.attended for r in rows), trained_shops=sum(r.trained_shops for r in rows))  # fmt: skip
    return rows, total


def coverage_invitations(*, user, params, now):
    """The invitations behind the coverage page's effect figures (same sessions and stations)."""
    stations = coverage_stations(user=user, params=params)
    return Invitation.objects.filter(session__in=coverage_sessions(user=user, params=params, now=now),
                                     station__in=stations)  # fmt: skip
