"""Messages to the shop at each milestone. Pluggable: ``SERVICEDESK["SHOP_NOTIFIER"]`` names a class with
``send(message: ShopMessage) -> None``; the default only logs (an SMS gateway plugs in here)."""

import logging

from django.utils.module_loading import import_string

from .conf import conf

log = logging.getLogger(__name__)


class LogNotifier:
    def send(self, message) -> None:
        log.info("shop message for %s to %s: %s", message.request_id, message.phone or "-", message.text)


def shop_notifier():
    return import_string(conf("SHOP_NOTIFIER"))()
