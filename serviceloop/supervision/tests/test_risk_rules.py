"""The risk rules' thresholds: edited by the city administrator on a page with history and audit, read by the
register's readers, refused to everyone else; the rules follow the values in force."""

import datetime as dt

import pytest
from django.urls import reverse

from serviceloop.core.models import AuditEvent
from serviceloop.supervision.models import Risk, RiskRuleChange, RiskRuleSettings
from serviceloop.supervision.rules import run_rules

from .helpers import TZ, complaint, followed_up

pytestmark = pytest.mark.django_db
DEC = dt.datetime(2026, 12, 3, 9, 0, tzinfo=TZ)


def submit(app, user, **values):
    form = app.get(reverse("supervision:risk-rules"), user=user).forms["risk-rules-form"]
    for k, v in values.items():
        form[k] = v
    return form.submit(expect_errors=True)


def test_the_city_admin_changes_a_threshold_with_history_and_audit(world, app):
    page = submit(app, world.city_admin, route_complaints_min="2", reason="投诉整治专项").follow()
    assert RiskRuleSettings.current().route_complaints_min == 2
    change = RiskRuleChange.objects.get()
    assert change.before["route_complaints_min"] == 3 and change.after["route_complaints_min"] == 2
    assert change.by == world.city_admin and change.reason == "投诉整治专项"
    history = page.html.select_one("[data-testid=risk-rules-history]").text
    assert "投诉整治专项" in history and "3 → 2" in history
    audit = AuditEvent.objects.get(action="supervision.riskrules")
    assert audit.actor == world.city_admin and audit.data["changed"] == {"route_complaints_min": [3, 2]}
    # and the rule follows: two complaints about one route now raise a risk
    for day in (3, 8):
        complaint(world, world.shops["茅箭1号线"][0], at=dt.datetime(2026, 11, day, 9, tzinfo=TZ))
    assert run_rules(DEC) == 1 and Risk.objects.get().cause == "route_complaints"


def test_the_run_of_falling_months_is_a_threshold_too(world, app):
    shop = world.shops["张湾1号线"][0]
    for month, score in ((10, 5), (11, 4)):  # one fall only
        followed_up(world, shop, at=dt.datetime(2026, month, 10, 10, tzinfo=TZ), satisfaction=score)
    assert run_rules(DEC) == 0
    submit(app, world.city_admin, satisfaction_falls="1", reason="从严")
    assert run_rules(DEC) == 1
    assert "1" in Risk.objects.get().title


@pytest.mark.parametrize(
    "values",
    [{"short_visits_min": "0"}, {"route_complaints_min": "1"}, {"days_to_act": "abc"}, {"satisfaction_falls": "7"},
     {"reason": ""}, {"reason": "长" * 201}, {"short_visits_min": "5"}],  # the last: nothing changed
)  # fmt: skip
def test_bad_input_is_refused(world, app, values):
    values.setdefault("reason", "调整")
    response = submit(app, world.city_admin, **values)
    assert response.status_code == 400 and not RiskRuleChange.objects.exists()


def test_a_change_made_meanwhile_is_not_overwritten(world, app):
    form = app.get(reverse("supervision:risk-rules"), user=world.city_admin).forms["risk-rules-form"]
    submit(app, world.city_admin, days_to_act="20", reason="第一次")
    form["days_to_act"] = "10"
    form["reason"] = "第二次"
    assert form.submit(expect_errors=True).status_code == 400
    assert RiskRuleSettings.current().days_to_act == 20


def test_who_sees_and_who_edits(world, app, login):
    page = app.get(reverse("supervision:risk-rules"), user=world.supervisor)
    assert "risk-rules-form" not in page.forms and page.html.select_one("[data-testid=risk-rules-current]")
    for user in (world.supervisor, world.station_head):
        assert (
            login(user)
            .post(reverse("supervision:risk-rules"), {"days_to_act": "1", "reason": "x"})
            .status_code
            == 403
        )
    for user in (world.account_manager, world.agent):
        assert login(user).get(reverse("supervision:risk-rules")).status_code == 403
    assert RiskRuleSettings.current().days_to_act == 15
    response = login(world.city_admin).get(reverse("supervision:risk-rules"), {"export": "xlsx"})
    assert response.status_code == 200
