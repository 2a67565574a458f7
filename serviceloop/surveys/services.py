"""Writes of the survey app. Every HTML view, API call, job and the demo goes through these."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.core.audit import audit_record
from serviceloop.customers.models import Customer, CustomerStatus
from serviceloop.integrations.events import answer_event
from serviceloop.org.models import Role

from .models import (
    STRATA_FIELDS,
    WAVE_TRANSITIONS,
    Answer,
    AnswerStatus,
    Channel,
    Item,
    ItemKind,
    Questionnaire,
    Reminder,
    Section,
    TargetMode,
    Wave,
    WaveEvent,
    WaveStatus,
    WaveTarget,
)

if TYPE_CHECKING:
    import pandas as pd

MAX_TEXT = 1000
_SIGNER = signing.Signer(salt="serviceloop.surveys.link")


# --- who may do what ------------------------------------------------------------------------------
def may_manage_surveys(user) -> bool:
    """Questionnaires and waves are the city marketing centre's: city admins."""
    return bool(user.is_authenticated and (user.is_superuser or user.role == Role.CITY_ADMIN))


RESULT_ROLES = {Role.CITY_ADMIN, Role.BRANCH_MANAGER, Role.STATION_HEAD, Role.MARKET_MANAGER, Role.SUPERVISOR}


def may_view_results(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in RESULT_ROLES))


def entry_channel(user) -> str | None:
    """The channel a staff member enters answers by: agents by phone, account managers during visits."""
    if not user.is_authenticated:
        return None
    if user.is_superuser or user.role in (Role.CITY_ADMIN, Role.AGENT):
        return Channel.PHONE
    if user.role == Role.ACCOUNT_MANAGER:
        return Channel.VISIT
    return None


# --- public links ---------------------------------------------------------------------------------
def new_token() -> str:
    return secrets.token_urlsafe(12)


def link_code(target: WaveTarget) -> str:
    """What goes into /q/<code>/: the target's random token, signed so that guessed codes fail early."""
    return _SIGNER.sign(target.token)


def target_from_code(code: str) -> WaveTarget:
    """The target of a public link, or ValidationError with a message for the shop owner."""
    try:
        token = _SIGNER.unsign(code)
    except signing.BadSignature:
        raise ValidationError(_("This survey link is not valid. Please scan the QR code again.")) from None
    target = WaveTarget.objects.select_related("wave__questionnaire", "customer").filter(token=token).first()
    if target is None or target.token_revoked_at is not None:
        raise ValidationError(
            _("This survey link has been withdrawn. Please ask your account manager for a new one.")
        )
    return target


@transaction.atomic
def target_reissue_link(*, target: WaveTarget, actor, now) -> WaveTarget:
    """Withdraws the shop's current link (e.g. a photo of the QR code went round) and gives it a new one."""
    target.token = new_token()
    target.token_revoked_at = None
    target.save(update_fields=["token", "token_revoked_at"])
    audit_record(actor=actor, action="survey.link_reissued", obj=target, now=now)
    return target


@transaction.atomic
def target_revoke_link(*, target: WaveTarget, actor, now) -> WaveTarget:
    target.token_revoked_at = now
    target.save(update_fields=["token_revoked_at"])
    audit_record(actor=actor, action="survey.link_revoked", obj=target, now=now)
    return target


# --- questionnaires -------------------------------------------------------------------------------
def _editable(questionnaire: Questionnaire) -> None:
    if questionnaire.is_frozen:
        raise ValidationError(
            _("This version is used by a survey wave and cannot change. Create a new version to edit it.")
        )


@transaction.atomic
def questionnaire_create(*, code: str, title: str, description: str = "", actor, now) -> Questionnaire:
    if Questionnaire.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A questionnaire with this code exists already.")})
    q = Questionnaire.objects.create(
        code=code, version=1, title=title, description=description, created_at=now, created_by=actor
    )
    audit_record(actor=actor, action="survey.questionnaire_created", obj=q, now=now)
    return q


@transaction.atomic
def questionnaire_update(
    *, questionnaire: Questionnaire, title: str, description: str, actor, now
) -> Questionnaire:
    _editable(questionnaire)
    questionnaire.title, questionnaire.description = title, description
    questionnaire.save(update_fields=["title", "description"])
    return questionnaire


