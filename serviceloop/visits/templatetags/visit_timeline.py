"""The shop page's panel: its tags (open and closed), visits and service requests as one timeline, newest first."""

from django import template
from django.apps import apps

from serviceloop.tags.models import CustomerTag
from serviceloop.tags.services import may_attach

from ..models import Visit, VisitStatus
from ..services import may_visit

register = template.Library()


@register.inclusion_tag("visits/_customer_timeline.html", takes_context=True)
def customer_timeline(context, customer, limit=50):
    user = context["request"].user
    tags = list(CustomerTag.objects.visible_to(user).filter(customer=customer).select_related("tag")[:limit])
    visits = list(
        Visit.objects.visible_to(user).filter(customer=customer).exclude(status=VisitStatus.CANCELLED)
        .select_related("manager").order_by("-planned_on")[:limit]
    )  # fmt: skip
    items = [{"kind": "tag", "at": t.attached_at, "obj": t} for t in tags]
    items += [{"kind": "visit", "at": v.check_in_at, "day": v.planned_on, "obj": v} for v in visits]
    if apps.is_installed("serviceloop.servicedesk"):
        ServiceRequest = apps.get_model("servicedesk", "ServiceRequest")
        requests = (
            ServiceRequest.objects.visible_to(user).filter(shop=customer).order_by("-created_at")[:limit]
        )
        items += [{"kind": "request", "at": r.created_at, "obj": r} for r in requests]
    items.sort(key=lambda i: i["at"].date() if i["at"] else i["day"], reverse=True)
    return {"customer": customer, "items": items[:limit], "open_tags": sum(t.status != "verified" for t in tags),
            "may_attach": may_attach(user, customer), "may_visit": may_visit(user, customer),
            "csrf_token": context.get("csrf_token")}  # fmt: skip
