"""The shop owner's survey page /q/<code>/: phone-sized, one section per step, saved as they go."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import services
from .forms_answer import error_dict, form_sections
from .models import AnswerStatus, Channel, WaveStatus


def _message(request, text, status):
    return render(request, "surveys/public_message.html", {"text": text}, status=status)


def _first_unfinished(sections, items, answer) -> int:
    """Resume where the owner stopped: the first section with a required question still unanswered."""
    if answer is None:
        return 0
    for n, section in enumerate(sections):
        required = [i for i in items if i.section_id == section.pk]
        if services.validate_answer(
            items, answer.values, answer.expectations, answer.importances, required=required
        ):
            return n
    return len(sections) - 1


@require_http_methods(["GET", "POST"])
def public_answer(request, code):
    try:
        target = services.target_from_code(code)
    except ValidationError as exc:
        return _message(request, " ".join(exc.messages), 404)
    wave = target.wave
    answer = getattr(target, "answer", None) if hasattr(target, "answer") else None
    if answer is not None and answer.status == AnswerStatus.SUBMITTED:
        return _message(request, _("You have already answered this survey. Thank you for your support!"), 200)
    if wave.status != WaveStatus.OPEN:
        return _message(request, _("This survey is closed. Thank you for your support!"), 410)
    items = services.questionnaire_items(wave.questionnaire)
    sections = list(dict.fromkeys(i.section for i in items))
    try:
        step = int(request.POST.get("step") or request.GET.get("step") or -1)
    except ValueError:
        step = -1
    if not 0 <= step < len(sections):
        step = _first_unfinished(sections, items, answer)
    section = sections[step]
    current = {
        "values": answer.values if answer else {},
        "expectations": answer.expectations if answer else {},
        "importances": answer.importances if answer else {},
    }
    errors, general = {}, []
    status = 200
    if request.method == "POST":
        step_items = [i for i in items if i.section_id == section.pk]
        values, exp, imp, errors = services.parse_answer_post(step_items, request.POST)
        current = {
            "values": {**current["values"], **values},
            "expectations": {**current["expectations"], **exp},
            "importances": {**current["importances"], **imp},
        }
        last = step == len(sections) - 1
        if not errors:
            try:
                services.answer_save(
                    target=target,
                    channel=Channel.QR,
                    values=values,
                    expectations=exp,
                    importances=imp,
                    actor=None,
                    now=timezone.now(),
                    submit=last,
                    sections=[section],
                )
            except ValidationError as exc:
                errors, general = error_dict(exc)
                here = {i.code for i in step_items}
                if errors and not set(errors) & here:
                    # Jumped ahead with ?step=: send the owner back to the first part still missing answers.
                    back = _first_unfinished(sections, items, getattr(target, "answer", None))
                    return render(
                        request,
                        "surveys/public_message.html",
                        {
                            "text": _("Some questions in earlier parts are not answered yet."),
                            "back": f"{request.path}?step={back}",
                        },
                        status=400,
                    )
                errors = {k: v for k, v in errors.items() if k in here}
            else:
                if last:
                    return _message(request, _("Thank you! Your answers have been received."), 200)
                return redirect(f"{request.path}?step={step + 1}")
        status = 400
        if errors and not general:
            general = [_("Please answer the questions marked in red.")]
    return render(
        request,
        "surveys/public_answer.html",
        {
            "wave": wave,
            "step": step,
            "steps": len(sections),
            "section": section,
            "general": general,
            "sections": form_sections(items, only={section.pk}, errors=errors, **current),
            "percent": int(100 * step / len(sections)),
            "last": step == len(sections) - 1,
        },
        status=status,
    )
