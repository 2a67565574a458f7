"""Writes on service requests. Every channel files through ``servicerequest_file``; every status change goes
through ``servicerequest_transition``, which checks the state machine and appends an event row."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from serviceloop.core.audit import audit_record
from serviceloop.core.bulk import insert_instance, insert_instances
from serviceloop.core.refcache import reference_forget
from serviceloop.integrations.events import request_event
from serviceloop.org.models import Role

from . import sla
from .conf import conf
from .escalation import escalate, notify_owner, recipients_for
from .models import (
    FINAL,
    TRANSITIONS,
    Attachment,
    Category,
    Channel,
    Closure,
    Complexity,
    EscalationReason,
    EventKind,
    FollowUp,
    HandlingReport,
    Kind,
    MilestoneKind,
    ReferenceCounter,
    RequestEvent,
    RequestMilestone,
    ServiceRequest,
    ShopMessage,
    Status,
    Urgency,
    visibility_q,
)
from .notifiers import shop_notifier
from .perms import is_desk, may

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


# ---- helpers ---------------------------------------------------------------------------------------


def _check(actor, action: str, request: ServiceRequest) -> None:
    if actor is not None and not may(actor, action, request):
        raise ValidationError(_("You may not do this to this request."), code="forbidden")


def _event(request, *, kind, actor, now, from_status="", to_status="", note="", data=None) -> RequestEvent:
    event = RequestEvent(
        request=request,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        from_status=from_status,
        to_status=to_status,
        note=note[:2000],
        at=now,
        data=data or {},
    )
    insert_instance(event)  # every step of every request writes one: the kept statement (core.bulk)
    return event


def _lock(request: ServiceRequest) -> ServiceRequest:
    """The request's row, locked until the transaction ends: two agents acting at once cannot both win."""
    return (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("shop", "category")
        .get(pk=request.pk)
    )


def _next_reference(now: datetime) -> str:
    """Today's next serial in one statement (SQLite ≥ 3.35 and PostgreSQL): the day's row is created or
    incremented and the new value returned, under the row's lock — two filings never share a number."""
    day = timezone.localtime(now).date()
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last) VALUES (%s, 1) "
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [connection.ops.adapt_datefield_value(day)],
        )
        (n,) = cursor.fetchone()
    return f"SR{day:%Y%m%d}-{n:04d}"


SHOP_MESSAGES = {
    Status.NEW: gettext_noop("Your request {ref} has been registered."),
    Status.ACKNOWLEDGED: gettext_noop("Your request {ref} has been accepted."),
    Status.ANSWERED: gettext_noop("Your inquiry {ref} has been answered."),
    Status.DISPATCHED: gettext_noop("Your request {ref} has been given to a staff member to handle."),
    Status.RESOLVED: gettext_noop("Your request {ref} has been resolved; we will call you back."),
    Status.CLOSED: gettext_noop("Your request {ref} is closed. Thank you."),
    Status.REOPENED: gettext_noop("Your request {ref} is being handled again."),
}
# The first message carries the request's tracking link, so a request taken by phone can be followed too.
FILED_WITH_LINK = gettext_noop("Your request {ref} has been registered. Follow its progress here: {url}")


def servicerequest_tracking_url(*, request: ServiceRequest, now: datetime, new: bool = False) -> str:
    """The request's public tracking link (created once; ``new``: the request was saved in this transaction, so
    it has none yet and the link is inserted without looking). The portal owns public links; it is imported
    here, not at the top, because the portal itself files requests through this module."""
    from serviceloop.portal.selectors import public_url
    from serviceloop.portal.services import trackingtoken_create, trackingtoken_ensure

    if new:
        return public_url(trackingtoken_create(service_request=request, now=now))
    return public_url(trackingtoken_ensure(service_request=request, now=now))


