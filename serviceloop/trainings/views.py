"""Staff pages of trainings: sessions (list, plan, edit, invite, attendance, steps, feedback survey, door QR),
coverage by station and the topic library. Thin: validate, call a service, render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from serviceloop.core.audit import audit_record
from serviceloop.core.background import start_export
from serviceloop.core.htmx import render_page
from serviceloop.core.paging import paginate
from serviceloop.core.params import id_param
from serviceloop.core.phones import sees_phones
from serviceloop.org.selectors import branches_visible_to, stations_visible_to

from . import selectors, services
from .filters import SHOWN
from .forms import NoteForm, SessionForm, TopicForm
from .models import CHECK_IN_OPEN, INVITING, TRANSITIONS, SessionAction, SessionStatus, TrainingTopic
from .scope import may_edit_topics, may_manage, may_organise, may_read, may_see_coverage, may_take_attendance

STEPS = [SessionAction.HOLD, SessionAction.CLOSE, SessionAction.CANCEL]


def _read(user):
    if not may_read(user):
        raise PermissionDenied


def _export(request, *, builder, name, count):
    if count > settings.EXPORT_MAX_ROWS:
        messages.error(request, _("Too many rows to export (%(n)d). Narrow the filter first.") % {"n": count})
        return redirect(f"{reverse('trainings:sessions')}?{request.GET.urlencode()}")
    audit_record(actor=request.user, action="training.export", summary=f"{name} {count}",
                 data={"filter": request.GET.dict(), "rows": count})  # fmt: skip
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return start_export(request, builder=builder, filename=f"{name}-{stamp}.xlsx")


# --- sessions ------------------------------------------------------------------------------------------------------
@login_required
@require_GET
def sessions(request):
    _read(request.user)
    page, query = paginate(request, selectors.session_list(user=request.user, params=request.GET))
    context = {
        "page": page,
        "query": query,
        "statuses": SessionStatus.choices,
        "topics": TrainingTopic.objects.order_by("order", "id"),
        "branches": branches_visible_to(request.user).order_by("name"),
        "stations": stations_visible_to(request.user)
        .select_related("branch")
        .order_by("branch__name", "name"),
        "may_organise": may_organise(request.user),
        "may_edit_topics": may_edit_topics(request.user),
        "may_see_coverage": may_see_coverage(request.user),
    }
    return render_page(request, "trainings/sessions.html", context, partial="trainings/_session_table.html")


@login_required
@require_GET
def sessions_export(request):
    _read(request.user)
    count = selectors.session_list(user=request.user, params=request.GET).count()
    return _export(
        request, builder="serviceloop.trainings.export.session_sheets", name=_("trainings"), count=count
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request):
    if not may_organise(request.user):
        raise PermissionDenied
    form = SessionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(data=form.cleaned_data, actor=request.user, now=timezone.now())
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Training planned. Now invite the shops."))
            return redirect("trainings:session-invite", pk=session.pk)
    return render(request, "trainings/session_form.html", {"form": form, "session": None})


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request, pk):
    session = selectors.session_get(user=request.user, pk=pk)
    if not may_manage(request.user, session) or session.status not in INVITING:
        raise PermissionDenied
    initial = {f: getattr(session, f) for f in ("trainer", "place", "capacity", "notes")}
    initial.update(
        starts_at=timezone.localtime(session.starts_at), ends_at=timezone.localtime(session.ends_at)
    )
    form = SessionForm(request.POST or None, user=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(
                session=session, data=form.cleaned_data, actor=request.user, now=timezone.now()
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Training changed."))
            return redirect("trainings:session", pk=session.pk)
    return render(request, "trainings/session_form.html", {"form": form, "session": session})


def _form_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        for e in exc.messages:
            form.add_error(None, e)


@login_required
@require_GET
def session_detail(request, pk):
    session = selectors.session_get(user=request.user, pk=pk)
    user, now = request.user, timezone.now()
    invitations = selectors.session_invitations(session=session, params=request.GET)
    page, query = paginate(request, invitations, size=50)
    manage = may_manage(user, session)
    steps = [a for a in STEPS if (a, session.status) in TRANSITIONS] if manage else []
    context = {
        "session": session,
        "page": page,
        "query": query,
        "manage": manage,
        "may_tick": may_take_attendance(user, session) and session.status in CHECK_IN_OPEN,
        "may_invite": manage and session.status in INVITING,
        "may_edit": manage and session.status in INVITING,
        "may_feedback": manage
        and not session.wave_id
        and session.status in (SessionStatus.HELD, SessionStatus.CLOSED),  # fmt: skip
        "steps": steps,
        "note_form": NoteForm(),
        "events": session.events.select_related("actor"),
        "counts": session.invitations.aggregate(**_counts()),
        "effect": selectors.tag_effect(session.invitations.all(), now=now),
        "topic_tags": list(session.topic.tags.all()),
        "sees_phones": sees_phones(user),
        "checkin_url": services.checkin_url(session) if session.status in CHECK_IN_OPEN else "",
    }
    return render_page(request, "trainings/session.html", context, partial="trainings/_invitation_table.html")


def _counts():
    from django.db.models import Count, Q

    return {"invited": Count("pk"), "attended": Count("pk", filter=Q(attended_at__isnull=False))}


@login_required
@require_GET
def session_door(request, pk):
    """The door's QR code, big, to show on a phone or print."""
    session = selectors.session_get(user=request.user, pk=pk)
    if not may_take_attendance(request.user, session):
        raise PermissionDenied
    if session.status not in CHECK_IN_OPEN:
        messages.info(request, _("Check-in opens once invitations are sent."))
        return redirect("trainings:session", pk=session.pk)
    from django.utils.safestring import mark_safe

    from serviceloop.portal.cards import qr_svg

    url = services.checkin_url(session)
    svg = mark_safe(qr_svg(url).decode())  # noqa: S308 - segno's own SVG, no user text in it
    return render(request, "trainings/door.html", {"session": session, "url": url, "qr_svg": svg})


