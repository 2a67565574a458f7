"""The answer form shared by the public page, the phone desk and the visit page: items laid out by section
with their current values and errors (the template draws large touch targets)."""

from django.utils.translation import gettext_lazy as _

from .models import ItemKind

SCALE_LABELS = {
    5: [_("Very dissatisfied"), _("Dissatisfied"), _("Neutral"), _("Satisfied"), _("Very satisfied")],
}


def scale_choices(k: int) -> list[dict]:
    labels = SCALE_LABELS.get(k)
    if labels:
        return [{"value": i + 1, "label": labels[i]} for i in range(k)]
    ends = {1: _("Strongly disagree"), k: _("Strongly agree")}
    return [{"value": i, "label": ends.get(i, "")} for i in range(1, k + 1)]


def form_sections(
    items, *, values=None, expectations=None, importances=None, errors=None, only=None
) -> list[dict]:
    values, expectations, importances, errors = (
        values or {},
        expectations or {},
        importances or {},
        errors or {},
    )
    sections: dict[int, dict] = {}
    for item in items:
        if only is not None and item.section_id not in only:
            continue
        sec = sections.setdefault(item.section_id, {"section": item.section, "items": []})
        v = values.get(item.code)
        sec["items"].append(
            {
                "item": item,
                "likert": item.kind == ItemKind.LIKERT,
                "single": item.kind == ItemKind.SINGLE,
                "multiple": item.kind == ItemKind.MULTIPLE,
                "text": item.kind == ItemKind.TEXT,
                "scale": scale_choices(item.scale_max) if item.kind == ItemKind.LIKERT else [],
                "value": v,
                "chosen": v if isinstance(v, list) else [v] if v is not None else [],
                "expectation": expectations.get(item.code),
                "importance": importances.get(item.code),
                "error": errors.get(item.code, ""),
            }
        )
    return list(sections.values())


def error_dict(exc) -> tuple[dict, list]:
    """A ValidationError as (errors by item code, general messages)."""
    if hasattr(exc, "error_dict"):
        by_code = {k: " ".join(str(m) for m in v) for k, v in exc.message_dict.items() if k != "__all__"}
        return by_code, exc.message_dict.get("__all__", [])
    return {}, list(exc.messages)