def _shop_message(request: ServiceRequest, status: str, now: datetime, *, url: str = "") -> None:
    template = SHOP_MESSAGES.get(status)
    if template is None:
        return
    if url and status == Status.NEW:
        template = FILED_WITH_LINK
    notifier = shop_notifier()
    phone = request.callback_phone or (request.shop.phone if request.shop_id else "")
    message = ShopMessage(
        request=request,
        phone=phone,
        text=_(template).format(ref=request.reference, url=url)[:300],
        created_at=now,
        notifier=type(notifier).__name__,
    )
    insert_instance(message)
    # Only written here: the job ``shop_messages_send`` sends it within a minute or so, so a slow SMS gateway
    # (up to SMS_TIMEOUT) never holds the owner's form or the agent's click, and a failure is retried by a job.


MAX_PHOTO_PIXELS = 50_000_000  # a 50-megapixel phone photo; Pillow's own bomb limit is ~179 million


def _clean_photos(photos) -> list:
    photos = [p for p in photos or () if p]
    if len(photos) > conf("MAX_PHOTOS"):
        raise ValidationError(_("At most %(n)d photos.") % {"n": conf("MAX_PHOTOS")}, code="photos")
    from PIL import Image, UnidentifiedImageError  # only when photos come in

    cleaned = []
    for photo in photos:
        if photo.size > conf("MAX_PHOTO_BYTES"):
            raise ValidationError(
                _("Photo %(name)s is too large (at most %(mb)d MB).")
                % {"name": photo.name, "mb": conf("MAX_PHOTO_BYTES") // (1024 * 1024)},
                code="photo_size",
            )
        try:
            photo.seek(0)
            image = Image.open(photo)
            kind = image.format
            if image.width * image.height > MAX_PHOTO_PIXELS:
                raise Image.DecompressionBombError
            image.verify()
        except Image.DecompressionBombError:  # a few KB that would unpack to gigabytes (30,000 × 30,000 px)
            raise ValidationError(
                _("%(name)s has too many pixels (at most %(mp)d million). Please send a smaller picture.")
                % {"name": photo.name, "mp": MAX_PHOTO_PIXELS // 1_000_000},
                code="photo_pixels",
            ) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ValidationError(
                _("%(name)s is not a picture.") % {"name": photo.name}, code="photo_type"
            ) from None
        if kind not in IMAGE_TYPES:
            raise ValidationError(_("%(name)s is not a picture.") % {"name": photo.name}, code="photo_type")
        photo.seek(0)
        cleaned.append((photo, IMAGE_TYPES[kind]))
    return cleaned


def _store_photos(request, cleaned, *, actor, now, report=None) -> list[Attachment]:
    rows = []
    for photo, content_type in cleaned:
        att = Attachment(
            request=request,
            report=report,
            name=str(photo.name)[-200:],
            size=photo.size,
            content_type=content_type,
            uploaded_by=actor if actor and actor.is_authenticated else None,
            uploaded_at=now,
        )
        att.file.save(str(photo.name).rsplit("/", 1)[-1][-80:] or "photo", photo, save=False)
        att.save()
        rows.append(att)
    return rows


def _choice(value, choices, label):
    try:
        choices(value)  # the enum's own look-up: ``.values`` builds the list of choices on every call
    except ValueError:
        raise ValidationError(
            _("Unknown %(field)s: %(value)s") % {"field": label, "value": value}, code="choice"
        ) from None
    return value


# ---- intake ----------------------------------------------------------------------------------------


def servicerequest_file(*, duplicate_raises=False, **kwargs) -> tuple[ServiceRequest, bool]:
    """Files a request from any channel. The same idempotency key returns the first request (created False).

    ``duplicate_raises``: the caller, inside its own transaction, lets the IntegrityError of a repeated key
    roll it back and looks the key up itself (the public form: a double tap is rare, so the common filing
    skips the look-up and this function's savepoint)."""
    with transaction.atomic(savepoint=not duplicate_raises):
        return _servicerequest_file(duplicate_raises=duplicate_raises, **kwargs)


def _servicerequest_file(
    *,
    customer,
    channel,
    kind,
    category,
    text,
    callback_phone="",
    photos=(),
    actor=None,
    now,
    idempotency_key=None,
    urgency="normal",
    complexity="simple",
    duplicate_raises,
) -> tuple[ServiceRequest, bool]:
    if idempotency_key:
        idempotency_key = str(idempotency_key)[:64]
    if idempotency_key and not duplicate_raises:
        existing = ServiceRequest.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    _choice(channel, Channel, _("channel"))
    _choice(kind, Kind, _("kind"))
    _choice(urgency, Urgency, _("urgency"))
    _choice(complexity, Complexity, _("complexity"))
    if not isinstance(category, Category):
        category = Category.objects.filter(code=str(category), active=True).first()
        if category is None:
            raise ValidationError(_("Unknown category."), code="category")
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Please describe the matter."), code="text")
    if len(text) > conf("MAX_TEXT"):
        raise ValidationError(
            _("The text is too long (at most %(n)d characters).") % {"n": conf("MAX_TEXT")},
            code="text_length",
        )
    callback_phone = (callback_phone or "").strip().replace(" ", "").replace("-", "")
    if callback_phone and not (callback_phone.isdigit() and 7 <= len(callback_phone) <= 20):
        raise ValidationError(_("The callback phone must be 7 to 20 digits."), code="phone")
    cleaned = _clean_photos(photos)

    request = ServiceRequest(
        reference=_next_reference(now),
        shop=customer,
        channel=channel,
        kind=kind,
        category=category,
        urgency=urgency,
        complexity=complexity,
        text=text,
        callback_phone=callback_phone,
        idempotency_key=idempotency_key or None,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        created_at=now,
        updated_at=now,
    )
    if customer is not None:
        request.branch_id, request.station_id, request.route_id = (
            customer.branch_id,
            customer.station_id,
            customer.route_id,
        )
    # The deadlines are planned before the INSERT, so the earliest goes in with the request (issue 14: one
    # statement less on every filing; the home page and the sweep read ``next_due_at``).
    milestones = sla.milestones_plan(request=request, now=now)
    request.next_due_at = min((m.due_at for m in milestones), default=None)
    try:
        if duplicate_raises:
            insert_instance(request)
        else:
            with transaction.atomic():
                insert_instance(request)
    except IntegrityError:
        if idempotency_key and not duplicate_raises:
            existing = ServiceRequest.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing, False
        raise
    _store_photos(request, cleaned, actor=actor, now=now)
    _event(
        request,
        kind=EventKind.FILED,
        actor=actor,
        now=now,
        to_status=Status.NEW,
        data={"channel": channel, "photos": len(cleaned)},
    )
    insert_instances(RequestMilestone, milestones)
    _shop_message(
        request, Status.NEW, now, url=servicerequest_tracking_url(request=request, now=now, new=True)
    )
    request_event(
        request, "filed", now=now
    )  # outbound event (issue 15), before a repeat complaint's escalation
    if kind == Kind.COMPLAINT and customer is not None:
        since = now - timedelta(days=conf("REPEAT_DAYS"))
        earlier = (
            ServiceRequest.objects.filter(
                shop=customer, category=category, kind=Kind.COMPLAINT, created_at__gte=since
            )
            .exclude(pk=request.pk)
            .order_by("-created_at")
            .first()
        )
        if earlier is not None:
            request.repeat_of = earlier
            request.save(update_fields=["repeat_of"])
            escalate(
                request=request,
                reason=EscalationReason.REPEAT_COMPLAINT,
                now=now,
                recipients=recipients_for(request, level=1),
                note=_("Repeat complaint: same shop and category as %(ref)s.") % {"ref": earlier.reference},
            )
    return request, True


# ---- the state machine -----------------------------------------------------------------------------


@transaction.atomic
def servicerequest_transition(
    *,
    request: ServiceRequest,
    to: str,
    actor,
    now: datetime,
    note: str = "",
    data: dict | None = None,
    expected: str | None = None,
    **changes,
) -> ServiceRequest:
    """Moves the request to ``to`` if the table and the guards allow it; records the event and the clocks."""
    sr = _lock(request)
    if expected is not None and sr.status != expected:
        raise ValidationError(
            _("Someone else changed this request first; reload and try again."), code="conflict"
        )
    frm = sr.status
    if to not in TRANSITIONS[frm]:
        raise ValidationError(
            _("Cannot go from %(from)s to %(to)s.") % {"from": Status(frm).label, "to": Status(to).label},
            code="transition",
        )
    if to == Status.ANSWERED and sr.kind != Kind.INQUIRY:
        raise ValidationError(_("Only inquiries are answered directly."), code="answer_kind")
    if to == Status.RESOLVED:
        # A report written after the latest reopening (events are append-only, so their ids give the order).
        since = (
            sr.events.filter(to_status=Status.REOPENED).order_by("-id").values_list("id", flat=True).first()
        )
        if not sr.events.filter(kind=EventKind.REPORT, id__gt=since or 0).exists():
            raise ValidationError(_("Write the handling report before resolving."), code="report_required")
    if (
        to == Status.CLOSED
        and frm in (Status.RESOLVED, Status.ANSWERED)
        and changes.get("closure") != Closure.UNREACHABLE
    ):
        raise ValidationError(_("Follow up with the customer before closing."), code="follow_up_required")
    if to == Status.DISPATCHED and not changes.get("owner"):
        raise ValidationError(_("Choose an owner."), code="owner")
    needs_reason = to in (Status.ON_HOLD, Status.CANCELLED) or (
        to == Status.REOPENED and frm != Status.ON_HOLD
    )
    if needs_reason and not note.strip():  # resuming a held reopening is not a new reopening
        raise ValidationError(_("Give a reason."), code="reason")
    if frm == Status.ON_HOLD and to not in (sr.held_from, Status.CANCELLED):
        raise ValidationError(_("Resume the request where it was held."), code="resume")

    for name, value in changes.items():
        setattr(sr, name, value)
    sr.status = to
    sr.updated_at = now
    fields = {"status", "updated_at", *changes}
    if to == Status.ACKNOWLEDGED and sr.acknowledged_at is None:
        sr.acknowledged_at = now
        fields.add("acknowledged_at")
    if to == Status.DISPATCHED:
        sr.dispatched_at = now
        fields.add("dispatched_at")
    if to in (Status.RESOLVED, Status.ANSWERED):
        sr.resolved_at = now
        sr.handler = actor if actor is not None and actor.is_authenticated else sr.owner
        fields |= {"resolved_at", "handler"}
    if to == Status.CLOSED:
        sr.closed_at = now
        fields.add("closed_at")
        if not sr.closure:
            sr.closure = Closure.DONE
            fields.add("closure")
    if to == Status.ON_HOLD:
        sr.held_from, sr.hold_reason = frm, note.strip()[:200]
        fields |= {"held_from", "hold_reason"}
        sla.milestones_pause(request=sr, now=now)
    if frm == Status.ON_HOLD:
        sr.held_from, sr.hold_reason = "", ""
        fields |= {"held_from", "hold_reason"}
        sla.milestones_resume(request=sr, now=now)
    if to == Status.CANCELLED:
        sr.cancel_reason = note.strip()[:200]
        fields.add("cancel_reason")
    reassigning = to == Status.REOPENED and frm != Status.ON_HOLD  # resuming a held reopening keeps its owner
    if reassigning:
        # Never an orphan: back to the person who had it, or whom the desk's rule names (see _reopen_owner).
        owner = _reopen_owner(sr)
        if owner is not None:
            sr.owner, sr.department_id = owner, owner.department_id
            fields |= {"owner", "department"}
    if reassigning:
        sr.reopen_count += 1
        sr.closed_at = sr.resolved_at = None
        sr.closure = sr.closure_reason = ""
        sr.satisfaction = None
        sr.follow_up_attempts = 0
        fields |= {
            "reopen_count",
            "closed_at",
            "resolved_at",
            "closure",
            "closure_reason",
            "satisfaction",
            "follow_up_attempts",
        }
    sr.save(update_fields=sorted(fields))
    if reassigning:
        rows = sla.milestones_restart(request=sr, now=now, round=sr.reopen_count)
        sr.owner_due_at = min((r.due_at for r in rows if r.milestone == MilestoneKind.RESOLVE), default=None)
        sr.save(update_fields=["owner_due_at"])
        data = {
            **(data or {}),
            "owner": sr.owner_id,
            "owner_name": str(sr.owner) if sr.owner_id else "",
            "due_at": sr.owner_due_at.isoformat() if sr.owner_due_at else None,
        }

    _event(
        sr,
        kind=EventKind.TRANSITION,
        actor=actor,
        now=now,
        from_status=frm,
        to_status=to,
        note=note,
        data=data,
    )
    if to in FINAL:
        sla.milestones_cancel(request=sr, now=now)
    else:
        sla.milestones_meet(request=sr, status=to, now=now)
    _shop_message(sr, to, now)
    if reassigning:
        notify_owner(request=sr, why="reopened", actor=actor, now=now)
    request_event(sr, to, now=now)  # outbound event (issue 15): dispatched, resolved, closed, reopened
    request.__dict__.update({k: v for k, v in sr.__dict__.items() if not k.startswith("_")})
    return sr


def _reopen_owner(sr: ServiceRequest):
    """Who takes a reopened request: its last owner, else whoever answered or resolved it, else the desk's
    dispatch rule (the shop's account manager for field matters, otherwise the least-loaded agent) — the
    first of them still active and able to own it."""
    from .selectors import dispatch_suggestions

    tried = set()
    for user in (sr.owner, sr.handler):
        if user is not None and user.pk not in tried:
            tried.add(user.pk)
            if may_own(user, sr):
                return user
    for suggestion in dispatch_suggestions(request=sr):
        if suggestion["user"].pk not in tried and may_own(suggestion["user"], sr):
            return suggestion["user"]
    return None


@transaction.atomic
def servicerequest_acknowledge(*, request, actor, now, note="") -> ServiceRequest:
    """受理. Someone outside the desk who acknowledges (an account manager at their own shop) takes the
    request on at once: it becomes theirs to handle (or to hand back to the desk) — never a dead end."""
    _check(actor, "acknowledge", request)
    sr = servicerequest_transition(request=request, to=Status.ACKNOWLEDGED, actor=actor, now=now, note=note)
    if actor is not None and not is_desk(actor, sr) and may_own(actor, sr):
        due = (
            sr.milestones.filter(milestone=MilestoneKind.RESOLVE, state="pending")
            .values_list("due_at", flat=True)
            .first()
        )
        sr = servicerequest_transition(
            request=request,
            to=Status.DISPATCHED,
            actor=actor,
            now=now,
            note=_("Taken on at acknowledgement."),
            data={"owner": actor.pk, "owner_name": str(actor), "due_at": due.isoformat() if due else None},
            owner=actor,
            owner_due_at=due,
        )
    return sr


def servicerequest_answer(*, request, answer: str, actor, now) -> ServiceRequest:
    _check(actor, "answer", request)
    if not (answer or "").strip():
        raise ValidationError(_("Write the answer."), code="answer")
    return servicerequest_transition(request=request, to=Status.ANSWERED, actor=actor, now=now, note=answer)


def may_own(user, request) -> bool:
    """An owner must be active staff whose own scope covers the request; department staff may own any
    request but tip-offs (the department then takes it into its own scope)."""
    if user is None or not user.is_active or not user.role:
        return False
    if user.role == Role.DEPARTMENT_STAFF:
        return bool(user.department_id) and request.kind != Kind.REPORT
    return ServiceRequest.objects.filter(visibility_q(user, include_owned=False), pk=request.pk).exists()


@transaction.atomic
def servicerequest_dispatch(
    *, request, owner, due_at: datetime | None = None, reason: str = "", actor, now
) -> ServiceRequest:
    """Gives the request to a named owner with a deadline. Changing an existing owner needs a reason."""
    _check(actor, "dispatch", request)
    seen_owner, seen_status = request.owner_id, request.status  # what the dispatcher was looking at
    sr = _lock(request)
    if (sr.owner_id, sr.status) != (seen_owner, seen_status):
        # Someone else dispatched (or moved) it meanwhile: never reassign over a decision not yet seen.
        raise ValidationError(
            _(
                "Meanwhile this request was changed (now: %(status)s, owner: %(name)s). Reload it and decide again."
            )
            % {"status": sr.get_status_display(), "name": sr.owner or "—"},
            code="conflict",
        )
    if not may_own(owner, sr):
        raise ValidationError(
            _("%(name)s cannot handle this request (outside their area).") % {"name": owner}, code="owner"
        )
    if due_at is not None and due_at <= now:
        raise ValidationError(_("The deadline must be in the future."), code="due_at")
    if due_at is None:
        due_at = (
            sr.milestones.filter(milestone=MilestoneKind.RESOLVE, state="pending")
            .values_list("due_at", flat=True)
            .first()
        )
    data = {"owner": owner.pk, "owner_name": str(owner), "due_at": due_at.isoformat() if due_at else None}
    if sr.owner_id is not None and sr.status in (Status.DISPATCHED, Status.IN_PROGRESS):
        if not reason.strip():
            raise ValidationError(
                _("Already dispatched to %(name)s; reassigning needs a reason.") % {"name": sr.owner},
                code="reason",
            )
        if sr.owner_id == owner.pk:
            raise ValidationError(_("%(name)s already owns this request.") % {"name": owner}, code="owner")
        data["previous_owner"] = sr.owner_id
        sr.owner, sr.owner_due_at, sr.updated_at = owner, due_at, now
        sr.department_id = owner.department_id
        to = Status.DISPATCHED
        sr.status = to
        sr.save(update_fields=["owner", "owner_due_at", "updated_at", "status", "department"])
        _event(sr, kind=EventKind.REASSIGNED, actor=actor, now=now, note=reason, data=data)
        notify_owner(request=sr, why="reassigned", actor=actor, now=now)
        request_event(sr, "dispatched", now=now, reassigned=True)  # outbound event (issue 15)
        request.__dict__.update({k: v for k, v in sr.__dict__.items() if not k.startswith("_")})
        return sr
    sr = servicerequest_transition(
        request=request,
        to=Status.DISPATCHED,
        actor=actor,
        now=now,
        note=reason,
        data=data,
        owner=owner,
        owner_due_at=due_at,
        department_id=owner.department_id,  # a department's staff member: the department owns it now
    )
    notify_owner(request=sr, why="dispatched", actor=actor, now=now)
    return sr


def servicerequest_start(*, request, plan: str, actor, now) -> ServiceRequest:
    """The owner takes it up with an initial plan (meets the plan milestone)."""
    _check(actor, "start", request)
    if not (plan or "").strip():
        raise ValidationError(_("Write the initial plan."), code="plan")
    return servicerequest_transition(request=request, to=Status.IN_PROGRESS, actor=actor, now=now, note=plan)


@transaction.atomic
def servicerequest_report(
    *, request, actions_taken: str, outcome: str, photos=(), actor, now
) -> HandlingReport:
    """处理反馈单: what was done and the outcome, with photos."""
    _check(actor, "report", request)
    sr = _lock(request)
    if sr.status not in (Status.DISPATCHED, Status.IN_PROGRESS, Status.REOPENED):
        raise ValidationError(
            _("A handling report is written while the request is being handled."), code="report_status"
        )
    actions_taken, outcome = (actions_taken or "").strip(), (outcome or "").strip()
    if not actions_taken or not outcome:
        raise ValidationError(_("Say what was done and the outcome."), code="report")
    if len(actions_taken) > 2000 or len(outcome) > 1000:
        raise ValidationError(_("The handling report is too long."), code="report_length")
    cleaned = _clean_photos(photos)
    report = HandlingReport.objects.create(
        request=sr, author=actor, actions_taken=actions_taken, outcome=outcome, created_at=now
    )
    _store_photos(sr, cleaned, actor=actor, now=now, report=report)
    _event(
        sr,
        kind=EventKind.REPORT,
        actor=actor,
        now=now,
        note=f"{actions_taken}\n{outcome}",
        data={"report": report.pk, "photos": len(cleaned)},
    )
    return report


def servicerequest_resolve(*, request, actor, now, note="") -> ServiceRequest:
    _check(actor, "resolve", request)
    return servicerequest_transition(request=request, to=Status.RESOLVED, actor=actor, now=now, note=note)


def servicerequest_hold(*, request, reason: str, actor, now) -> ServiceRequest:
    """On hold with a reason: the clocks stop until it is resumed."""
    _check(actor, "hold", request)
    return servicerequest_transition(request=request, to=Status.ON_HOLD, actor=actor, now=now, note=reason)


def servicerequest_resume(*, request, actor, now, note="") -> ServiceRequest:
    _check(actor, "resume", request)
    if request.status != Status.ON_HOLD:
        raise ValidationError(_("The request is not on hold."), code="resume")
    return servicerequest_transition(request=request, to=request.held_from, actor=actor, now=now, note=note)


def servicerequest_merge(*, request, into: ServiceRequest, actor, now) -> ServiceRequest:
    """A duplicate is merged into the request that carries on."""
    _check(actor, "merge", request)
    if into.pk == request.pk or not into.is_open or into.status == Status.MERGED:
        raise ValidationError(_("Merge into another open request."), code="merge")
    return servicerequest_transition(
        request=request,
        to=Status.MERGED,
        actor=actor,
        now=now,
        note=_("Merged into %(ref)s") % {"ref": into.reference},
        data={"into": into.pk},
        merged_into=into,
    )


def servicerequest_cancel(*, request, reason: str, actor, now) -> ServiceRequest:
    _check(actor, "cancel", request)
    return servicerequest_transition(request=request, to=Status.CANCELLED, actor=actor, now=now, note=reason)


@transaction.atomic
def servicerequest_follow_up(
    *, request, reached: bool, satisfaction: int | None = None, comment: str = "", actor, now
) -> FollowUp:
    """回访. Reached: satisfaction 1–5 (dissatisfied reopens to the owner and escalates). Not reached: retried;
    after the configured number of attempts over the configured span the request closes as unreachable."""
    _check(actor, "follow_up", request)
    sr = _lock(request)
    if sr.status not in (Status.RESOLVED, Status.ANSWERED):
        raise ValidationError(_("Follow-up comes after the request is resolved."), code="follow_up_status")
    comment = (comment or "").strip()[:500]
    if reached:
        if satisfaction is None or not 1 <= int(satisfaction) <= 5:
            raise ValidationError(_("Satisfaction must be 1 to 5."), code="satisfaction")
        satisfaction = int(satisfaction)
    else:
        satisfaction = None
    fu = FollowUp.objects.create(
        request=sr, by=actor, at=now, reached=reached, satisfaction=satisfaction, comment=comment
    )
    _event(
        sr,
        kind=EventKind.FOLLOW_UP,
        actor=actor,
        now=now,
        note=comment,
        data={"reached": reached, "satisfaction": satisfaction},
    )
    if not reached:
        sr.follow_up_attempts += 1
        sr.save(update_fields=["follow_up_attempts"])
        first = sr.follow_ups.filter(reached=False).order_by("at").values_list("at", flat=True).first()
        if sr.follow_up_attempts >= conf("FOLLOW_UP_MAX_ATTEMPTS") and now - first >= conf("FOLLOW_UP_SPAN"):
            servicerequest_transition(
                request=sr,
                to=Status.CLOSED,
                actor=actor,
                now=now,
                closure=Closure.UNREACHABLE,
                closure_reason=comment
                or _("Customer not reached after %(n)d calls.") % {"n": sr.follow_up_attempts},
                note=_("Closed as unreachable after %(n)d calls.") % {"n": sr.follow_up_attempts},
            )
        request.__dict__.update({k: v for k, v in sr.__dict__.items() if not k.startswith("_")})
        return fu
    sr.satisfaction = satisfaction
    sr.save(update_fields=["satisfaction"])
    if satisfaction <= conf("DISSATISFIED_AT"):
        sr = servicerequest_transition(
            request=sr,
            to=Status.REOPENED,
            actor=actor,
            now=now,
            note=_("Customer dissatisfied (%(n)d/5): %(comment)s") % {"n": satisfaction, "comment": comment},
        )
        escalate(
            request=sr,
            reason=EscalationReason.LOW_SATISFACTION,
            now=now,
            round=sr.reopen_count,
            recipients=[u for u in [sr.owner, *recipients_for(sr, level=1)] if u is not None],
            note=_("Satisfaction %(n)d/5") % {"n": satisfaction},
        )
    else:
        sr = servicerequest_transition(
            request=sr,
            to=Status.FOLLOWED_UP,
            actor=actor,
            now=now,
            note=comment,
            data={"satisfaction": satisfaction},
        )
    request.__dict__.update({k: v for k, v in sr.__dict__.items() if not k.startswith("_")})
    return fu


def servicerequest_close(*, request, actor, now, note="") -> ServiceRequest:
    _check(actor, "close", request)
    return servicerequest_transition(request=request, to=Status.CLOSED, actor=actor, now=now, note=note)


def servicerequest_reopen(*, request, reason: str, actor, now) -> ServiceRequest:
    _check(actor, "reopen", request)
    return servicerequest_transition(request=request, to=Status.REOPENED, actor=actor, now=now, note=reason)


@transaction.atomic
def servicerequest_hand_back(*, request, reason: str, actor, now) -> ServiceRequest:
    """The owner gives the request back to the desk with a reason; it waits there for an owner."""
    _check(actor, "hand_back", request)
    if not (reason or "").strip():
        raise ValidationError(_("Give a reason."), code="reason")
    if request.status == Status.REOPENED:
        sr = _lock(request)
        data = {"previous_owner": sr.owner_id, "owner": None, "owner_name": ""}
        sr.owner, sr.owner_due_at, sr.updated_at, sr.department = None, None, now, None
        sr.save(update_fields=["owner", "owner_due_at", "updated_at", "department"])
        _event(sr, kind=EventKind.REASSIGNED, actor=actor, now=now, note=reason, data=data)
        request.__dict__.update({k: v for k, v in sr.__dict__.items() if not k.startswith("_")})
    else:
        sr = servicerequest_transition(
            request=request,
            to=Status.ACKNOWLEDGED,
            actor=actor,
            now=now,
            note=reason,
            data={"previous_owner": request.owner_id, "owner": None},
            owner=None,
            owner_due_at=None,
            department=None,
        )
    return sr


@transaction.atomic
def servicerequest_note(*, request, note: str, actor, now) -> RequestEvent:
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Write a note."), code="note")
    if len(note) > 2000:
        raise ValidationError(
            _("The note is too long (at most %(n)d characters).") % {"n": 2000}, code="note"
        )
    return _event(request, kind=EventKind.NOTE, actor=actor, now=now, note=note)


@transaction.atomic
def category_save(*, category: Category, actor, now) -> Category:
    category.full_clean()
    category.save()
    transaction.on_commit(lambda: reference_forget("servicedesk:categories"))  # the QR form's (core.refcache)
    audit_record(actor=actor, action="servicedesk.category", obj=category, summary=category.name, now=now)
    return category
