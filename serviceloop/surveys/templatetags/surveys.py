import re

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

QUADRANTS = {
    "fix_first": _("Fix first"),
    "keep_up": _("Keep up the good work"),
    "low_priority": _("Low priority"),
    "possible_overkill": _("Possible overkill"),
}


@register.filter
def get(mapping, key):
    """``{{ dict|get:key }}`` — a value by a variable key (None when absent)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def quadrant(code):
    return QUADRANTS.get(code, code)


@register.filter
def percent(value, digits=1):
    if value is None:
        return "—"
    return f"{100 * float(value):.{int(digits)}f}%"


@register.inclusion_tag("surveys/_customer_panel_body.html", takes_context=True)
def survey_panel(context, customer):
    """The shop's survey waves on its page; no answer of an anonymous wave is shown below the city level."""
    from serviceloop.surveys.models import AnswerStatus
    from serviceloop.surveys.selectors import customer_survey_rows
    from serviceloop.surveys.services import entry_channel

    user = context["request"].user
    rows = customer_survey_rows(user=user, customer=customer)
    may_enter = entry_channel(user) is not None
    for row in rows:
        row["may_enter"] = may_enter
    return {"rows": rows, "done_label": AnswerStatus.SUBMITTED.label}


# The numeric library (serviceloop/analytics, no Django) explains in English why an analysis could not run; the
# results page says it in the reader's language. Unknown explanations get a general sentence, never the English.
REASONS = [
    (r"need more than (?P<k>\d+) respondents with every score answered, got (?P<n>\d+)",
     _("more than %(k)s shops must answer every score; %(n)s did")),
    (r"the correlation matrix is singular or not positive definite",
     _("the answers are too alike for a factor analysis (the correlation matrix is singular)")),
    (r"the correlation matrix has undefined entries.*", _("a question was answered the same by every shop")),
    (r"Cronbach's alpha needs at least two items", _("a dimension with a single question has no alpha")),
    (r"Cronbach's alpha needs at least two respondents with every item answered",
     _("fewer than two shops answered every question of the dimension")),
    (r"fewer than 3 respondents answered every item", _("fewer than three shops answered every question")),
    (r"some pair of items has fewer than 3 respondents who answered both",
     _("some pair of questions was answered together by fewer than three shops")),
    (r"Bartlett's test needs more respondents than items", _("there are fewer answers than questions")),
    (r"factor analysis needs at least three items with variance",
     _("fewer than three questions got different answers")),
    (r"scores without variance cannot drive anything: .*", _("a score was the same for every shop")),
    (r"only (?P<k>\d+) factors have positive eigenvalues", _("only %(k)s factors have positive eigenvalues")),
    (r"Heywood case \(communality >= 1\) in items (?P<items>.*)",
     _("Heywood case (communality ≥ 1) in questions %(items)s")),
]  # fmt: skip
_REASONS = [(re.compile(pattern), text) for pattern, text in REASONS]


@register.filter
def reason(message):
    """An analysis' explanation in the reader's language (messages already translated pass through)."""
    if not message:
        return message
    text = str(message)
    for pattern, translated in _REASONS:
        match = pattern.fullmatch(text.strip())
        if match:
            return translated % match.groupdict() if match.groupdict() else str(translated)
    if re.search(r"[A-Za-z]{3,}", text) and not re.search(r"[\u4e00-\u9fff]", text):
        return _("the answers do not allow this analysis yet")
    return text
