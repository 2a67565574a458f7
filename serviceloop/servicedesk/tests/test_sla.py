"""SLA policies as data: matching by kind/complexity/urgency/channel and priority; a working-time milestone
over the company's own days off; the warning share; editing a policy changes new requests only."""

import datetime as dt
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from serviceloop.servicedesk.models import Holiday, SlaMilestone, SlaPolicy

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def test_it_picks_the_most_specific_policy_by_priority(world, file_request, now):
    urgent = SlaPolicy.objects.create(
        name="紧急热线投诉", kind="complaint", channel="hotline_12313", urgency="urgent", priority=50
    )
    SlaMilestone.objects.create(policy=urgent, milestone="resolve", duration=timedelta(hours=4))
    sr = file_request(channel="hotline_12313", urgency="urgent")
    assert {m.milestone: m.due_at - now for m in sr.milestones.all()} == {"resolve": timedelta(hours=4)}
    plain = file_request(channel="phone", urgency="urgent", category="delivery")
    assert plain.milestones.get(milestone="resolve").due_at - now == timedelta(hours=24)


def test_it_counts_working_time_over_company_days_off_in_2027(world, file_request, settings):
    policy = SlaPolicy.objects.create(name="建议", kind="suggestion", priority=40)
    SlaMilestone.objects.create(
        policy=policy, milestone="resolve", duration=timedelta(hours=9), clock="working", warn_share="0.50"
    )
    Holiday.objects.create(date=dt.date(2027, 10, 1), is_workday=False, name="国庆节")
    Holiday.objects.create(date=dt.date(2027, 10, 4), is_workday=False, name="国庆节")
    # Thu 30 Sep 2027 12:30: 5 h that day, Fri 1 Oct and Mon 4 Oct are company days off, weekend off → Tue 5 Oct.
    at = dt.datetime(2027, 9, 30, 12, 30, tzinfo=TZ)
    sr = file_request(kind="suggestion", category="other", at=at)
    m = sr.milestones.get(milestone="resolve")
    assert m.due_at == dt.datetime(2027, 10, 5, 12, 30, tzinfo=TZ)
    assert m.warn_at == dt.datetime(2027, 9, 30, 17, 0, tzinfo=TZ)  # half of 9 working hours


def test_it_uses_the_configured_warning_share(world, file_request, now, settings):
    settings.SERVICEDESK = {"WARN_SHARE": 0.5}
    sr = file_request()
    assert sr.milestones.get(milestone="resolve").warn_at == now + timedelta(hours=12)


def test_it_applies_an_edited_policy_to_new_requests_only(world, file_request, now):
    before = file_request()
    SlaMilestone.objects.filter(policy__name="简单投诉", milestone="resolve").update(
        duration=timedelta(hours=8)
    )
    after = file_request(category="delivery")
    assert before.milestones.get(milestone="resolve").due_at == now + timedelta(hours=24)
    assert after.milestones.get(milestone="resolve").due_at == now + timedelta(hours=8)
