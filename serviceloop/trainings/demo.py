"""Demo part: at four stations, a closed training two months back (most invited shops came) and one with
invitations out for next week. Bulk inserts with no actor, so ``demo_reset`` removes them with the company."""

import datetime as dt

from serviceloop.customers.models import Customer, CustomerStatus
from serviceloop.tags.models import LIVE_STATUSES, CustomerTag

from .models import Invitation, SessionEvent, SessionStatus, TrainingSession, TrainingTopic
from .services import new_token

STATIONS = 4
PLACES = ["{station}会议室", "{station}客户之家", "{station}二楼培训室"]


def build_trainings_demo(city) -> dict[str, int]:
    rng = city.rng("trainings")
    topics = list(TrainingTopic.objects.filter(active=True).prefetch_related("tags"))
    if not topics:
        return {}
    sessions = invitations = 0
    for n, station in enumerate(city.stations[:STATIONS]):
        managers = city.account_managers.get(station.pk) or []
        if not managers:
            continue
        shops = list(Customer.objects.filter(station=station, status=CustomerStatus.ACTIVE).order_by("licence_no")
                     .values_list("pk", flat=True))  # fmt: skip
        rng.shuffle(shops)
        plan = [
            (topics[n % len(topics)], city.today - dt.timedelta(days=45 + 7 * n), SessionStatus.CLOSED),
            (topics[(n + 3) % len(topics)], city.today + dt.timedelta(days=5 + n), SessionStatus.INVITED),
        ]
        for k, (topic, day, status) in enumerate(plan):
            start = dt.datetime.combine(day, dt.time(9 if k == 0 else 14, 30), tzinfo=city.tz)
            created = min(start - dt.timedelta(days=10), city.now)
            session = TrainingSession.objects.create(
                topic=topic, trainer=managers[k % len(managers)], place=rng.choice(PLACES).format(station=station.name),
                starts_at=start, ends_at=start + dt.timedelta(hours=2), capacity=30, branch_id=station.branch_id,
                station=station, status=status, checkin_token=new_token(), created_at=created, updated_at=created,
            )  # fmt: skip
            steps = [
                ("create", "", SessionStatus.PLANNED, created),
                ("invite", "planned", "invited", created),
            ]
            if status == SessionStatus.CLOSED:
                steps += [("hold", "invited", "held", start + dt.timedelta(hours=2)),
                          ("close", "held", "closed", start + dt.timedelta(days=1))]  # fmt: skip
            SessionEvent.objects.bulk_create([SessionEvent(session=session, action=a, from_status=f, to_status=t, at=at)
                                              for a, f, t, at in steps])  # fmt: skip
            # Shops carrying one of the topic's tags first, as the invitation form orders them.
            tagged = set(CustomerTag.objects.filter(customer__station=station, status__in=LIVE_STATUSES,
                                                    tag__in=topic.tags.all()).values_list("customer_id", flat=True))  # fmt: skip
            chosen = sorted(shops, key=lambda pk: pk not in tagged)[: rng.randint(22, 30)]
            shops = [pk for pk in shops if pk not in set(chosen)]
            rows = []
            for pk in chosen:
                came = status == SessionStatus.CLOSED and rng.random() < 0.8
                rows.append(Invitation(session=session, customer_id=pk, station=station, targeting="tag" if pk in tagged
                                       else "segment", invited_at=created,
                                       attended_at=start + dt.timedelta(minutes=rng.randint(-20, 10)) if came else None,
                                       checkin_method=("qr" if rng.random() < 0.7 else "staff") if came else ""))  # fmt: skip
            Invitation.objects.bulk_create(rows)
            sessions += 1
            invitations += len(rows)
    return {"training_sessions": sessions, "training_invitations": invitations}


def reset_trainings_demo(company) -> None:
    """Sessions go before the staff they name (trainer: protected); their event rows with them (append-only
    otherwise)."""
    from serviceloop.core.audit import trail_purge

    with trail_purge():
        TrainingSession.objects.filter(branch__company=company).delete()
