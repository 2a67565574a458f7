"""Service-desk settings with defaults; override any key in ``settings.SERVICEDESK``."""

from datetime import timedelta

from django.conf import settings

DEFAULTS = {
    "WORK_START": "08:30",
    "WORK_END": "17:30",
    "WARN_SHARE": 0.75,
    "FOLLOW_UP_BY_OTHER": True,  # the handler may not follow up their own request
    "FOLLOW_UP_MAX_ATTEMPTS": 3,  # unreachable after this many failed calls…
    "FOLLOW_UP_SPAN": timedelta(hours=48),  # …spread over at least this long
    "DISSATISFIED_AT": 2,  # satisfaction at or below this reopens and escalates
    "ESCALATE_BRANCH_AFTER": timedelta(hours=4),  # still breached this long after the breach → branch
    "ESCALATE_CITY_AFTER": timedelta(hours=24),  # … → city
    # A reopened request whose policy sets no resolve limit (an inquiry: acknowledge + answer) still gets one.
    "REOPEN_RESOLVE": timedelta(hours=24),
    "REPEAT_DAYS": 30,  # same shop and category within this many days is a repeat complaint
    "MAX_PHOTO_BYTES": 5 * 1024 * 1024,
    "MAX_PHOTOS": 6,
    "MAX_TEXT": 2000,
    "SHOP_NOTIFIER": None,  # None: HttpSmsNotifier when settings.SMS_GATEWAY_URL is set, else LogNotifier
    "WEBHOOK_TIMEOUT": 3.0,
    "WEBHOOK_MAX_ATTEMPTS": 5,
}


def conf(key: str):
    value = getattr(settings, "SERVICEDESK", {}).get(key, DEFAULTS[key])
    if key == "SHOP_NOTIFIER" and value is None:  # not chosen: the SMS gateway when one is configured
        value = (
            "serviceloop.servicedesk.notifiers.HttpSmsNotifier"
            if getattr(settings, "SMS_GATEWAY_URL", "")
            else "serviceloop.servicedesk.notifiers.LogNotifier"
        )
    return value
