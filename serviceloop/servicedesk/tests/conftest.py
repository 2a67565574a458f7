from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)  # a Monday, working hours


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def file_request(world):
    """``file_request(shop=..., kind=..., ...)`` files through the one intake service."""
    from serviceloop.servicedesk.services import servicerequest_file

    def _file(shop="default", *, kind="complaint", category="attitude", actor=None, at=NOW, **extra):
        if shop == "default":
            shop = world.shops["张湾1号线"][0]
        sr, created = servicerequest_file(
            customer=shop,
            channel=extra.pop("channel", "phone"),
            kind=kind,
            category=category,
            text=extra.pop("text", "送货员态度不好"),
            actor=actor or world.agent,
            now=at,
            **extra,
        )
        return sr

    return _file
