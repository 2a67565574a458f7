import re
import uuid

from django.urls import reverse


def form_data(**overrides) -> dict:
    data = {
        "category": "delivery",
        "kind": "request",
        "text": "周二的货送晚了两个小时。",
        "callback_phone": "",
        "idempotency_key": uuid.uuid4().hex,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def shop_url(link) -> str:
    return reverse("portal:shop", args=[link.value])


def tracking_value(response) -> str:
    match = re.match(r"^/t/([A-Za-z0-9_-]+)/\?sent=1$", response["Location"])
    assert match, response["Location"]
    return match.group(1)
