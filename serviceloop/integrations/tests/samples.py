"""Sample objects of the integrations pages for the every-page test (a token, a subscription, a logged delivery)."""


def integration_samples(world, now) -> dict:
    from serviceloop.integrations.events import event_record
    from serviceloop.integrations.models import Delivery, DeliveryAttempt
    from serviceloop.integrations.services import apitoken_create, subscription_save

    token, _secret = apitoken_create(user=world.city_admin, name="12313 平台", scope="read", expires_at=None,
                                     actor=world.city_admin, now=now)  # fmt: skip
    sub = subscription_save(subscription=None, actor=world.city_admin, now=now,
                            data={"name": "热线平台", "url": "https://hotline.example.cn/hook",
                                  "kinds": ["request.filed", "tag.verified"], "active": True})  # fmt: skip
    event_record(kind="request.filed", payload={"id": 1}, now=now)
    delivery = Delivery.objects.filter(subscription=sub).first()
    DeliveryAttempt.objects.create(
        delivery=delivery, at=now, status_code=500, error="HTTP 500", milliseconds=12
    )
    return {
        "integrations:token-revoke": {"pk": token.pk},
        "integrations:subscription-edit": {"pk": sub.pk},
        # POST only (405 on GET): test send, delete, send again
        "integrations:subscription-test": {"pk": sub.pk},
        "integrations:subscription-delete": {"pk": sub.pk},
        "integrations:delivery-resend": {"pk": delivery.pk},
    }
