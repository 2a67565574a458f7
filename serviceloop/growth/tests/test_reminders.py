"""Reminders before the order day (R28 "该订货了", R29 settlement care): once per shop, kind and cycle, put in the
shop-message outbox and sent by its job through the service desk's notifier; the public advice page under the shop's QR link; the advice on the visit page."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from serviceloop.core.testing import make_customer, owner_unlock
from serviceloop.customers.models import OutboxMessage
from serviceloop.customers.outbox import job_shop_outbox_send
from serviceloop.growth.models import RestockAdvice
from serviceloop.growth.reminders import job_shop_reminders
from serviceloop.trade.testing import make_products

from .care_helpers import FAIL_BALANCE, FAIL_FROZEN, OK, settle

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(dt.datetime(2026, 11, 25, 9, 0))  # a Wednesday of ISO week 48 (even)
FRIDAY = dt.date(2026, 11, 27)


def job_shop_reminders_and_send(now) -> str:
    """The reminder job (which only enqueues), then the outbox job that sends, as ``run_jobs`` runs them."""
    made = job_shop_reminders(now)
    job_shop_outbox_send(now)
    return made


class RecordingNotifier:
    sent: list = []

    def send(self, message) -> None:
        RecordingNotifier.sent.append((message.pk, message.phone, message.text))


class FailingOnceNotifier:
    calls = 0

    def send(self, message) -> None:
        FailingOnceNotifier.calls += 1
        if FailingOnceNotifier.calls == 1:
            from serviceloop.servicedesk.notifiers import DeliveryError

            raise DeliveryError("gateway down")


@pytest.fixture
def recording(settings):
    RecordingNotifier.sent = []
    settings.SERVICEDESK = {
        **getattr(settings, "SERVICEDESK", {}),
        "SHOP_NOTIFIER": f"{__name__}.RecordingNotifier",
    }
    return RecordingNotifier.sent


def advise(shop, product, suggested, *, day=FRIDAY, short=False):
    return RestockAdvice.objects.create(
        customer=shop, product=product, order_day=day, forecast=suggested, recent=suggested, suggested=suggested,
        method="tsb", short=short, computed_at=NOW,
    )  # fmt: skip


@pytest.fixture
def shops(world):
    products = list(make_products().values())
    route = world.route_a1_1
    s = {
        "due": make_customer(route, order_cycle="weekly", order_weekday=5),
        "even": make_customer(route, order_cycle="even", order_weekday=5),
        "odd": make_customer(route, order_cycle="odd", order_weekday=5),  # next odd Friday: 4 December
        "monday": make_customer(route, order_cycle="weekly", order_weekday=1),  # five days away
        "no_phone": make_customer(route, order_cycle="weekly", order_weekday=5, phone=""),
        "closed": make_customer(route, order_cycle="weekly", order_weekday=5, status="suspended"),
    }
    for key, shop in s.items():
        day = {"odd": dt.date(2026, 12, 4), "monday": dt.date(2026, 11, 30)}.get(key, FRIDAY)
        advise(shop, products[0], 3, day=day, short=key == "due")
        advise(shop, products[1], 2, day=day)
    return world, s, products


def test_restock_reminders_go_once_per_cycle(recording, shops):
    world, s, products = shops
    first = job_shop_reminders_and_send(NOW)
    assert "2 restock" in first
    rows = OutboxMessage.objects.filter(kind="restock")
    assert {r.customer_id for r in rows} == {s["due"].pk, s["even"].pk}
    assert len(recording) == 2 and all(pk.startswith("O") for pk, _p, _t in recording)
    text = next(t for _pk, phone, t in recording if phone == s["due"].phone)
    assert "该订货了" in text and "11月27日" in text and "5条" in text and "可能断货" in text
    # the job again, later the same day and the day before the order day: nothing new, nothing sent twice
    job_shop_reminders_and_send(NOW)
    job_shop_reminders_and_send(NOW + dt.timedelta(hours=20))
    assert len(recording) == 2 and rows.count() == 2
    assert set(rows.values_list("state", flat=True)) == {"sent"}
    # next cycle: the new advice (next Friday) brings one new reminder per shop
    RestockAdvice.objects.filter(customer=s["due"]).update(order_day=FRIDAY + dt.timedelta(days=7))
    job_shop_reminders_and_send(NOW + dt.timedelta(days=7))
    assert OutboxMessage.objects.filter(customer=s["due"], kind="restock").count() == 2
    # … and the odd-week shop's order day (4 December) is now two days away: its first reminder
    assert OutboxMessage.objects.filter(
        customer=s["odd"], kind="restock", cycle=dt.date(2026, 12, 4)
    ).exists()
    assert len(recording) == 4


def test_the_reminder_job_only_enqueues_and_the_outbox_job_sends(recording, shops):
    world, s, products = shops
    assert "2 restock" in job_shop_reminders(NOW)
    assert recording == [] and set(OutboxMessage.objects.values_list("state", flat=True)) == {"pending"}
    assert set(OutboxMessage.objects.values_list("dedupe_key", flat=True)) == {
        f"restock:{s['due'].pk}:d20261127",
        f"restock:{s['even'].pk}:d20261127",
    }
    assert job_shop_outbox_send(NOW) == "2 shop message(s) sent, 0 not sent"
    assert job_shop_outbox_send(NOW) == "0 shop message(s) sent, 0 not sent"  # nothing twice
    assert len(recording) == 2


def test_no_reminder_without_phone_inactive_or_not_yet_due(recording, shops):
    world, s, products = shops
    job_shop_reminders_and_send(NOW)
    reminded = set(OutboxMessage.objects.values_list("customer_id", flat=True))
    for key in ("odd", "monday", "no_phone", "closed"):
        assert s[key].pk not in reminded, key


def test_settlement_reminders_go_to_shops_likely_to_fail(recording, shops):
    world, s, products = shops
    from serviceloop.customers.models import Customer

    Customer.objects.filter(pk__in=[s["due"].pk, s["even"].pk, s["monday"].pk]).update(e_settlement=True)
    settle(s["due"], NOW - dt.timedelta(days=7), [FAIL_FROZEN, OK])  # 60: likely to fail
    settle(s["even"], NOW - dt.timedelta(days=7), [FAIL_BALANCE, OK])  # 40: on the line
    settle(s["monday"], NOW - dt.timedelta(days=7), [FAIL_FROZEN, FAIL_FROZEN])  # at risk, not due yet
    settle(s["odd"], NOW - dt.timedelta(days=7), [FAIL_FROZEN, FAIL_FROZEN])  # at risk, no e-settlement
    job_shop_reminders_and_send(NOW)
    job_shop_reminders_and_send(NOW + dt.timedelta(hours=1))
    reminded = set(OutboxMessage.objects.filter(kind="settlement").values_list("customer_id", flat=True))
    assert reminded == {s["due"].pk, s["even"].pk}
    texts = [t for _pk, _phone, t in recording if "结算提醒" in t]
    assert len(texts) == 2 and "存足货款" in texts[0]


def test_a_failed_send_is_retried_by_the_next_run_never_duplicated(settings, shops):
    world, s, products = shops
    FailingOnceNotifier.calls = 0
    settings.SERVICEDESK = {
        **getattr(settings, "SERVICEDESK", {}),
        "SHOP_NOTIFIER": f"{__name__}.FailingOnceNotifier",
    }
    job_shop_reminders_and_send(NOW)
    states = sorted(OutboxMessage.objects.values_list("state", flat=True))
    assert states == ["failed", "sent"]
    failed = OutboxMessage.objects.get(state="failed")
    assert failed.last_error == "gateway down" and failed.attempts == 1
    job_shop_reminders_and_send(NOW + dt.timedelta(hours=1))
    failed.refresh_from_db()
    assert failed.state == "sent" and failed.attempts == 2 and FailingOnceNotifier.calls == 3
    assert OutboxMessage.objects.count() == 2


def test_the_job_runs_with_the_other_periodic_jobs(recording, shops):
    from serviceloop.core.jobs import run_due_jobs

    results = run_due_jobs(NOW)  # (the restock job, run first, replaces the hand-made advice: no orders)
    assert "reminder(s) new" in results["shop_reminders"]
    assert "shop message(s) sent" in results["shop_outbox_send"]  # the outbox job runs after it
    assert run_due_jobs(NOW + dt.timedelta(minutes=5)).get("shop_reminders") is None  # not due again yet


# ------------------------------------------------------------------------------ public page, visit page


def test_the_public_advice_page_shows_only_that_shops_advice(app, shops):
    world, s, products = shops
    from serviceloop.portal.services import shoptoken_ensure

    token = shoptoken_ensure(customer=s["due"], actor=None, now=NOW)
    other = world.shops["张湾1号线"][0]
    advise(other, products[4], 7)
    qr = app.get(reverse("portal:shop", args=[token.value]))
    link = qr.html.select_one('[data-testid="advice-link"]')
    assert link["href"] == "advice/"
    page = owner_unlock(qr.click(href="advice/"), s["due"].phone)
    assert page.request.path == f"/s/{token.value}/advice/"
    lines = [li.get_text(" ", strip=True) for li in page.html.select('[data-testid="advice-line"]')]
    assert len(lines) == 2 and products[0].name in lines[0] and "可能断货" in lines[0]
    assert products[4].name not in page.text and other.name not in page.text
    assert page.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("token", ["not-a-real-token-123456", "x", "abc%00def", "a" * 41])
def test_a_bad_token_gets_the_friendly_404(app, world, token):
    app.get(f"/s/{token}/advice/", status=404)


def test_a_revoked_link_shows_no_advice(app, shops):
    world, s, products = shops
    from serviceloop.portal.services import shoptoken_ensure, shoptoken_revoke

    token = shoptoken_ensure(customer=s["due"], actor=None, now=NOW)
    shoptoken_revoke(token=token, actor=world.city_admin, now=NOW)
    page = app.get(f"/s/{token.value}/advice/", status=404)
    assert products[0].name not in page.text


def test_the_visit_page_shows_the_shops_restock_advice(app, shops):
    world, s, products = shops
    from serviceloop.visits.models import Visit, VisitPolicy

    policy = VisitPolicy.objects.first()
    visit = Visit.objects.create(customer=s["due"], manager=world.account_manager, route=s["due"].route,
                                 source="generated", planned_on=timezone.localdate(), policy=policy)  # fmt: skip
    page = app.get(reverse("visits:record", args=[visit.pk]), user=world.account_manager)
    card = page.html.select_one('[data-testid="shop-restock"]')
    assert card is not None and products[0].name in card.text and "可能断货" in card.text


def test_the_care_list_shows_who_was_reminded(app, recording, shops):
    import time_machine

    world, s, products = shops
    from serviceloop.customers.models import Customer

    Customer.objects.filter(pk__in=[s["due"].pk, s["monday"].pk]).update(e_settlement=True)
    settle(s["due"], NOW - dt.timedelta(days=7), [FAIL_FROZEN, OK])
    settle(s["monday"], NOW - dt.timedelta(days=7), [FAIL_FROZEN, OK])
    job_shop_reminders_and_send(NOW)
    from serviceloop.growth.care import settlementrisk_rebuild

    settlementrisk_rebuild(now=NOW)  # the page reads the kept scores (the daily job's)
    with time_machine.travel(NOW, tick=False):
        page = app.get(reverse("growth:settlement-care"), user=world.account_manager)
    rows = {
        r.select("td")[0].get_text(strip=True): r
        for r in page.html.select('[data-testid="care-shops"] tbody tr')
    }
    assert rows[s["due"].licence_no].select_one('[data-testid="reminded"]').get_text(strip=True) == "已提醒"
    assert rows[s["monday"].licence_no].select_one('[data-testid="reminded"]') is None  # not due yet