@transaction.atomic
def questionnaire_new_version(*, questionnaire: Questionnaire, actor, now) -> Questionnaire:
    """A copy of ``questionnaire`` as the next version of its code, open for editing."""
    latest = Questionnaire.objects.filter(code=questionnaire.code).aggregate(v=Max("version"))["v"] or 0
    copy = Questionnaire.objects.create(
        code=questionnaire.code,
        version=latest + 1,
        title=questionnaire.title,
        description=questionnaire.description,
        created_at=now,
        created_by=actor,
    )
    for section in questionnaire.sections.prefetch_related("items"):
        items = list(section.items.all())
        section.pk, section.questionnaire = None, copy
        section.save()
        for item in items:
            item.pk, item.section = None, section
            item.save()
    audit_record(
        actor=actor,
        action="survey.questionnaire_versioned",
        obj=copy,
        summary=f"{questionnaire} → v{copy.version}",
        now=now,
    )
    return copy


@transaction.atomic
def section_save(
    *, questionnaire: Questionnaire, section: Section | None = None, data: dict, actor, now
) -> Section:
    _editable(questionnaire)
    if (
        Section.objects.filter(questionnaire=questionnaire, code=data["code"])
        .exclude(pk=section.pk if section else None)
        .exists()
    ):
        raise ValidationError({"code": _("Another section of this questionnaire has this code.")})
    section = section or Section(questionnaire=questionnaire)
    for field in ("order", "code", "title", "weight"):
        setattr(section, field, data[field])
    section.save()
    return section


@transaction.atomic
def section_delete(*, section: Section, actor, now) -> None:
    _editable(section.questionnaire)
    section.delete()


@transaction.atomic
def item_save(*, section: Section, item: Item | None = None, data: dict, actor, now) -> Item:
    questionnaire = section.questionnaire
    _editable(questionnaire)
    errors = {}
    if (
        Item.objects.filter(section__questionnaire=questionnaire, code=data["code"])
        .exclude(pk=item.pk if item else None)
        .exists()
    ):
        errors["code"] = _("Another item of this questionnaire has this code.")
    kind = data["kind"]
    options = [o.strip() for o in data.get("options") or [] if o.strip()]
    if kind in (ItemKind.SINGLE, ItemKind.MULTIPLE) and len(options) < 2:
        errors["options"] = _("A choice question needs at least two options.")
    if len(set(options)) != len(options):
        errors["options"] = _("Options must differ from each other.")
    if data.get("is_overall") and kind != ItemKind.LIKERT:
        errors["is_overall"] = _("The overall satisfaction item must be a rating-scale item.")
    if (
        data.get("is_overall")
        and Item.objects.filter(section__questionnaire=questionnaire, is_overall=True)
        .exclude(pk=item.pk if item else None)
        .exists()
    ):
        errors["is_overall"] = _("The questionnaire has an overall satisfaction item already.")
    if errors:
        raise ValidationError(errors)
    item = item or Item(section=section)
    for field in ("order", "code", "text", "kind", "scale_max", "required", "weight", "is_overall"):
        setattr(item, field, data[field])
    likert = kind == ItemKind.LIKERT and not data.get("is_overall")
    item.ask_expectation = bool(data.get("ask_expectation")) and likert
    item.ask_importance = bool(data.get("ask_importance")) and likert
    item.options = options if kind in (ItemKind.SINGLE, ItemKind.MULTIPLE) else []
    item.section = section
    item.save()
    return item


@transaction.atomic
def item_delete(*, item: Item, actor, now) -> None:
    _editable(item.section.questionnaire)
    item.delete()


def questionnaire_items(questionnaire: Questionnaire) -> list[Item]:
    return list(
        Item.objects.filter(section__questionnaire=questionnaire)
        .select_related("section")
        .order_by("section__order", "section_id", "order", "id")
    )