@login_required
@require_http_methods(["GET", "POST"])
def session_invite(request, pk):
    session = selectors.session_get(user=request.user, pk=pk)
    if not may_manage(request.user, session):
        raise PermissionDenied
    params = request.POST if request.method == "POST" else request.GET
    filterset, candidates = selectors.invite_candidates(session=session, user=request.user, params=params)
    targeting = filterset.targeting() if filterset.is_bound and params else None
    invited = session.invitations.count()
    room = max(session.capacity - invited, 0)
    if request.method == "POST":
        if session.status not in INVITING:
            messages.error(request, _("Invitations can be sent only before the session is held."))
            return redirect("trainings:session", pk=session.pk)
        if targeting is None:
            filterset.form.add_error(None, _("Choose the shops: a segment, a problem tag, a key-customer list, "
                                             "licence numbers or another filter."))  # fmt: skip
        else:
            chosen = list(
                candidates.select_related(None).only("pk", "name", "phone", "station_id")[: room + 1]
            )
            try:
                n, left_out = services.session_invite(session=session, customers=chosen, targeting=targeting,
                                                      actor=request.user, now=timezone.now())  # fmt: skip
            except ValidationError as exc:
                for e in exc.messages:
                    filterset.form.add_error(None, e)
            else:
                msg = _("%(n)d shop(s) invited; each was sent the invitation.") % {"n": n}
                if left_out:
                    msg += " " + _("The session is full: %(m)d matching shop(s) were not invited.") % {
                        "m": candidates.count()
                    }
                messages.success(request, msg)
                return redirect("trainings:session", pk=session.pk)
    preview = list(candidates[:room]) if targeting else []
    context = {
        "session": session,
        "filter": filterset,
        "shown": [filterset.form[name] for name in SHOWN if name in filterset.form.fields],
        "matching": candidates.count() if targeting else None,
        "preview": preview,
        "room": room,
        "invited": invited,
        "sees_phones": sees_phones(request.user),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "trainings/invite.html", context, status=status)


