"""Writes of trainings: topics, sessions and their state machine, invitations, attendance (staff ticks and QR
check-in at the door), the feedback survey, and the messages to shops. Views, the API, the job and the demo all
call these; each write appends its event row and/or an audit row."""

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from serviceloop.core.audit import audit_record
from serviceloop.customers.models import OutboxKind, OutboxMessage
from serviceloop.customers.outbox import outbox_enqueue

from .models import (
    CAPACITY_MAX,
    CHECK_IN_OPEN,
    INVITING,
    TRANSITIONS,
    CheckInMethod,
    Invitation,
    SessionAction,
    SessionEvent,
    SessionStatus,
    Targeting,
    TrainingSession,
    TrainingTopic,
)
from .scope import in_unit, may_edit_topics, may_manage, may_organise, may_take_attendance

_SIGNER = signing.Signer(salt="serviceloop.trainings.checkin")
# Check-in at the door opens this long before the start and closes this long after the end.
CHECKIN_EARLY = dt.timedelta(hours=2)
CHECKIN_LATE = dt.timedelta(hours=2)

INVITATION_TEXT = gettext_noop(
    "{shop}: you are invited to a training on “{topic}” at {place}, {time}. Please scan the code at the door "
    "to check in."
)
CANCELLED_TEXT = gettext_noop("{shop}: the training on “{topic}” planned for {time} is cancelled. Sorry.")
FEEDBACK_TEXT = gettext_noop("{shop}: thank you for attending the training on “{topic}”. Tell us what you "
                             "thought: {url}")  # fmt: skip


# --- topics ----------------------------------------------------------------------------------------------------
@transaction.atomic
def topic_save(*, topic: TrainingTopic | None = None, data: dict, actor, now) -> TrainingTopic:
    """Creates or edits a topic (name, description, order, active, tags)."""
    if not may_edit_topics(actor):
        raise PermissionDenied
    clash = TrainingTopic.objects.filter(name=data["name"]).exclude(pk=topic.pk if topic else None)
    if clash.exists():
        raise ValidationError({"name": _("A topic with this name exists already.")})
    created = topic is None
    topic = topic or TrainingTopic()
    for field in ("name", "description", "order", "active"):
        setattr(topic, field, data[field])
    topic.updated_at = now
    topic.save()
    topic.tags.set(data.get("tags") or [])
    audit_record(actor=actor, action="training.topic_create" if created else "training.topic_edit", obj=topic,
                 summary=topic.name, data={"tags": sorted(t.pk for t in topic.tags.all())}, now=now)  # fmt: skip
    return topic


# --- check-in links ----------------------------------------------------------------------------------------------
def new_token() -> str:
    return secrets.token_urlsafe(18)


def checkin_code(session: TrainingSession) -> str:
    """What goes into /training/<code>/: the session's random token, signed so that guessed codes fail early."""
    return _SIGNER.sign(session.checkin_token)


def checkin_url(session: TrainingSession) -> str:
    from django.urls import reverse

    return settings.PUBLIC_BASE_URL + reverse("trainings:checkin", args=[checkin_code(session)])


def session_from_code(code: str) -> TrainingSession | None:
    """The session of a door code, or None for anything unknown or tampered (the page answers 404 alike)."""
    if not code or len(code) > 120:
        return None
    try:
        token = _SIGNER.unsign(code)
    except signing.BadSignature:
        return None
    return (
        TrainingSession.objects.select_related("topic", "branch", "station")
        .filter(checkin_token=token)
        .first()
    )


