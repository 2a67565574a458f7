"""Acting on results (R21): a rule or one click turns low scores into problem tags (with their strategy)
or service requests, within the actor's scope; the next wave reports whether those shops moved."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from serviceloop.servicedesk.models import ServiceRequest
from serviceloop.surveys.actions import low_scores, lowscore_act
from serviceloop.surveys.models import LowScoreAction, WaveStatus
from serviceloop.tags.models import CustomerTag, ProblemTag

from .conftest import NOW, answered_wave

pytestmark = pytest.mark.django_db


@pytest.fixture
def first_wave(big_world):
    return answered_wave(
        big_world, name="第三季度", start=dt.date(2026, 7, 1), status=WaveStatus.CLOSED, seed=5
    )


@pytest.fixture
def unhappy_tag():
    return ProblemTag.objects.get(name="对服务不满意")


def test_it_tags_every_low_scoring_shop_in_the_actors_scope(big_world, first_wave, unhappy_tag):
    head = big_world.station_head
    low = low_scores(wave=first_wave, user=head, dimension="overall", threshold=70)
    assert len(low) > 0
    acted, skipped = lowscore_act(
        wave=first_wave, dimension="overall", threshold=70, kind="tag", tag=unhappy_tag, actor=head, now=NOW
    )
    assert (acted, skipped) == (len(low), 0)
    tags = CustomerTag.objects.filter(tag=unhappy_tag)
    assert tags.count() == acted and set(tags.values_list("source", flat=True)) == {"survey"}
    assert set(tags.values_list("customer__station", flat=True)) == {big_world.station_a1.pk}
    assert "第三季度" in tags.first().reason and tags.first().attached_by == head
    assert tags.first().tag.strategy.actions  # the tag comes with its strategy
    assert LowScoreAction.objects.filter(wave=first_wave, kind="tag").count() == acted
    assert lowscore_act(
        wave=first_wave, dimension="overall", threshold=70, kind="tag", tag=unhappy_tag, actor=head, now=NOW
    ) == (0, acted)


def test_it_files_service_requests_once_per_shop_and_dimension(big_world, first_wave):
    admin = big_world.city_admin
    acted, _ = lowscore_act(
        wave=first_wave, dimension="delivery", threshold=60, kind="request", actor=admin, now=NOW
    )
    requests = ServiceRequest.objects.filter(channel="survey")
    assert acted > 0 and requests.count() == acted
    assert set(requests.values_list("category__code", flat=True)) == {"delivery"}
    assert (
        lowscore_act(
            wave=first_wave, dimension="delivery", threshold=60, kind="request", actor=admin, now=NOW
        )[0]
        == 0
    )
    assert requests.count() == acted


def test_it_acts_on_one_shop_with_one_click(big_world, first_wave, unhappy_tag, login):
    low = low_scores(wave=first_wave, user=big_world.city_admin, dimension="overall", threshold=101 - 1)
    shop_id = int(low.index[0])
    client = login(big_world.city_admin)
    page = client.get(f"/surveys/{first_wave.pk}/low-scores/", {"dimension": "overall", "threshold": "100"})
    assert page.status_code == 200 and 'data-testid="low-table"' in page.content.decode()
    export = client.get(
        f"/surveys/{first_wave.pk}/low-scores/", {"dimension": "overall", "threshold": "100", "export": "1"}
    )
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    r = client.post(
        f"/surveys/{first_wave.pk}/low-scores/",
        {
            "dimension": "overall",
            "threshold": "100",
            "kind": "tag",
            "tag": unhappy_tag.pk,
            "customer": shop_id,
        },
    )
    assert r.status_code == 302
    assert list(CustomerTag.objects.values_list("customer_id", flat=True)) == [shop_id]


def test_it_refuses_bad_input_and_anonymous_waves(big_world, first_wave, unhappy_tag, login):
    admin = big_world.city_admin
    with pytest.raises(ValidationError):
        lowscore_act(
            wave=first_wave, dimension="overall", threshold=70, kind="tag", tag=None, actor=admin, now=NOW
        )
    with pytest.raises(ValidationError):
        lowscore_act(
            wave=first_wave, dimension="overall", threshold=170, kind="request", actor=admin, now=NOW
        )
    with pytest.raises(ValidationError):
        lowscore_act(
            wave=first_wave, dimension="nonsense", threshold=70, kind="request", actor=admin, now=NOW
        )
    with pytest.raises(ValidationError):
        lowscore_act(wave=first_wave, dimension="overall", threshold=70, kind="email", actor=admin, now=NOW)
    anonymous = answered_wave(big_world, name="匿名", anonymous=True)
    with pytest.raises(ValidationError, match="匿名"):
        lowscore_act(wave=anonymous, dimension="overall", threshold=70, kind="request", actor=admin, now=NOW)
    client = login(admin)
    text = client.get(f"/surveys/{first_wave.pk}/low-scores/", {"threshold": "abc"}).content.decode()
    assert 'data-testid="low-error"' in text
    text = client.get(f"/surveys/{anonymous.pk}/low-scores/").content.decode()
    assert 'data-testid="low-error"' in text and 'data-testid="low-table"' not in text
    assert not CustomerTag.objects.exists() and not ServiceRequest.objects.exists()


def test_it_refuses_outsiders(big_world, first_wave, unhappy_tag, login):
    for user in (big_world.outsider, big_world.agent, big_world.supervisor):
        with pytest.raises(PermissionDenied):
            lowscore_act(
                wave=first_wave, dimension="overall", threshold=90, kind="request", actor=user, now=NOW
            )
        client = login(user)
        assert client.get(f"/surveys/{first_wave.pk}/low-scores/").status_code == 403
        assert (
            client.post(
                f"/surveys/{first_wave.pk}/low-scores/", {"kind": "request", "threshold": "90"}
            ).status_code
            == 403
        )
    assert not ServiceRequest.objects.exists()


def test_it_reports_in_the_next_wave_whether_the_shops_moved(big_world, first_wave, unhappy_tag, login):
    acted, _ = lowscore_act(
        wave=first_wave,
        dimension="overall",
        threshold=60,
        kind="tag",
        tag=unhappy_tag,
        actor=big_world.city_admin,
        now=NOW,
    )
    second = answered_wave(big_world, name="第四季度", start=dt.date(2026, 10, 1), seed=6)
    text = login(big_world.city_admin).get(f"/surveys/{second.pk}/results/").content.decode()
    assert 'data-testid="moved-table"' in text and "是否有改善" in text
    from serviceloop.surveys.actions import acted_shops_moved

    rows = acted_shops_moved(wave=second, user=big_world.city_admin)
    assert rows[0]["n_acted"] == acted and rows[0]["n"] == acted  # every shop answered both waves
    assert rows[0]["after"] - rows[0]["before"] == pytest.approx(rows[0]["diff"])
    assert rows[0]["diff"] > 0  # shops picked for low scores regress upwards in an independent wave
