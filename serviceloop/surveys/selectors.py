"""Reads of the survey app, each scoped to the user."""

from __future__ import annotations

from django.db.models import BooleanField, Count, Exists, IntegerField, OuterRef, Q, Value
from django.shortcuts import get_object_or_404

from serviceloop.core.params import id_param
from serviceloop.core.phones import phone_q
from serviceloop.core.subqueries import counted
from serviceloop.org.models import Role
from serviceloop.org.scope import is_city_level

from .models import Answer, AnswerStatus, Channel, Questionnaire, Reminder, Wave, WaveStatus, WaveTarget

# Below the city, an anonymous wave shows no figure of a group this small (it could name the shop).
ANONYMITY_MIN_N = 5


def wave_list(*, user, q: str = "", status: str = ""):
    qs = (
        Wave.objects.visible_to(user)
        .select_related("questionnaire")
        .annotate(
            n_targets=counted(Wave, "targets"),
            n_answered=counted(Wave, "answers", status=AnswerStatus.SUBMITTED),
        )
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(questionnaire__title__icontains=q))
    if status in WaveStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-period_start", "-id")


def wave_get(*, user, pk) -> Wave:
    return get_object_or_404(Wave.objects.visible_to(user).select_related("questionnaire"), pk=pk)


def questionnaire_list(*, q: str = ""):
    qs = Questionnaire.objects.annotate(n_waves=Count("waves"), n_items=Count("sections__items"))
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(code__icontains=q))
    return qs.order_by("code", "-version")


def targets_for(*, user, wave: Wave, q: str = "", state: str = "", station: str = "", route: str = ""):
    """The wave's shops the user may see, with whether each has answered and how often it was reminded."""
    submitted = Answer.objects.filter(target=OuterRef("pk"), status=AnswerStatus.SUBMITTED)
    started = Answer.objects.filter(target=OuterRef("pk"), status=AnswerStatus.IN_PROGRESS)
    qs = (
        WaveTarget.objects.filter(wave=wave)
        .visible_to(user)
        .select_related("customer", "station", "route", "branch")
    )
    if not shop_level_allowed(user=user, wave=wave):
        # Anonymous wave below the city: which shop answered (or was reminded because it had not) is not
        # shown, nor can it be filtered for.
        return _filtered(qs.annotate(done=Value(None, output_field=BooleanField()), started=Value(None, output_field=BooleanField()),
                        n_reminders=Value(None, output_field=IntegerField())), q, "",
                         station, route, user)  # fmt: skip
    qs = qs.annotate(done=Exists(submitted), started=Exists(started), n_reminders=Count("reminders"))
    return _filtered(qs, q, state, station, route, user)


def _filtered(qs, q, state, station, route, user):
    if q:
        qs = qs.filter(
            Q(customer__name__icontains=q)
            | Q(customer__licence_no__icontains=q)
            | Q(customer__owner_name__icontains=q)
            | phone_q(user, q, "customer__phone")
        )
    if state == "done":
        qs = qs.filter(done=True)
    elif state == "pending":
        qs = qs.filter(done=False)
    if (value := id_param(station)) is not None:
        qs = qs.filter(station_id=value)
    if (value := id_param(route)) is not None:
        qs = qs.filter(route_id=value)
    return qs.order_by("station__name", "route__name", "customer__licence_no")


def target_get(*, user, wave: Wave, pk) -> WaveTarget:
    return get_object_or_404(
        WaveTarget.objects.filter(wave=wave).visible_to(user).select_related("customer", "route", "station"),
        pk=pk,
    )


def progress(*, user, wave: Wave) -> dict:
    """Participation by branch, station and route within the user's scope."""
    targets = WaveTarget.objects.filter(wave=wave).visible_to(user)
    done = Q(answer__status=AnswerStatus.SUBMITTED)
    out = {}
    blind = not shop_level_allowed(user=user, wave=wave)
    for level, name in (("branch", "branch__name"), ("station", "station__name"), ("route", "route__name")):
        rows = (
            targets.order_by()
            .values(f"{level}_id", name)
            .annotate(n=Count("id"), answered=Count("id", filter=done))
            .order_by(name)
        )
        out[level] = [
            {
                "id": r[f"{level}_id"],
                "name": r[name] or "—",
                "n": r["n"],
                "answered": r["answered"],
                "rate": 100.0 * r["answered"] / r["n"] if r["n"] else 0.0,
            }
            for r in rows
        ]
        if blind:  # an anonymous wave's small groups would show which few shops answered
            for row in out[level]:
                if row["n"] < ANONYMITY_MIN_N:
                    row["answered"] = row["rate"] = None
    total = targets.aggregate(n=Count("id"), answered=Count("id", filter=done))
    total["rate"] = 100.0 * total["answered"] / total["n"] if total["n"] else 0.0
    if blind and total["n"] < ANONYMITY_MIN_N:
        total["answered"] = total["rate"] = None
    out["total"] = total
    out["by_channel"] = [
        {"channel": Channel(r["channel"]).label, "n": r["n"]}
        for r in Answer.objects.filter(wave=wave, status=AnswerStatus.SUBMITTED, target__in=targets)
        .order_by()
        .values("channel")
        .annotate(n=Count("id"))
        .order_by("channel")
    ]
    return out


def shop_level_allowed(*, user, wave: Wave) -> bool:
    """Anonymous waves show no answer next to a shop below the city level."""
    return not wave.anonymous or is_city_level(user)


def due_reminders(*, wave: Wave, now, every_days: int = 3):
    """Open-wave shops without an answer and without a reminder in the last ``every_days`` days."""
    from datetime import timedelta

    recent = Reminder.objects.filter(target=OuterRef("pk"), at__gte=now - timedelta(days=every_days))
    return (
        WaveTarget.objects.filter(wave=wave, wave__status=WaveStatus.OPEN)
        .exclude(answer__status=AnswerStatus.SUBMITTED)
        .exclude(Exists(recent))
    )


def customer_survey_rows(*, user, customer) -> list[dict]:
    """The shop's survey waves for its page: answered or not, and its score where the user may see it."""
    rows = []
    targets = (
        WaveTarget.objects.filter(customer=customer)
        .select_related("wave", "answer")
        .order_by("-wave__period_start")[:10]
    )
    for t in targets:
        answer = getattr(t, "answer", None)
        rows.append(
            {
                "wave": t.wave,
                "target": t,
                "status": answer.get_status_display() if answer else None,
                "submitted_at": answer.submitted_at if answer else None,
                "shop_level": shop_level_allowed(user=user, wave=t.wave),
            }
        )
    return rows


def may_enter_for(user) -> bool:
    return bool(user.is_superuser or user.role in (Role.CITY_ADMIN, Role.AGENT, Role.ACCOUNT_MANAGER))
