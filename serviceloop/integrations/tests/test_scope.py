"""One rule over every list endpoint: an account manager's token sees their routes' shops only, an outsider (the
account manager of another branch) gets 404 on the objects, and phone numbers are masked for roles that do not
see them."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from serviceloop.integrations.services import apitoken_create
from serviceloop.surveys.services import wave_create, wave_draw_targets
from serviceloop.tags.models import ProblemTag
from serviceloop.tags.services import customertag_attach
from serviceloop.visits.services import visit_add

pytestmark = pytest.mark.django_db


def token_client(user):
    _token, secret = apitoken_create(user=user, name="scope", scope="read", expires_at=None, actor=user,
                                     now=timezone.now())  # fmt: skip
    return Client(HTTP_AUTHORIZATION=f"Token {secret}")


@pytest.fixture
def objects(world):
    from serviceloop.surveys.models import Questionnaire

    now = timezone.now()
    shop_in, shop_out = world.shops["张湾1号线"][0], world.shops["城关1号线"][0]
    tag = ProblemTag.objects.filter(active=True).order_by("pk").first()
    tags = [customertag_attach(customer=s, tag=tag, source="data", reason="测试", actor=None, now=now)
            for s in (shop_in, shop_out)]  # fmt: skip
    day = timezone.localdate(now) + dt.timedelta(days=1)
    visits = [visit_add(customer=shop_in, day=day, actor=world.account_manager, now=now),
              visit_add(customer=shop_out, day=day, actor=world.outsider, now=now)]  # fmt: skip
    wave = wave_create(company=world.company, questionnaire=Questionnaire.objects.order_by("pk").first(),
                       actor=world.city_admin, now=now,
                       data={"name": "范围", "period_start": dt.date(2026, 10, 1), "period_end": dt.date(2026, 12, 20),
                             "anonymous": False, "target_mode": "all"})  # fmt: skip
    wave_draw_targets(wave=wave, actor=world.city_admin, now=now)
    return {"tags": tags, "visits": visits, "wave": wave, "in": shop_in, "out": shop_out}


@pytest.mark.parametrize(
    "path,licence_field",
    [("/api/v1/customers/", "licence_no"), ("/api/v1/customer-tags/", "licence_no"),
     ("/api/v1/visits/", "licence_no"), ("WAVE/targets/", "licence_no")],
)  # fmt: skip
def test_an_account_managers_token_lists_their_routes_shops_only(world, objects, path, licence_field):
    path = path.replace("WAVE", f"/api/v1/survey-waves/{objects['wave'].pk}")
    mine = {s.licence_no for s in world.shops["张湾1号线"]}
    rows = token_client(world.account_manager).get(path).json()["results"]
    assert rows and {r[licence_field] for r in rows} <= mine


def test_an_outsiders_token_gets_404_on_objects_of_another_branch(world, objects):
    client = token_client(world.outsider)
    tag_in, visit_in = objects["tags"][0], objects["visits"][0]
    for path in (f"/api/v1/customers/{objects['in'].pk}/", f"/api/v1/customer-tags/{tag_in.pk}/",
                 f"/api/v1/visits/{visit_in.pk}/", f"/api/v1/org/routes/{world.route_a1_1.pk}/"):  # fmt: skip
        assert client.get(path).status_code == 404, path
    assert client.get(f"/api/v1/customer-tags/{objects['tags'][1].pk}/").status_code == 200


def test_phones_are_masked_for_roles_that_do_not_see_them(world, objects):
    shop = objects["in"]
    shop.phone = "13912345678"
    shop.save(update_fields=["phone"])
    full = token_client(world.account_manager).get(f"/api/v1/customers/{shop.pk}/").json()
    masked = token_client(world.supervisor).get(f"/api/v1/customers/{shop.pk}/").json()
    assert full["phone"] == "13912345678" and masked["phone"] == "139****5678"
    url = f"/api/v1/survey-waves/{objects['wave'].pk}/targets/?q={shop.name}"
    assert token_client(world.supervisor).get(url).json()["results"][0]["phone"] == "139****5678"
