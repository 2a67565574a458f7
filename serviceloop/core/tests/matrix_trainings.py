"""Permission-matrix objects and paths of trainings (R30), kept apart so that concurrent work on the matrix
merges cleanly; ``matrix.build`` and ``matrix.paths`` call these."""

import datetime as dt


def build_trainings(fx, now):
    """A session of station A1 with its shops invited (in scope) and one of station B1 (out of scope)."""
    from serviceloop.trainings.models import TrainingTopic
    from serviceloop.trainings.services import session_create, session_invite

    w = fx.world
    fx.training_topic = TrainingTopic.objects.order_by("pk").first()
    start = now + dt.timedelta(days=2)
    for side, station, actor, trainer in (("in", w.station_a1, w.station_head, w.account_manager),
                                          ("out", w.station_b1, w.city_admin, w.outsider)):  # fmt: skip
        session = session_create(data={"topic": fx.training_topic, "trainer": trainer, "place": "会议室",
                                       "starts_at": start, "ends_at": start + dt.timedelta(hours=2), "capacity": 30,
                                       "station": station, "notes": ""}, actor=actor, now=now)  # fmt: skip
        shops = [c for c in (fx.shop_in, fx.shop_out) if c.station_id == station.pk]
        session_invite(session=session, customers=shops, targeting="licences", actor=actor, now=now)
        setattr(fx, f"training_{side}", session)


def training_paths(fx) -> dict[str, tuple[str, str | None]]:
    from serviceloop.trainings.services import checkin_code

    s_in, s_out = fx.training_in.pk, fx.training_out.pk

    def two(suffix):
        return (f"/trainings/{s_in}/{suffix}", f"/trainings/{s_out}/{suffix}")

    return {
        "trainings:sessions": ("/trainings/", None),
        "trainings:sessions-export": ("/trainings/export/", None),
        "trainings:session-create": ("/trainings/new/", None),
        "trainings:session": two(""),
        "trainings:session-edit": two("edit/"),
        "trainings:session-invite": two("invite/"),
        "trainings:session-attendance": two("attendance/"),
        "trainings:session-step": two("step/"),
        "trainings:session-feedback": two("feedback/"),
        "trainings:session-door": two("door/"),
        "trainings:coverage": ("/trainings/coverage/", None),
        "trainings:coverage-export": ("/trainings/coverage/export/", None),
        "trainings:topics": ("/trainings/topics/", None),
        "trainings:topic-create": ("/trainings/topics/new/", None),
        "trainings:topic-edit": (f"/trainings/topics/{fx.training_topic.pk}/", None),
        "trainings:checkin": (f"/trainings/checkin/{checkin_code(fx.training_in)}/", None),
        "training-session-list": ("/api/v1/trainings/sessions/", None),
        "training-session-detail": (
            f"/api/v1/trainings/sessions/{s_in}/",
            f"/api/v1/trainings/sessions/{s_out}/",
        ),
        "training-session-invitations": (
            f"/api/v1/trainings/sessions/{s_in}/invitations/",
            f"/api/v1/trainings/sessions/{s_out}/invitations/",
        ),  # fmt: skip
        "training-session-attendance": (
            f"/api/v1/trainings/sessions/{s_in}/attendance/",
            f"/api/v1/trainings/sessions/{s_out}/attendance/",
        ),  # fmt: skip
    }
