"""Sessions for tests, made through the services (as the pages make them)."""

import datetime as dt

from serviceloop.trainings.models import TrainingTopic
from serviceloop.trainings.services import session_create, session_invite

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=TZ)
START = NOW + dt.timedelta(days=3)


def topic(name="订货"):
    return TrainingTopic.objects.get(name=name)


def make_session(world, *, actor=None, station="a1", capacity=30, start=START, name="订货", **extra):
    data = {"topic": topic(name), "trainer": world.account_manager, "place": "张湾服务站会议室",
            "starts_at": start, "ends_at": start + dt.timedelta(hours=2), "capacity": capacity,
            "station": world.station_a1 if station == "a1" else station, "branch": None, "notes": ""}  # fmt: skip
    data.update(extra)
    return session_create(data=data, actor=actor or world.station_head, now=NOW)


def station_a1_shops(world):
    return world.shops["张湾1号线"] + world.shops["张湾2号线"]


def invited_session(world, *, capacity=30, start=START, **extra):
    session = make_session(world, capacity=capacity, start=start, **extra)
    session_invite(session=session, customers=station_a1_shops(world), targeting="licences", actor=world.station_head,
                   now=NOW)  # fmt: skip
    session.refresh_from_db()
    return session
