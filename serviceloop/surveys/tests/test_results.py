"""Analysis pages on realistic (synthetic) answers, their scope (a station head sees their station only;
outsiders refused), anonymity, wave comparison, and the Excel exports and the printable report."""

import io

import pytest
from openpyxl import load_workbook

from serviceloop.surveys.analysis import previous_wave, wave_results
from serviceloop.surveys.models import Answer, Questionnaire, WaveStatus, WaveTarget

from .conftest import answered_wave, make_wave

pytestmark = pytest.mark.django_db


@pytest.fixture
def results_wave(big_world):
    return answered_wave(big_world, status=WaveStatus.CLOSED)


def sheet_rows(response, title=None):
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    ws = wb[title] if title else wb.worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)], wb.sheetnames


def test_it_shows_the_full_analysis_to_the_city_admin(big_world, results_wave, login):
    r = login(big_world.city_admin).get(f"/surveys/{results_wave.pk}/results/")
    assert r.status_code == 200
    text = r.content.decode()
    n = Answer.objects.filter(wave=results_wave).count()
    assert f'data-testid="n-answers">{n}<' in text
    for testid in (
        "dimension-table",
        "item-table",
        "driver-table",
        "reliability-table",
        "loadings-table",
        "segment-table",
        "efa-summary",
        "fix-first",
    ):
        assert f'data-testid="{testid}"' in text, testid
    assert "KMO" in text and "Bartlett" in text and "送货服务" in text and "优先改进" in text
    assert "results-data" in text and "echarts" in text


def test_it_matches_the_analytics_core_on_the_waves_answers(big_world, results_wave):
    from serviceloop.analytics.survey import satisfaction_index
    from serviceloop.surveys.analysis import wave_data

    data = wave_data(results_wave, big_world.city_admin)
    expected = satisfaction_index(data.perception, data.spec)
    got = wave_results(results_wave, big_world.city_admin)
    assert got["overall"] == pytest.approx(expected.overall)
    assert got["n"] == Answer.objects.filter(wave=results_wave).count()


def test_it_breaks_results_down_by_every_segment_and_flags_small_groups(big_world, results_wave, login):
    client = login(big_world.city_admin)
    for segment in ("branch", "station", "market_type", "retail_format", "stars", "account_manager"):
        text = client.get(f"/surveys/{results_wave.pk}/results/", {"segment": segment}).content.decode()
        assert 'data-testid="segment-table"' in text, segment
    text = client.get(f"/surveys/{results_wave.pk}/results/", {"segment": "station"}).content.decode()
    assert (
        "张湾服务站" in text and "城关服务站" in text and "样本少" in text
    )  # every station has < 30 answers


def test_it_shows_a_station_head_only_their_stations_results(big_world, results_wave, login):
    in_station = WaveTarget.objects.filter(wave=results_wave, station=big_world.station_a1).count()
    assert 0 < in_station < WaveTarget.objects.filter(wave=results_wave).count()
    text = (
        login(big_world.station_head)
        .get(f"/surveys/{results_wave.pk}/results/", {"segment": "station"})
        .content.decode()
    )
    assert f'data-testid="n-answers">{in_station}<' in text
    assert "张湾服务站" in text and "茅箭服务站" not in text and "城关服务站" not in text
    rows, _ = sheet_rows(login(big_world.station_head).get(f"/surveys/{results_wave.pk}/answers.xlsx"))
    assert len(rows) - 1 == in_station
    assert {r[4] for r in rows[1:]} == {"张湾服务站"}


def test_it_refuses_results_to_outsiders_and_staff_without_the_role(big_world, results_wave, login):
    for user in (big_world.outsider, big_world.account_manager, big_world.agent, big_world.inspector):
        client = login(user)
        for url in ("results/", "results.xlsx", "answers.xlsx", "report/"):
            assert client.get(f"/surveys/{results_wave.pk}/{url}").status_code == 403, (user, url)


def test_it_keeps_an_anonymous_wave_anonymous_below_the_city(big_world, login):
    wave = answered_wave(big_world, name="匿名调查", anonymous=True)
    shop = big_world.shops["张湾1号线"][0]
    # the station head: no shop in the raw export, and no figure for groups under five shops
    head = login(big_world.station_head)
    rows, _ = sheet_rows(head.get(f"/surveys/{wave.pk}/answers.xlsx"))
    flat = {str(v) for r in rows for v in r}
    assert "许可证号" not in rows[0] and shop.licence_no not in flat and shop.name not in flat
    text = head.get(f"/surveys/{wave.pk}/results/", {"segment": "stars"}).content.decode()
    result = wave_results(wave, big_world.station_head, segment="route" if False else "account_manager")
    assert all(r["overall"] is None for r in result["segments"] if r["masked"])
    assert "匿名调查：只显示分组结果" in text
    masked_stars = [
        r
        for r in wave_results(wave, big_world.station_head, segment="stars")["segments"]
        if r["n"] < 5 and r["segment"] != "__total__"
    ]
    assert all(r["masked"] and r["overall"] is None for r in masked_stars)
    # the shop's own page shows no answer of an anonymous wave below the city level
    page = head.get(f"/customers/{shop.pk}/").content.decode()
    assert "supply_1" not in page
    # the city sees the shop-level raw answers
    rows, _ = sheet_rows(login(big_world.city_admin).get(f"/surveys/{wave.pk}/answers.xlsx"))
    assert "许可证号" in rows[0] and shop.licence_no in {str(v) for r in rows for v in r}