# --- sessions ------------------------------------------------------------------------------------------------------
def _check_session_data(data: dict, actor) -> tuple:
    station = data.get("station")
    branch = station.branch if station is not None else data.get("branch")
    if branch is None:
        raise ValidationError({"branch": _("Choose the organising branch or station.")})
    if not in_unit(actor, branch_id=branch.pk, station_id=station.pk if station else None):
        raise ValidationError(_("You can organise trainings of your own unit only."))
    if data["ends_at"] <= data["starts_at"]:
        raise ValidationError({"ends_at": _("The end comes before the start.")})
    if not 1 <= data["capacity"] <= CAPACITY_MAX:
        raise ValidationError({"capacity": _("Between 1 and %(n)d shops.") % {"n": CAPACITY_MAX}})
    trainer = data["trainer"]
    if (
        not trainer.is_active
        or not trainer.role
        or (getattr(actor, "company_id", None) and trainer.company_id != actor.company_id)
    ):
        raise ValidationError({"trainer": _("The trainer must be an active staff member of the company.")})
    return branch, station


@transaction.atomic
def session_create(*, data: dict, actor, now) -> TrainingSession:
    """Plans a session. ``data``: topic, trainer, place, starts_at, ends_at, capacity, station or branch, notes."""
    if not may_organise(actor):
        raise PermissionDenied
    branch, station = _check_session_data(data, actor)
    if not data["topic"].active:
        raise ValidationError({"topic": _("This topic is no longer in use.")})
    session = TrainingSession.objects.create(
        topic=data["topic"], trainer=data["trainer"], place=data["place"], starts_at=data["starts_at"],
        ends_at=data["ends_at"], capacity=data["capacity"], branch=branch, station=station,
        notes=data.get("notes", ""), checkin_token=new_token(), created_by=actor, created_at=now, updated_at=now,
    )  # fmt: skip
    SessionEvent.objects.create(session=session, action=SessionAction.CREATE, to_status=session.status,
                                actor=actor, at=now)  # fmt: skip
    audit_record(actor=actor, action="training.session_create", obj=session, summary=str(session), now=now,
                 data={"capacity": session.capacity, "unit": str(session.unit)})  # fmt: skip
    return session


@transaction.atomic
def session_update(*, session: TrainingSession, data: dict, actor, now) -> TrainingSession:
    """Changes place, time, trainer, capacity or notes while invitations may still go out."""
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if not may_manage(actor, session):
        raise PermissionDenied
    if session.status not in INVITING:
        raise ValidationError(_("A session can be changed only before it is held."))
    data = {**data, "station": session.station, "branch": session.branch, "topic": session.topic}
    _check_session_data(data, actor)
    invited = session.invitations.count()
    if data["capacity"] < invited:
        raise ValidationError({"capacity": _("%(n)d shops are invited already.") % {"n": invited}})
    before = {f: str(getattr(session, f)) for f in ("trainer", "place", "starts_at", "ends_at", "capacity")}
    for field in ("trainer", "place", "starts_at", "ends_at", "capacity", "notes"):
        setattr(session, field, data[field])
    session.updated_at = now
    session.save(
        update_fields=["trainer", "place", "starts_at", "ends_at", "capacity", "notes", "updated_at"]
    )
    audit_record(actor=actor, action="training.session_edit", obj=session, summary=str(session), now=now,
                 data={"before": before})  # fmt: skip
    return session


@transaction.atomic
def session_transition(
    *, session: TrainingSession, action: str, actor, now, note: str = ""
) -> TrainingSession:
    """Moves a session along TRANSITIONS (refusing every other move) and appends its event row."""
    session = TrainingSession.objects.select_for_update().select_related("topic").get(pk=session.pk)
    if actor is not None and not may_manage(actor, session):
        raise PermissionDenied
    to = TRANSITIONS.get((action, session.status))
    if to is None:
        raise ValidationError(
            _("A session that is “%(status)s” cannot be “%(action)s”.")
            % {"status": SessionStatus(session.status).label,
               "action": SessionAction(action).label if action in SessionAction.values else action},
            code="transition",
        )  # fmt: skip
    if action == SessionAction.HOLD and now < session.starts_at:
        raise ValidationError(_("The session has not started yet."), code="early")
    if action == SessionAction.INVITE and not session.invitations.exists():
        raise ValidationError(_("Invite shops first."), code="empty")
    SessionEvent.objects.create(session=session, action=action, from_status=session.status, to_status=to,
                                actor=actor, at=now, note=note[:300])  # fmt: skip
    session.status = to
    session.updated_at = now
    session.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=f"training.session_{action}", obj=session, summary=str(session), now=now)
    if to == SessionStatus.CANCELLED:
        _notify(session, [inv.customer for inv in session.invitations.select_related("customer")],
                OutboxKind.CANCELLED, now)  # fmt: skip
    return session


