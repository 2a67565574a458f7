"""Messages to the shop at each milestone. Pluggable: ``SERVICEDESK["SHOP_NOTIFIER"]`` names a class with
``send(message: ShopMessage) -> None`` that raises `DeliveryError` when the message did not go out.

- `LogNotifier` (the default) only logs; the message still shows on the shop's tracking page.
- `HttpSmsNotifier` posts to an SMS gateway over HTTP (Chinese SMS gateways take form POSTs), configured by
  settings ``SMS_GATEWAY_URL``, ``SMS_ACCOUNT``, ``SMS_KEY``, ``SMS_SIGNATURE``, ``SMS_TIMEOUT``; chosen
  automatically when ``SMS_GATEWAY_URL`` is set (see README, configuration).

Nothing is lost: each `ShopMessage` row records its delivery (state, attempts, last error). Services only
write the row, in their transaction; the job ``shop_messages_send`` sends new rows every minute, off the
request thread (a gateway may take up to ``SMS_TIMEOUT`` to answer), as the shop-message outbox does. A
failure (gateway error, HTTP error, timeout) leaves it "failed", and the job ``shop_messages_retry`` tries
again every few minutes up to ``SMS_MAX_ATTEMPTS`` times, as webhook deliveries are retried. A message
carries its id (``msgid``) so a gateway can drop a repeat.
"""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime

from django.conf import settings
from django.db.models import F
from django.utils.module_loading import import_string

from .conf import conf

log = logging.getLogger(__name__)

SMS_OK_CODES = {"0", "00", "000", "200", "ok", "success"}


class DeliveryError(Exception):
    """The message did not go out (the text says why, for the message's ``last_error``)."""


class LogNotifier:
    def send(self, message) -> None:
        log.info("shop message for %s to %s: %s", message.request_id, message.phone or "-", message.text)


class HttpSmsNotifier:
    """One form POST per message to ``SMS_GATEWAY_URL``:

    ``account``, ``mobile``, ``content`` (【signature】text), ``msgid`` (our message id), ``timestamp`` (Unix
    seconds) and ``sign`` = hex HMAC-SHA256 of account + mobile + timestamp + msgid with ``SMS_KEY``.
    Success is an HTTP 2xx answer whose JSON ``code`` (if any) is 0 / "0" / "OK" / "success"; anything else —
    another code, an HTTP error, no answer within ``SMS_TIMEOUT`` seconds — raises `DeliveryError`."""

    def __init__(self):
        self.url = settings.SMS_GATEWAY_URL
        self.account = settings.SMS_ACCOUNT
        self.key = settings.SMS_KEY
        self.signature = settings.SMS_SIGNATURE
        self.timeout = settings.SMS_TIMEOUT

    def payload(self, message, *, timestamp: int) -> dict:
        content = f"【{self.signature}】{message.text}" if self.signature else message.text
        mobile = message.phone
        signed = f"{self.account}{mobile}{timestamp}{message.pk}".encode()
        return {
            "account": self.account,
            "mobile": mobile,
            "content": content,
            "msgid": str(message.pk),
            "timestamp": str(timestamp),
            "sign": hmac.new(self.key.encode(), signed, hashlib.sha256).hexdigest(),
        }

    def send(self, message) -> None:
        if not self.url:
            raise DeliveryError("SMS_GATEWAY_URL is not set")
        if not message.phone:
            raise DeliveryError("no phone number")
        body = urllib.parse.urlencode(self.payload(message, timestamp=int(time.time()))).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:  # noqa: S310 - admin-set URL
                text = resp.read(2000).decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:  # refused, timeout, bad URL
            raise DeliveryError(str(getattr(exc, "reason", exc)) or type(exc).__name__) from None
        try:
            answer = json.loads(text)
        except ValueError:
            return  # a 2xx answer that is not JSON: accepted
        if isinstance(answer, dict) and "code" in answer and str(answer["code"]).lower() not in SMS_OK_CODES:
            reason = answer.get("msg") or answer.get("message") or ""
            raise DeliveryError(f"code {answer['code']}: {reason}")


def shop_notifier():
    return import_string(conf("SHOP_NOTIFIER"))()


def shopmessage_deliver(*, message_id: int, now: datetime, message=None) -> bool:
    """Sends one message if it is still due and no one else is sending it; records the outcome.

    ``message``: the row as already read, saving a read; the claim below still only moves the counter if the
    stored row is unchanged, so a stale copy sends nothing."""
    from .models import DeliveryState, ShopMessage

    if message is None or message.pk != message_id:
        message = ShopMessage.objects.filter(pk=message_id).first()
    if message is None or message.state == DeliveryState.SENT:
        return False
    # Claim this attempt: of two runners (or the commit hook and the retry job) only one moves the counter.
    claimed = ShopMessage.objects.filter(
        pk=message.pk, attempts=message.attempts, state__in=[DeliveryState.PENDING, DeliveryState.FAILED]
    ).update(attempts=F("attempts") + 1)
    if not claimed:
        return False
    notifier = shop_notifier()
    try:
        notifier.send(message)
    except Exception as exc:  # noqa: BLE001 - any failure leaves the message to the retry job, never lost
        error = str(exc) or type(exc).__name__
        log.warning("shop message %s (request %s) not sent: %s", message.pk, message.request_id, error)
        ShopMessage.objects.filter(pk=message.pk).update(
            state=DeliveryState.FAILED, last_error=error[:300], notifier=type(notifier).__name__
        )
        return False
    ShopMessage.objects.filter(pk=message.pk).update(
        state=DeliveryState.SENT, sent_at=now, last_error="", notifier=type(notifier).__name__
    )
    return True


def shopmessages_send(now: datetime) -> str:
    """The job: sends the messages written since its last run (every minute; none of them tried yet)."""
    from .models import DeliveryState

    return _deliver_due(now, [DeliveryState.PENDING])


def shopmessages_retry(now: datetime) -> str:
    """The job: sends messages still pending or failed (fewer than ``SMS_MAX_ATTEMPTS`` tries)."""
    from .models import DeliveryState

    return _deliver_due(now, [DeliveryState.PENDING, DeliveryState.FAILED])


def _deliver_due(now: datetime, states: list[str]) -> str:
    from .models import ShopMessage

    due = ShopMessage.objects.filter(state__in=states, attempts__lt=settings.SMS_MAX_ATTEMPTS).order_by("pk")
    sent = failed = 0
    for message in list(due[:1000]):
        if shopmessage_deliver(message_id=message.pk, now=now, message=message):
            sent += 1
        else:
            failed += 1
    return f"{sent} shop message(s) sent, {failed} not sent"