# --- waves ----------------------------------------------------------------------------------------
@transaction.atomic
def wave_create(*, company, questionnaire: Questionnaire, data: dict, actor, now) -> Wave:
    if not any(i.is_scored for i in questionnaire_items(questionnaire)):
        raise ValidationError({"questionnaire": _("The questionnaire has no rating-scale items to score.")})
    if Wave.objects.filter(company=company, name=data["name"]).exists():
        raise ValidationError({"name": _("A wave with this name exists already.")})
    unknown = set(data.get("strata") or []) - set(STRATA_FIELDS)
    if unknown:
        raise ValidationError({"strata": _("Unknown strata: %(s)s") % {"s": ", ".join(sorted(unknown))}})
    wave = Wave.objects.create(
        company=company,
        questionnaire=questionnaire,
        created_at=now,
        created_by=actor,
        name=data["name"],
        period_start=data["period_start"],
        period_end=data["period_end"],
        anonymous=data.get("anonymous", False),
        target_mode=data.get("target_mode", TargetMode.ALL),
        strata=list(data.get("strata") or []),
        confidence=data.get("confidence", Decimal("0.95")),
        margin=data.get("margin", Decimal("0.05")),
        sample_size=data.get("sample_size"),
        seed=data.get("seed") if data.get("seed") is not None else secrets.randbelow(2**31),
    )
    WaveEvent.objects.create(wave=wave, from_status="", to_status=WaveStatus.DRAFT, actor=actor, at=now)
    audit_record(actor=actor, action="survey.wave_created", obj=wave, now=now)
    return wave


def population_frame(company) -> pd.DataFrame:
    """The active shops of the company with the fields a draw may stratify by."""
    import pandas as pd

    rows = Customer.objects.filter(branch__company=company, status=CustomerStatus.ACTIVE).values_list(
        "id", "branch_id", "market_type", "retail_format", "stars"
    )
    return pd.DataFrame(list(rows), columns=["id", "branch", "market_type", "retail_format", "stars"])


def sample_plan(wave: Wave) -> dict:
    """What a draw would take: population, recommended n for the wave's confidence and margin."""
    from serviceloop.analytics.sample_size import sample_size as required_sample_size  # no numpy

    population = Customer.objects.filter(branch__company=wave.company, status=CustomerStatus.ACTIVE).count()
    recommended = (
        required_sample_size(
            confidence=float(wave.confidence), margin=float(wave.margin), population=population
        )
        if population
        else 0
    )
    return {"population": population, "recommended": recommended}


@transaction.atomic
def wave_draw_targets(*, wave: Wave, actor, now, customer_ids=None) -> int:
    """(Re)draws the wave's shops while it is a draft: all active shops, or a stratified random sample
    reproducible from the stored seed. The drawn shops are stored as WaveTarget rows. ``customer_ids`` narrows
    the population to those shops (a 360° review asks one account manager's shops)."""
    if wave.status != WaveStatus.DRAFT:
        raise ValidationError(_("Shops can be drawn only while the wave is a draft."))
    frame = population_frame(wave.company)
    if customer_ids is not None:
        frame = frame[frame["id"].isin(list(customer_ids))]
    if frame.empty:
        raise ValidationError(_("The company has no active shops to survey."))
    if wave.target_mode == TargetMode.SAMPLE:
        from serviceloop.analytics.survey import stratified_sample

        try:
            draw = stratified_sample(
                frame,
                strata=list(wave.strata) or None,
                seed=int(wave.seed),
                n_total=wave.sample_size,
                confidence=float(wave.confidence),
                margin=float(wave.margin),
                id_column="id",
            )
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        ids = draw.ids
    else:
        ids = sorted(frame["id"].tolist())
    WaveTarget.objects.filter(wave=wave).delete()
    customers = (
        Customer.objects.filter(pk__in=ids)
        .select_related("route")
        .only(
            "id",
            "branch_id",
            "station_id",
            "route_id",
            "route__account_manager_id",
            "market_type",
            "retail_format",
            "stars",
        )
        .order_by("id")
    )
    WaveTarget.objects.bulk_create(
        [
            WaveTarget(
                wave=wave,
                customer_id=c.id,
                branch_id=c.branch_id,
                station_id=c.station_id,
                route_id=c.route_id,
                account_manager_id=c.route.account_manager_id,
                market_type=c.market_type,
                retail_format=c.retail_format,
                stars=c.stars,
                token=new_token(),
            )
            for c in customers.iterator(chunk_size=5000)
        ],
        batch_size=2000,
    )
    wave.sample_size = len(ids) if wave.target_mode == TargetMode.SAMPLE else wave.sample_size
    wave.drawn_at = now
    wave.save(update_fields=["sample_size", "drawn_at"])
    audit_record(
        actor=actor,
        action="survey.wave_drawn",
        obj=wave,
        summary=_("%(n)d shops drawn") % {"n": len(ids)},
        data={"seed": wave.seed, "n": len(ids)},
        now=now,
    )
    return len(ids)