# --- invitations ---------------------------------------------------------------------------------------------------
@transaction.atomic
def session_invite(*, session: TrainingSession, customers, targeting: str, actor, now) -> tuple[int, int]:
    """Invites ``customers`` (in the given order) until the session is full; a shop already invited is skipped,
    never invited twice. Each new invitee gets the invitation message. Returns (invited now, left out because
    the session was full). The first invitations move the session to "invitations sent"."""
    session = TrainingSession.objects.select_for_update().select_related("topic").get(pk=session.pk)
    if not may_manage(actor, session):
        raise PermissionDenied
    if session.status not in INVITING:
        raise ValidationError(_("Invitations can be sent only before the session is held."))
    if targeting not in Targeting.values:
        raise ValidationError(_("Unknown way of choosing shops."))
    already = set(session.invitations.values_list("customer_id", flat=True))
    room = session.capacity - len(already)
    fresh = [c for c in customers if c.pk not in already]
    chosen, left_out = fresh[: max(room, 0)], max(len(fresh) - max(room, 0), 0)
    if not chosen:
        if left_out:
            raise ValidationError(
                _("The session is full (%(n)d shops).") % {"n": session.capacity}, code="full"
            )
        raise ValidationError(_("No new shops match: every matching shop is invited already."), code="none")
    Invitation.objects.bulk_create([
        Invitation(session=session, customer=c, station_id=c.station_id, targeting=targeting, invited_by=actor,
                   invited_at=now)
        for c in chosen
    ])  # fmt: skip
    _notify(session, chosen, OutboxKind.INVITATION, now)
    audit_record(actor=actor, action="training.invite", obj=session, summary=str(session), now=now,
                 data={"invited": len(chosen), "left_out": left_out, "targeting": targeting})  # fmt: skip
    if session.status == SessionStatus.PLANNED:
        session_transition(session=session, action=SessionAction.INVITE, actor=actor, now=now)
    return len(chosen), left_out


# --- attendance ----------------------------------------------------------------------------------------------------
@transaction.atomic
def attendance_set(*, session: TrainingSession, attended_ids, actor, now) -> tuple[int, int]:
    """Staff tick who came (the whole list of the session's invitations at once): ``attended_ids`` are the
    invitation ids ticked. QR check-ins stay unless unticked. Returns (newly ticked, unticked)."""
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if not may_take_attendance(actor, session):
        raise PermissionDenied
    if session.status not in CHECK_IN_OPEN:
        raise ValidationError(_("Attendance can be taken once invitations are sent and until the session is "
                                "closed."))  # fmt: skip
    ticked = {int(i) for i in attended_ids}
    mine = session.invitations.all()
    unknown = ticked - set(mine.values_list("pk", flat=True))
    if unknown:
        raise ValidationError(_("Some ticked shops are not invited to this session."))
    added = mine.filter(pk__in=ticked, attended_at__isnull=True).update(
        attended_at=now, checkin_method=CheckInMethod.STAFF, checked_in_by=actor
    )
    removed = (
        mine.exclude(pk__in=ticked)
        .filter(attended_at__isnull=False)
        .update(attended_at=None, checkin_method="", checked_in_by=None)
    )
    if added or removed:
        audit_record(actor=actor, action="training.attendance", obj=session, summary=str(session), now=now,
                     data={"ticked": added, "unticked": removed})  # fmt: skip
    return added, removed


