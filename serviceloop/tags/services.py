"""Writes of the tag libraries and the tag loop. Views, API, jobs and the demo all call these."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.core.audit import audit_record
from serviceloop.customers.models import Customer
from serviceloop.integrations.events import tag_event, tags_attached_events
from serviceloop.org.models import Role
from serviceloop.org.scope import can_manage_org

from .models import (
    LIVE_STATUSES,
    TRANSITIONS,
    CustomerTag,
    CustomerTagEvent,
    LibraryEdit,
    ProblemTag,
    ServiceStrategy,
    TagAction,
    TagStatus,
)

TAG_FIELDS = ("category", "name", "description", "discovery_source", "severity", "active")
STRATEGY_FIELDS = ("actions", "responsible_role", "time_limit_days", "materials")
BULK_MAX = 5000


# --- who may do what ---------------------------------------------------------------------------------
def may_edit_library(user) -> bool:
    return can_manage_org(user)


def _sees(user, customer) -> bool:
    return Customer.objects.visible_to(user).filter(pk=customer.pk).exists()


# Who marks needs (docs/roles.md): the people who serve the shop or hear it (visits, calls, data analysis).
# Supervisors verify tags and so do not attach them; inspectors enforce the monopoly law, not service tags.
ATTACH_ROLES = {
    Role.ACCOUNT_MANAGER,
    Role.MARKET_MANAGER,
    Role.STATION_HEAD,
    Role.BRANCH_MANAGER,
    Role.CITY_ADMIN,
    Role.AGENT,
}
# Attaching to every shop of a filter is a data-analysis step of those who serve the shops (each within
# their scope), not of the desk (one call, one shop), supervisors or inspectors.
BULK_ATTACH_ROLES = ATTACH_ROLES - {Role.AGENT}


def may_attach(user, customer) -> bool:
    """A role that marks needs, on a shop inside the user's data scope."""
    if not user.is_authenticated or not (user.is_superuser or user.role in ATTACH_ROLES):
        return False
    return _sees(user, customer)


def may_bulk_attach(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in BULK_ATTACH_ROLES))


REMOVER_ROLES = {
    Role.ACCOUNT_MANAGER,
    Role.MARKET_MANAGER,
    Role.STATION_HEAD,
    Role.BRANCH_MANAGER,
    Role.CITY_ADMIN,
}


def may_remove(user, ctag) -> bool:
    return bool(user.is_superuser or user.role in REMOVER_ROLES) and _sees(user, ctag.customer)


def may_verify(user, ctag) -> bool:
    """The shop's station head, or a supervisor whose scope holds the shop; never the one who removed it."""
    if user.pk == ctag.removed_by_id and not user.is_superuser:
        return False
    if user.is_superuser:
        return True
    if user.role == Role.STATION_HEAD:
        return user.station_id == ctag.customer.station_id
    return user.role == Role.SUPERVISOR and _sees(user, ctag.customer)


def may_sample(user, ctag) -> bool:
    """Layered supervision: branch and city (branch managers, city admins, branch/city supervisors)."""
    if user.pk == ctag.verified_by_id and not user.is_superuser:
        return False
    if user.is_superuser:
        return True
    if (
        user.role not in (Role.BRANCH_MANAGER, Role.CITY_ADMIN, Role.SUPERVISOR)
        or user.unit_level == "station"
    ):
        return False
    return _sees(user, ctag.customer)


PERMISSION = {
    TagAction.REMOVE: may_remove,
    TagAction.VERIFY: may_verify,
    TagAction.SEND_BACK: may_verify,
    TagAction.SAMPLE_PASS: may_sample,
    TagAction.OVERTURN: may_sample,
}


def due_at_for(start: dt.datetime, days: int) -> dt.datetime:
    """The end (local midnight) of the ``days``-th calendar day after ``start``'s day.

    Attached on Monday at 15:00 with a 1-day limit → due at Wednesday 00:00, i.e. by the end of Tuesday.
    """
    local = timezone.localtime(start)
    end_day = local.date() + dt.timedelta(days=days + 1)
    return dt.datetime.combine(end_day, dt.time.min, tzinfo=local.tzinfo)


# --- libraries ---------------------------------------------------------------------------------------
def _snapshot(tag: ProblemTag, strategy: ServiceStrategy) -> dict:
    data = {f: getattr(tag, f) for f in TAG_FIELDS}
    data.update({f: getattr(strategy, f) for f in STRATEGY_FIELDS})
    return data


