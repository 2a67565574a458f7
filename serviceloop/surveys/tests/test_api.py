"""Surveys over the API: waves, targets (scope, masking, anonymity), answers by phone or visit (validation,
idempotency), results as JSON."""

import pytest
import time_machine
from rest_framework.test import APIClient

from serviceloop.surveys.models import Answer, AnswerStatus, WaveTarget
from serviceloop.surveys.services import questionnaire_items

from .conftest import NOW, answered_wave, make_wave

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def full_body(wave, *, value=4):
    values, expectations = {}, {}
    for item in questionnaire_items(wave.questionnaire):
        if item.kind == "likert":
            values[item.code] = value
            if item.ask_expectation:
                expectations[item.code] = value
        elif item.kind == "single":
            values[item.code] = item.options[0]
        elif item.kind == "multiple":
            values[item.code] = item.options[:2]
        else:
            values[item.code] = "很好"
    return {"values": values, "expectations": expectations, "submit": True}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_waves_and_targets_in_scope_with_masked_phones(world):
    wave = make_wave(world)
    shop = world.shops["张湾1号线"][0]
    shop.phone = "13912345678"
    shop.save(update_fields=["phone"])
    listed = api(world.supervisor).get("/api/v1/survey-waves/", {"status": "open"}).json()
    assert [w["id"] for w in listed["results"]] == [wave.pk]
    url = f"/api/v1/survey-waves/{wave.pk}/targets/"
    mine = api(world.account_manager).get(url).json()
    assert {t["licence_no"] for t in mine["results"]} == {s.licence_no for s in world.shops["张湾1号线"]}
    full = [t for t in mine["results"] if t["licence_no"] == shop.licence_no][0]
    assert full["phone"] == "13912345678"
    masked = [t for t in api(world.supervisor).get(url, {"q": shop.name}).json()["results"]][0]
    assert masked["phone"] == "139****5678"
    outsider = api(world.outsider).get(url).json()
    assert shop.licence_no not in {t["licence_no"] for t in outsider["results"]}


def test_an_agent_enters_by_phone_once_per_key_and_gets_the_services_messages(world):
    wave = make_wave(world)
    target = WaveTarget.objects.get(wave=wave, customer=world.shops["张湾1号线"][0])
    url = f"/api/v1/survey-waves/{wave.pk}/targets/{target.pk}/answer/"
    agent = api(world.agent)
    body = full_body(wave)
    code = next(i.code for i in questionnaire_items(wave.questionnaire) if i.kind == "likert")
    bad = agent.post(url, {**body, "values": {**body["values"], code: 9}}, format="json")
    assert bad.status_code == 400 and code in bad.json()
    assert agent.post(url, {**body, "values": "x"}, format="json").status_code == 400
    one = agent.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="a1")
    two = agent.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="a1")
    assert one.status_code == two.status_code == 201 and two["Idempotent-Replayed"] == "true"
    answer = Answer.objects.get(target=target)
    assert answer.status == AnswerStatus.SUBMITTED and answer.channel == "phone"
    again = agent.post(url, body, format="json")
    assert again.status_code == 400 and "non_field_errors" in again.json()
    assert agent.get(url).json()["status"] == "submitted"
    # Station heads do not enter answers; an outsider does not see the shop.
    assert api(world.station_head).post(url, body, format="json").status_code == 403
    assert api(world.outsider).post(url, body, format="json").status_code == 404


def test_results_as_json_only_for_result_roles(world, big_world):
    wave = answered_wave(world)
    r = api(world.city_admin).get(f"/api/v1/survey-waves/{wave.pk}/results/", {"segment": "station"})
    assert r.status_code == 200
    data = r.json()
    assert data["wave"] == wave.pk and data["n"] > 0 and data["segment"] == "station"
    assert api(world.agent).get(f"/api/v1/survey-waves/{wave.pk}/results/").status_code == 403
    assert (
        api(world.city_admin).get(f"/api/v1/survey-waves/{wave.pk}/results/", {"compare": "999"}).status_code
        == 400
    )