class CheckInRefused(Exception):
    """The owner's entry matched no (single) invited shop, or check-in is not open; the text says why."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message, self.code = message, code


@dataclass
class CheckInResult:
    invitation: Invitation
    already: bool


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


@transaction.atomic
def checkin(*, session: TrainingSession, licence_no: str = "", phone_last4: str = "", now) -> CheckInResult:
    """A shop owner checks in at the door: the licence number, or the last four digits of the shop's phone,
    must match exactly one invited shop. Checking in again answers "already checked in" and changes nothing."""
    if session.status not in CHECK_IN_OPEN:
        raise CheckInRefused(_("Check-in is not open for this training."), code="closed")
    if not (session.starts_at - CHECKIN_EARLY <= now <= session.ends_at + CHECKIN_LATE):
        raise CheckInRefused(_("Check-in opens two hours before the training and closes two hours after it."),
                             code="time")  # fmt: skip
    invitations = Invitation.objects.select_for_update().select_related("customer").filter(session=session)
    licence_no, phone_last4 = licence_no.strip(), _digits(phone_last4)
    if licence_no:
        matches = list(invitations.filter(customer__licence_no=licence_no))
    elif len(phone_last4) == 4:
        matches = [i for i in invitations.filter(customer__phone__endswith=phone_last4)]
    else:
        raise CheckInRefused(_("Enter the licence number, or the last four digits of the shop's phone."),
                             code="empty")  # fmt: skip
    if not matches:
        raise CheckInRefused(_("No invited shop matches. Please check the number, or ask the staff at the "
                               "desk."), code="no_match")  # fmt: skip
    if len(matches) > 1:
        raise CheckInRefused(_("Several invited shops match these digits. Please enter the licence number."),
                             code="ambiguous")  # fmt: skip
    inv = matches[0]
    if inv.attended_at is not None:
        return CheckInResult(inv, True)
    inv.attended_at, inv.checkin_method = now, CheckInMethod.QR
    inv.save(update_fields=["attended_at", "checkin_method"])
    audit_record(actor=None, action="training.checkin", obj=session, summary=inv.customer.name, now=now,
                 data={"invitation": inv.pk})  # fmt: skip
    return CheckInResult(inv, False)


# --- feedback survey -------------------------------------------------------------------------------------------
FEEDBACK_CODE = "training-feedback"
FEEDBACK_DAYS = 14


def feedback_questionnaire(*, now):
    """The latest version of the training feedback questionnaire, made on first use through the survey module's
    own services (the city admin edits it there, as a new version)."""
    from serviceloop.surveys.models import Questionnaire
    from serviceloop.surveys.services import item_save, questionnaire_create, section_save

    latest = Questionnaire.objects.filter(code=FEEDBACK_CODE).order_by("-version").first()
    if latest is not None:
        return latest
    q = questionnaire_create(code=FEEDBACK_CODE, title=_("Training feedback"), actor=None, now=now,
                             description=_("A short survey sent to the shops that attended a training."))  # fmt: skip
    section = section_save(questionnaire=q, data={"order": 1, "code": "training", "title": _("The training"),
                                                  "weight": 1}, actor=None, now=now)  # fmt: skip
    items = [
        ("useful", _("The content is useful for my shop."), "likert", False),
        ("clear", _("The trainer explained clearly."), "likert", False),
        ("arranged", _("The time and place suited me."), "likert", False),
        ("overall", _("Overall, how satisfied are you with this training?"), "likert", True),
        ("wish", _("What would you like the next training to cover?"), "text", False),
    ]
    for order, (code, text, kind, overall) in enumerate(items, start=1):
        item_save(section=section, data={"order": order, "code": code, "text": text, "kind": kind, "scale_max": 5,
                                         "required": kind == "likert", "weight": 1, "is_overall": overall},
                  actor=None, now=now)  # fmt: skip
    return q


@transaction.atomic
def feedback_send(*, session: TrainingSession, actor, now):
    """Creates the session's feedback wave (survey module) targeting exactly the shops that attended, opens it,
    and sends each attendee the link. Once per session."""
    from django.urls import reverse

    from serviceloop.surveys.models import WaveStatus, WaveTarget
    from serviceloop.surveys.services import link_code, wave_create, wave_draw_targets, wave_transition

    session = (
        TrainingSession.objects.select_for_update()
        .select_related("topic", "branch__company")
        .get(pk=session.pk)
    )
    if not may_manage(actor, session):
        raise PermissionDenied
    if session.wave_id:
        raise ValidationError(_("The feedback survey has been sent already."), code="duplicate")
    if session.status not in (SessionStatus.HELD, SessionStatus.CLOSED):
        raise ValidationError(_("The feedback survey goes out once the session is held."), code="early")
    attendees = list(
        session.invitations.filter(attended_at__isnull=False).values_list("customer_id", flat=True)
    )
    if not attendees:
        raise ValidationError(_("Nobody checked in: there is no one to ask."), code="empty")
    day = timezone.localdate(now)
    name = _("Training feedback %(topic)s %(day)s #%(pk)d") % {
        "topic": session.topic.name,
        "day": f"{timezone.localtime(session.starts_at):%Y-%m-%d}",
        "pk": session.pk,
    }
    wave = wave_create(company=session.branch.company, questionnaire=feedback_questionnaire(now=now), actor=actor,
                       now=now, data={"name": name[:100], "period_start": day,
                                      "period_end": day + dt.timedelta(days=FEEDBACK_DAYS), "anonymous": False,
                                      "target_mode": "all"})  # fmt: skip
    # The survey module draws from active shops only: a shop suspended since the training is not asked.
    try:
        wave_draw_targets(wave=wave, actor=actor, now=now, customer_ids=attendees)
    except ValidationError:
        raise ValidationError(_("None of the attendees is an active shop any more."), code="empty") from None
    wave = wave_transition(wave=wave, to=WaveStatus.OPEN, actor=actor, now=now)
    session.wave = wave
    session.save(update_fields=["wave"])
    targets = list(WaveTarget.objects.filter(wave=wave).select_related("customer"))
    urls = {
        t.customer_id: settings.PUBLIC_BASE_URL + reverse("surveys:public", args=[link_code(t)])
        for t in targets
    }
    _notify(session, [t.customer for t in targets], OutboxKind.FEEDBACK, now, urls=urls)
    audit_record(actor=actor, action="training.feedback_send", obj=session, summary=str(session), now=now,
                 data={"wave": wave.pk, "attendees": len(attendees)})  # fmt: skip
    return wave


# --- messages to shops -------------------------------------------------------------------------------------------
TEXTS = {OutboxKind.INVITATION: INVITATION_TEXT, OutboxKind.CANCELLED: CANCELLED_TEXT,
         OutboxKind.FEEDBACK: FEEDBACK_TEXT}  # fmt: skip


def _notify(session: TrainingSession, customers, kind: str, now, *, urls: dict | None = None) -> int:
    """Puts one message per shop in the shop-message outbox (``customers.outbox``), never a second of the same
    kind to the same shop for the session (its dedupe key); the outbox job sends and retries them, off the
    request thread. Returns how many are new."""
    when = timezone.localtime(session.starts_at)
    template = _(TEXTS[kind])
    return outbox_enqueue([
        OutboxMessage(customer=c, kind=kind, session=session, phone=c.phone, created_at=now,
                      text=template.format(shop=c.name, topic=session.topic.name, place=session.place,
                                           time=f"{when:%m-%d %H:%M}", url=(urls or {}).get(c.pk, "")))
        for c in customers
    ])  # fmt: skip
