"""Counting related rows as annotations without multiplying them."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce


def counted(model, relation: str, **filters):
    """The number of rows behind ``model``'s reverse relation ``relation`` (``filters`` on them), as a correlated
    subquery: ``Branch.objects.annotate(shops=counted(Branch, "customers"))``.

    Two ``Count(…, distinct=True)`` over joins multiply the relations before DISTINCT: a wave's targets times its
    answers, a station's routes times its shops (40,000 shops: 284 ms and 1.97 s of database time)."""
    reverse = model._meta.get_field(relation)
    return counted_rows(reverse.related_model._default_manager.filter(**filters), reverse.field.name)


def counted_rows(rows, link: str):
    """The number of ``rows`` (a queryset) whose ``link`` (a lookup, which may cross relations, e.g.
    ``"customer__route"``) is the outer row, as a correlated subquery."""
    per_row = (
        rows.filter(**{link: OuterRef("pk")}).order_by().values(link).annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(per_row, output_field=IntegerField()), 0)