@transaction.atomic
def library_save(
    *, tag: ProblemTag | None, data: dict, actor, now, expected_version: int | None = None
) -> ProblemTag:
    """Creates or edits a tag and its strategy together; each save is one new version in the history."""
    if actor is not None and not may_edit_library(actor):
        raise PermissionDenied
    if tag is None:
        tag = ProblemTag(version=0)
        strategy = ServiceStrategy()
    else:
        tag = ProblemTag.objects.select_for_update(of=("self",)).get(pk=tag.pk)
        if expected_version is not None and expected_version != tag.version:
            raise ValidationError(_("Someone else saved this tag meanwhile. Reload the page and edit again."))
        strategy = getattr(tag, "strategy", None) or ServiceStrategy()
    for f in TAG_FIELDS:
        if f in data:
            setattr(tag, f, data[f])
    for f in STRATEGY_FIELDS:
        if f in data:
            setattr(strategy, f, data[f])
    tag.version += 1
    tag.updated_at = now
    tag.full_clean(validate_unique=True)
    tag.save()
    strategy.tag = tag
    strategy.full_clean()
    strategy.save()
    LibraryEdit.objects.create(
        tag=tag, version=tag.version, at=now, actor=actor, snapshot=_snapshot(tag, strategy)
    )
    audit_record(actor=actor, action="tag.library", obj=tag, summary=f"{tag.name} v{tag.version}", now=now)
    return tag


# --- the loop ----------------------------------------------------------------------------------------
def _event(ctag, action, from_status, actor, now, note="", data=None, photo=None) -> CustomerTagEvent:
    return CustomerTagEvent.objects.create(
        customer_tag=ctag,
        action=action,
        from_status=from_status,
        to_status=ctag.status,
        actor=actor,
        at=now,
        note=note,
        data=data or {},
        photo=photo or "",
    )


@transaction.atomic
def customertag_attach(
    *,
    customer,
    tag: ProblemTag,
    source: str,
    reason: str,
    actor,
    now,
    evidence: str = "",
    photo=None,
    visit=None,
) -> CustomerTag:
    """Attaches a problem tag to a shop; the strategy's time limit starts now."""
    if actor is not None and not may_attach(actor, customer):
        raise PermissionDenied
    if not tag.active:
        raise ValidationError(_("This tag is no longer in use."))
    if not (reason or "").strip():
        raise ValidationError(_("Say why the tag is attached."))
    if CustomerTag.objects.filter(customer=customer, tag=tag, status__in=LIVE_STATUSES).exists():
        raise ValidationError(_("This shop already carries the tag “%(tag)s”.") % {"tag": tag.name})
    ctag = CustomerTag(
        customer=customer,
        tag=tag,
        source=source,
        reason=reason.strip(),
        evidence=evidence.strip(),
        attached_by=actor,
        attached_at=now,
        due_at=due_at_for(now, tag.strategy.time_limit_days),
        visit=visit,
    )
    if photo:
        ctag.photo = photo
    ctag.full_clean(exclude=["customer", "tag", "attached_by", "visit"])
    try:
        with transaction.atomic():
            ctag.save()
    except IntegrityError as exc:  # a concurrent double submission
        raise ValidationError(_("This shop already carries the tag “%(tag)s”.") % {"tag": tag.name}) from exc
    _event(ctag, TagAction.ATTACH, "", actor, now, note=ctag.reason, data={"source": source})
    tag_event(ctag, TagAction.ATTACH, now=now)  # outbound event (issue 15), in this transaction
    return ctag


def shops_carrying(*, tag: ProblemTag, customer_ids) -> set[int]:
    """The shops among ``customer_ids`` that already carry ``tag`` (live): a bulk attach skips them."""
    return set(
        CustomerTag.objects.filter(
            tag=tag, status__in=LIVE_STATUSES, customer_id__in=list(customer_ids)
        ).values_list("customer_id", flat=True)
    )