def test_it_compares_with_the_previous_wave_with_a_significance_test(big_world, login):
    import datetime as dt

    first = answered_wave(
        big_world, name="第三季度", start=dt.date(2026, 7, 1), status=WaveStatus.CLOSED, seed=3
    )
    make_wave(big_world, name="八月草稿", start=dt.date(2026, 8, 1), status=WaveStatus.DRAFT)
    current = answered_wave(big_world, name="第四季度", start=dt.date(2026, 10, 1), seed=4)
    assert previous_wave(current) == first  # a draft in between has no answers to compare with
    text = login(big_world.city_admin).get(f"/surveys/{current.pk}/results/").content.decode()
    assert 'data-testid="compare-table"' in text and "第三季度" in text and "p（Holm校正）" in text
    result = wave_results(current, big_world.city_admin, compare=previous_wave(current))
    scores = {row["score"] for row in result["compare"]["table"]}
    assert {"overall", "delivery"} <= scores
    assert all(0 <= row["p_adjusted"] <= 1 for row in result["compare"]["table"])
    text = (
        login(big_world.city_admin)
        .get(f"/surveys/{current.pk}/results/", {"compare": "none"})
        .content.decode()
    )
    assert 'data-testid="compare-table"' not in text


def test_it_shows_gaps_on_a_servqual_wave(big_world, login):
    wave = answered_wave(big_world, name="差距调查", questionnaire=Questionnaire.objects.get(code="servqual"))
    result = wave_results(wave, big_world.city_admin)
    assert result["has_gap"]
    gaps = {d["dimension"]: d["gap"] for d in result["dimensions"]}
    assert set(gaps) == {"tangibles", "reliability", "responsiveness", "assurance", "empathy"}
    assert all(g < 0 for g in gaps.values())  # expectations were planted higher than perceptions
    text = login(big_world.city_admin).get(f"/surveys/{wave.pk}/results/").content.decode()
    assert "差距（感知−期望）" in text and "有形性" in text


def test_it_renders_an_empty_wave_without_errors(world, login):

    wave = make_wave(world, name="空批次")
    text = login(world.city_admin).get(f"/surveys/{wave.pk}/results/").content.decode()
    assert 'data-testid="no-results"' in text


def test_it_exports_the_results_to_excel(big_world, results_wave, login):
    r = login(big_world.city_admin).get(
        f"/surveys/{results_wave.pk}/results.xlsx", {"segment": "market_type"}
    )
    assert r.status_code == 200
    rows, names = sheet_rows(r, "维度")
    assert {"概要", "维度", "题目", "信度", "题总相关", "因子载荷", "驱动因素"} <= set(names)
    assert rows[0][:3] == ["维度", "n", "指数"]
    assert [r[0] for r in rows[1:]] == [
        "货源供应",
        "订货服务",
        "送货服务",
        "客户经理服务",
        "结算服务",
        "投诉处理",
        "市场管理（专卖）",
    ]
    expected = {
        d["dimension"]: d["index"] for d in wave_results(results_wave, big_world.city_admin)["dimensions"]
    }
    assert rows[3][2] == pytest.approx(expected["delivery"])
    summary, _ = sheet_rows(
        login(big_world.city_admin).get(f"/surveys/{results_wave.pk}/results.xlsx"), "概要"
    )
    assert summary[1][0] == Answer.objects.filter(wave=results_wave).count()


def test_it_exports_the_raw_answers_to_excel(big_world, results_wave, login):
    rows, _ = sheet_rows(login(big_world.city_admin).get(f"/surveys/{results_wave.pk}/answers.xlsx"))
    header = rows[0]
    assert header[:5] == ["答卷序号", "渠道", "提交时间", "县局", "服务站"] and "许可证号" in header
    assert any(h.startswith("supply_1 ") for h in header) and any(h.startswith("overall ") for h in header)
    assert len(rows) - 1 == Answer.objects.filter(wave=results_wave).count()
    col = next(i for i, h in enumerate(header) if h.startswith("supply_1 "))
    assert {r[col] for r in rows[1:]} <= {1, 2, 3, 4, 5, None}


def test_it_prints_a_report(big_world, results_wave, login):
    r = login(big_world.city_admin).get(f"/surveys/{results_wave.pk}/report/")
    text = r.content.decode()
    assert r.status_code == 200 and "调查报告" in text and "@media print" in text and "参与率" in text
