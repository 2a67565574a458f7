from django import template

register = template.Library()


@register.filter
def sees_scorecards(user) -> bool:
    from serviceloop.evaluation.selectors import may_see_scorecards

    return may_see_scorecards(user)