@transaction.atomic
def customertags_attach_bulk(
    *, customers, tag: ProblemTag, source: str, reason: str, actor, now
) -> tuple[int, int]:
    """Attaches ``tag`` to every shop of ``customers`` (already scoped to the actor) that lacks it.

    Returns (attached, skipped because the shop already carries it).
    """
    if actor is None or not may_bulk_attach(actor):
        raise PermissionDenied
    if not tag.active:
        raise ValidationError(_("This tag is no longer in use."))
    if not (reason or "").strip():
        raise ValidationError(_("Say why the tag is attached."))
    ids = list(
        Customer.objects.visible_to(actor).filter(pk__in=customers.values("pk")).values_list("pk", flat=True)
    )
    if len(ids) > BULK_MAX:
        raise ValidationError(_("At most %(n)d shops at a time; narrow the filter.") % {"n": BULK_MAX})
    taken = shops_carrying(tag=tag, customer_ids=ids)
    due = due_at_for(now, tag.strategy.time_limit_days)
    new = [
        CustomerTag(customer_id=pk, tag=tag, source=source, reason=reason.strip(), attached_by=actor,
                    attached_at=now, due_at=due)
        for pk in ids if pk not in taken
    ]  # fmt: skip
    CustomerTag.objects.bulk_create(new, batch_size=1000)
    if new and new[0].pk is None:  # backends without RETURNING ids
        new = list(
            CustomerTag.objects.filter(tag=tag, attached_at=now, customer_id__in=[c.customer_id for c in new])
        )
    CustomerTagEvent.objects.bulk_create(
        [CustomerTagEvent(customer_tag=c, action=TagAction.ATTACH, from_status="", to_status=TagStatus.ATTACHED,
                          actor=actor, at=now, note=c.reason, data={"source": source, "bulk": True}) for c in new],
        batch_size=1000,
    )  # fmt: skip
    if new:  # integrators get one "tag.attached" per shop, as for a single attach (issue 15)
        licences = dict(
            Customer.objects.filter(pk__in=[c.customer_id for c in new]).values_list("pk", "licence_no")
        )
        tags_attached_events(new, tag=tag, licences=licences, now=now)
    audit_record(actor=actor, action="tag.bulk_attach", obj=tag, summary=f"{tag.name}: {len(new)}",
                 data={"attached": len(new), "skipped": len(taken)}, now=now)  # fmt: skip
    return len(new), len(taken)


@transaction.atomic
def customertag_transition(
    *, ctag: CustomerTag, action: str, actor, now, note: str = "", steps=(), evidence: str = "", photo=None
) -> CustomerTag:
    """Moves a tag one step along TRANSITIONS and appends its event.

    remove: ``note`` says what was done, ``steps`` which strategy steps (1-based) were followed.
    send_back / overturn: ``note`` is the reason. verify / sample_pass: ``note`` optional.
    """
    ctag = (
        CustomerTag.objects.select_for_update(of=("self",))
        .select_related("customer", "tag__strategy")
        .get(pk=ctag.pk)
    )
    action = TagAction(action)
    target = TRANSITIONS.get((action, ctag.status))
    if target is None:
        raise ValidationError(
            _("A tag that is “%(status)s” cannot be %(action)s.")
            % {"status": ctag.get_status_display(), "action": action.label}
        )
    if actor is not None and not PERMISSION[action](actor, ctag):
        raise PermissionDenied
    note = (note or "").strip()
    data = {}
    if action == TagAction.REMOVE:
        if not note:
            raise ValidationError(_("Say what was done to meet the need."))
        strategy_steps = ctag.tag.strategy.steps
        n_steps = len(strategy_steps)
        try:
            chosen = sorted({int(s) for s in steps})
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("Unknown strategy step.")) from exc
        if not chosen:
            raise ValidationError(_("Tick the strategy steps that were followed."))
        if chosen[0] < 1 or chosen[-1] > n_steps:
            raise ValidationError(_("Unknown strategy step."))
        # The words of the steps are kept with the numbers: the strategy may be edited later.
        data = {
            "steps": chosen,
            "step_texts": [strategy_steps[i - 1] for i in chosen],
            "evidence": evidence.strip(),
        }
        ctag.removed_at, ctag.removed_by = now, actor
        fields = ["status", "removed_at", "removed_by"]
    elif action in (TagAction.SEND_BACK, TagAction.OVERTURN):
        if not note:
            raise ValidationError(_("Give the reason for sending it back."))
        # Rework gets the strategy's full time limit again, counted from now.
        ctag.due_at = due_at_for(now, ctag.tag.strategy.time_limit_days)
        fields = ["status", "due_at"]
        if action == TagAction.OVERTURN:
            ctag.sampled_at = now
            fields.append("sampled_at")
    elif action == TagAction.VERIFY:
        ctag.verified_at, ctag.verified_by = now, actor
        fields = ["status", "verified_at", "verified_by"]
    else:  # sample_pass
        ctag.sampled_at = now
        fields = ["sampled_at"]
    from_status = ctag.status
    ctag.status = target
    ctag.save(update_fields=fields)
    _event(ctag, action, from_status, actor, now, note=note, data=data, photo=photo)
    tag_event(ctag, action, now=now)  # outbound event (issue 15): removed, verified
    return ctag