@transaction.atomic
def wave_transition(*, wave: Wave, to: str, actor, now, note: str = "", before_period: bool = False) -> Wave:
    """Moves a wave along WAVE_TRANSITIONS. Opening before the period starts needs ``before_period`` (the user
    confirmed it); the event note says so."""
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    if to not in WAVE_TRANSITIONS[WaveStatus(wave.status)]:
        raise ValidationError(
            _("A wave cannot go from %(a)s to %(b)s.")
            % {
                "a": WaveStatus(wave.status).label,
                "b": WaveStatus(to).label if to in WaveStatus.values else to,
            }
        )
    if to == WaveStatus.OPEN and not wave.targets.exists():
        raise ValidationError(_("Draw the wave's shops before opening it."))
    if to == WaveStatus.OPEN and timezone.localdate(now) < wave.period_start:
        if not before_period:
            raise ValidationError(
                _("The wave's period starts on %(day)s. Tick the confirmation to open it before then.")
                % {"day": wave.period_start.isoformat()},
                code="before_period",
            )
        note = note or _("Opened before its period (starting %(day)s).") % {
            "day": wave.period_start.isoformat()
        }
    WaveEvent.objects.create(
        wave=wave, from_status=wave.status, to_status=to, actor=actor, at=now, note=note[:300]
    )
    wave.status = to
    wave.save(update_fields=["status"])
    return wave


# --- answers --------------------------------------------------------------------------------------
def parse_answer_post(items: list[Item], post) -> tuple[dict, dict, dict, dict]:
    """Form fields ``v_<code>`` (answer), ``e_<code>`` (expectation), ``i_<code>`` (importance) → the three
    value dicts, plus errors for values that are not whole numbers. Blank fields are left out."""
    values, expectations, importances, errors = {}, {}, {}, {}
    for item in items:
        if item.kind == ItemKind.MULTIPLE:
            chosen = [v for v in post.getlist(f"v_{item.code}") if v != ""]
            if chosen:
                values[item.code] = chosen
            continue
        raw = post.get(f"v_{item.code}", "")
        if item.kind == ItemKind.LIKERT:
            pairs = [(f"v_{item.code}", values)]
            if item.ask_expectation:
                pairs.append((f"e_{item.code}", expectations))
            if item.ask_importance:
                pairs.append((f"i_{item.code}", importances))
            for name, target in pairs:
                raw = post.get(name, "").strip()
                if raw == "":
                    continue
                try:
                    target[item.code] = int(raw)
                except ValueError:
                    errors[item.code] = _("Choose a number from 1 to %(k)d.") % {"k": item.scale_max}
        elif raw.strip():
            values[item.code] = raw.strip() if item.kind == ItemKind.TEXT else raw
    return values, expectations, importances, errors


def _check_value(item: Item, value) -> str | None:
    if item.kind == ItemKind.LIKERT:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= item.scale_max:
            return _("Choose a number from 1 to %(k)d.") % {"k": item.scale_max}
    elif item.kind == ItemKind.SINGLE:
        if value not in item.options:
            return _("Choose one of the options given.")
    elif item.kind == ItemKind.MULTIPLE:
        if (
            not isinstance(value, list)
            or not value
            or len(set(value)) != len(value)
            or not set(value) <= set(item.options)
        ):
            return _("Choose among the options given.")
    elif not isinstance(value, str) or len(value) > MAX_TEXT:
        return _("Please keep the text under %(n)d characters.") % {"n": MAX_TEXT}
    return None