@login_required
@require_POST
def session_attendance(request, pk):
    session = selectors.session_get(user=request.user, pk=pk)
    if not may_take_attendance(request.user, session):
        raise PermissionDenied
    # The page shows one page of invitations: only those shown are changed, the others keep their state.
    shown = {id_param(v) for v in request.POST.getlist("shown")} - {None}
    ticked = {id_param(v) for v in request.POST.getlist("attended")} - {None}
    if not ticked <= shown:
        messages.error(request, _("Some ticked shops are not invited to this session."))
        return redirect("trainings:session", pk=session.pk)
    others = set(session.invitations.exclude(pk__in=shown).filter(attended_at__isnull=False)
                 .values_list("pk", flat=True))  # fmt: skip
    try:
        added, removed = services.attendance_set(session=session, attended_ids=ticked | others,
                                                 actor=request.user, now=timezone.now())  # fmt: skip
    except ValidationError as exc:
        for e in exc.messages:
            messages.error(request, e)
    else:
        messages.success(
            request, _("Attendance saved: %(a)d ticked, %(r)d unticked.") % {"a": added, "r": removed}
        )
    return redirect(f"{reverse('trainings:session', args=[session.pk])}?{request.POST.get('back', '')}")


@login_required
@require_POST
def session_step(request, pk):
    session = selectors.session_get(user=request.user, pk=pk)
    action = request.POST.get("action", "")
    if action not in SessionAction.values or not may_manage(request.user, session):
        raise PermissionDenied
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("trainings:session", pk=session.pk)
    try:
        services.session_transition(session=session, action=action, actor=request.user, now=timezone.now(),
                                    note=form.cleaned_data["note"])  # fmt: skip
    except ValidationError as exc:
        for e in exc.messages:
            messages.error(request, e)
    else:
        messages.success(request, _("Training: %(step)s.") % {"step": SessionAction(action).label})
    return redirect("trainings:session", pk=session.pk)


@login_required
@require_POST
def session_feedback(request, pk):
    session = selectors.session_get(user=request.user, pk=pk)
    if not may_manage(request.user, session):
        raise PermissionDenied
    try:
        wave = services.feedback_send(session=session, actor=request.user, now=timezone.now())
    except ValidationError as exc:
        for e in exc.messages:
            messages.error(request, e)
    else:
        messages.success(request, _("Feedback survey sent to %(n)d shop(s).") % {"n": wave.targets.count()})
    return redirect("trainings:session", pk=session.pk)


# --- coverage ---------------------------------------------------------------------------------------------------
@login_required
@require_GET
def coverage(request):
    if not may_see_coverage(request.user):
        raise PermissionDenied
    now = timezone.now()
    rows, total = selectors.coverage(user=request.user, params=request.GET, now=now)
    year = selectors.coverage_year(request.GET, now=now)
    context = {
        "rows": rows,
        "total": total,
        "year": year,
        "years": list(range(timezone.localdate(now).year, timezone.localdate(now).year - 5, -1)),
        "effect": selectors.tag_effect(
            selectors.coverage_invitations(user=request.user, params=request.GET, now=now), now=now
        ),  # fmt: skip
        "topics": TrainingTopic.objects.order_by("order", "id"),
        "branches": branches_visible_to(request.user).order_by("name"),
        "stations": stations_visible_to(request.user)
        .select_related("branch")
        .order_by("branch__name", "name"),
        "query": request.GET.urlencode(),
    }
    return render(request, "trainings/coverage.html", context)


@login_required
@require_GET
def coverage_export(request):
    if not may_see_coverage(request.user):
        raise PermissionDenied
    count = selectors.coverage_stations(user=request.user, params=request.GET).count()
    return _export(request, builder="serviceloop.trainings.export.coverage_sheets", name=_("training coverage"),
                   count=count)  # fmt: skip


# --- topics -------------------------------------------------------------------------------------------------------
@login_required
@require_GET
def topics(request):
    _read(request.user)
    return render(request, "trainings/topics.html", {"topics": selectors.topics(),
                                                     "may_edit": may_edit_topics(request.user)})  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def topic_edit(request, pk=None):
    if not may_edit_topics(request.user):
        raise PermissionDenied
    topic = get_object_or_404(TrainingTopic, pk=pk) if pk else None
    initial = ({"name": topic.name, "description": topic.description, "order": topic.order, "active": topic.active,
                "tags": list(topic.tags.all())} if topic else None)  # fmt: skip
    form = TopicForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.topic_save(topic=topic, data=form.cleaned_data, actor=request.user, now=timezone.now())
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Topic saved."))
            return redirect("trainings:topics")
    return render(request, "trainings/topic_form.html", {"form": form, "topic": topic})