def validate_answer(
    items: list[Item], values: dict, expectations: dict, importances: dict, *, required: list[Item]
) -> dict[str, str]:
    """Errors by item code: unknown items, values out of range or not among the options, and required
    items of ``required`` left empty (its expectation and importance too, where asked)."""
    by_code = {i.code: i for i in items}
    errors = {}
    for name, given in (("values", values), ("expectations", expectations), ("importances", importances)):
        for code, value in given.items():
            item = by_code.get(code)
            if item is None:
                errors[code] = _("This question is not part of the questionnaire.")
                continue
            if name != "values" and (
                item.kind != ItemKind.LIKERT
                or not (item.ask_expectation if name == "expectations" else item.ask_importance)
            ):
                errors[code] = _("This question is not part of the questionnaire.")
                continue
            problem = _check_value(item, value)
            if problem:
                errors[code] = problem
    for item in required:
        if item.code in errors or not item.required:
            continue
        missing = (
            item.code not in values
            or (item.ask_expectation and item.code not in expectations)
            or (item.ask_importance and item.code not in importances)
        )
        if missing:
            errors[item.code] = _("Please answer this question.")
    return errors


@transaction.atomic
def answer_save(
    *,
    target: WaveTarget,
    channel: str,
    values: dict,
    expectations: dict | None = None,
    importances: dict | None = None,
    actor,
    now,
    submit: bool,
    sections: list[Section] | None = None,
) -> Answer:
    """Saves a shop's answers — all at once, or part by part (``sections``: the part being saved, whose
    required items must be answered) — and submits them when ``submit``. Refuses a wave that is not open,
    a second answer from the same shop, and out-of-range or missing answers (ValidationError by item)."""
    wave = Wave.objects.select_related("questionnaire").get(pk=target.wave_id)
    if wave.status != WaveStatus.OPEN:
        raise ValidationError(_("This survey is closed or not open yet; answers cannot be taken."))
    if channel not in Channel.values:
        raise ValidationError(_("Unknown channel."))
    answer = Answer.objects.select_for_update().filter(target=target).first()
    if answer is not None and answer.status == AnswerStatus.SUBMITTED:
        raise ValidationError(_("This shop has already answered this survey. Thank you!"))
    items = questionnaire_items(wave.questionnaire)
    expectations, importances = expectations or {}, importances or {}
    merged_v = {**(answer.values if answer else {}), **values}
    merged_e = {**(answer.expectations if answer else {}), **expectations}
    merged_i = {**(answer.importances if answer else {}), **importances}
    if submit:
        required = items
    elif sections is not None:
        ids = {s.pk for s in sections}
        required = [i for i in items if i.section_id in ids]
    else:
        required = []
    errors = validate_answer(items, values, expectations, importances, required=[])
    errors.update(
        {
            k: v
            for k, v in validate_answer(items, merged_v, merged_e, merged_i, required=required).items()
            if k not in errors
        }
    )
    if errors:
        raise ValidationError(errors)
    if answer is None:
        answer = Answer(wave=wave, target=target, customer_id=target.customer_id, started_at=now)
    answer.channel = channel
    answer.values, answer.expectations, answer.importances = merged_v, merged_e, merged_i
    answer.updated_at = now
    if actor is not None and getattr(actor, "is_authenticated", False):
        answer.entered_by = actor
    if submit:
        answer.status = AnswerStatus.SUBMITTED
        answer.submitted_at = now
    try:
        with transaction.atomic():
            answer.save()
    except IntegrityError:
        raise ValidationError(_("This shop has already answered this survey. Thank you!")) from None
    if submit:
        answer_event(answer, now=now)  # outbound event (issue 15), in this transaction
    return answer


@transaction.atomic
def target_answered(target: WaveTarget) -> bool:
    return Answer.objects.filter(target=target, status=AnswerStatus.SUBMITTED).exists()


def reminder_record(*, target: WaveTarget, actor, now, note: str = "") -> Reminder:
    if target.wave.status != WaveStatus.OPEN:
        raise ValidationError(_("Reminders are for open waves only."))
    if Answer.objects.filter(target=target, status=AnswerStatus.SUBMITTED).exists():
        raise ValidationError(_("This shop has answered already."))
    return Reminder.objects.create(target=target, actor=actor, at=now, note=note[:200])
