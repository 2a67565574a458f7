"""Kept settlement risk scores (issue 14): the care list reads one row a shop, and the rows equal the live rule
after the daily job, after a settlement import (and its rollback), after the window setting changes and after
the window slides; the threshold is applied when reading."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from serviceloop.core.jobs import claim, schedule
from serviceloop.core.models import JobState
from serviceloop.core.testing import make_user
from serviceloop.customers.models import Customer
from serviceloop.growth import care
from serviceloop.growth.models import SettlementRisk
from serviceloop.trade.importing import import_trade_file
from serviceloop.trade.models import BatchStatus, DerivationSettings
from serviceloop.trade.services import batch_rollback, derivationsettings_update
from serviceloop.trade.testing import ORDER_HEADER, csv_bytes, make_products, order_rows

from .care_helpers import FAIL_BALANCE, settle
from .test_care import ago, attempts, licences  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
SETTLEMENT_HEADER = ["订单编号", "结算方式", "扣款时间", "扣款结果", "失败原因", "扣款金额"]


def kept() -> dict:
    return {
        r.customer_id: (r.score, r.failed_attempts, r.unpaid_settlements, r.reasons, [tuple(p) for p in r.parts],
                        r.window_days)
        for r in SettlementRisk.objects.all()
    }  # fmt: skip


def live(now) -> dict:
    days = care.window_days()
    return {
        cid: (r.score, r.failed, r.unpaid, r.reasons, r.parts, days)
        for cid, r in care.settlement_risks(Customer.objects.all(), now=now).items()
    }


def test_it_keeps_the_live_scores_after_the_daily_job(attempts, monkeypatch):  # noqa: F811
    world, a, b, c, d, e = attempts
    job = next(j for j in schedule() if j.name == "settlement_risks")
    assert job.every == dt.timedelta(days=1)
    SettlementRisk.objects.all().delete()
    now = timezone.now()
    monkeypatch.setattr(care, "CHUNK", 2)  # several ranges of shops, each written in its own transaction
    assert "4 shop(s)" in job.run(now)
    assert kept() == live(now) and set(kept()) == {a.pk, b.pk, c.pk, e.pk}
    assert kept()[c.pk][:3] == (100, 2, 1) and kept()[a.pk][3] == {"余额不足": 2}
    assert set(SettlementRisk.objects.values_list("computed_at", flat=True)) == {now}
    # idempotent
    job.run(now)
    assert kept() == live(now)


def _order(shop, order_no: str, day: dt.date):
    batch = import_trade_file(file=csv_bytes(ORDER_HEADER, order_rows(shop, order_no, day, [("31020002", 2, 2)])),
                              kind="orders", now=timezone.now())  # fmt: skip
    assert batch.status == BatchStatus.COMMITTED, batch.errors


def test_a_settlement_import_refreshes_its_shops_and_a_rollback_too(attempts):  # noqa: F811
    world, a, b, c, d, e = attempts
    make_products()
    day = timezone.localdate() - dt.timedelta(days=2)
    _order(b, "R1", day)
    before = dict(SettlementRisk.objects.values_list("customer_id", "computed_at"))
    assert kept()[b.pk][0] == 20  # below the line: not on the page
    later = timezone.now() + dt.timedelta(minutes=5)
    rows = [["R1", "电子结算", f"{day} 08:00", "失败", "银行卡被冻结", "900"],
            ["R1", "电子结算", f"{day} 12:00", "失败", "银行卡被冻结", "900"]]  # fmt: skip
    first = import_trade_file(file=csv_bytes(SETTLEMENT_HEADER, rows), kind="settlements", now=later)
    assert first.status == BatchStatus.COMMITTED, first.errors
    assert kept() == live(later)
    assert kept()[b.pk][:3] == (100, 3, 1)  # 3 failures (60) + blocked card (40), capped at 100
    after = dict(SettlementRisk.objects.values_list("customer_id", "computed_at"))
    assert after[b.pk] == later and all(after[cid] == before[cid] for cid in (a.pk, c.pk, e.pk))
    assert b.licence_no in licences_of(world.station_head)
    # a corrected file: the debit went through in the end; the shop's row follows
    rows.append(["R1", "电子结算", f"{day} 18:00", "成功", "", "900"])
    second = import_trade_file(file=csv_bytes(SETTLEMENT_HEADER, rows), kind="settlements", now=later)
    assert second.replaced == 1, second.errors
    assert kept() == live(later) and kept()[b.pk][:3] == (100, 3, 0)
    batch_rollback(batch=second, actor=None, now=later)
    assert kept() == live(later) and kept()[b.pk][:3] == (100, 3, 1)
    batch_rollback(batch=first, actor=None, now=later)
    assert kept() == live(later) and kept()[b.pk][0] == 20
    assert b.licence_no not in licences_of(world.station_head)


def licences_of(user) -> list[str]:
    return list(care.care_shops_visible_to(user).values_list("licence_no", flat=True))


def test_a_new_window_rescores_every_shop_and_a_new_line_only_filters(app, attempts):  # noqa: F811
    world, a, b, c, d, e = attempts
    url = reverse("growth:settlement-care")
    assert licences(app.get(url, user=world.city_admin)) == [c.licence_no, e.licence_no, a.licence_no]
    cfg = DerivationSettings.current()
    now = timezone.now()
    JobState.objects.update_or_create(name="settlement_risks", defaults={"last_started_at": now})  # ran today
    cfg = derivationsettings_update(values={"failed_settlement_days": 7}, seen_updated_at=cfg.updated_at,
                                    actor=world.city_admin, now=now)  # fmt: skip
    # the change makes the daily job due at once (the runner claims it though it ran today) and the job scores
    # the city for the new window
    job = next(j for j in schedule() if j.name == "settlement_risks")
    assert claim(job, now) is not None
    job.run(now)
    assert kept() == live(now) and set(kept()) == {b.pk, e.pk}
    assert kept()[e.pk][4][0][1].startswith("近7天扣款失败3次")
    page = app.get(url, user=world.city_admin)
    assert licences(page) == [e.licence_no]
    # the threshold is applied when reading: one failed attempt (20 points) now lists b, with no rescoring
    stamps = dict(SettlementRisk.objects.values_list("customer_id", "computed_at"))
    derivationsettings_update(values={"failed_settlement_min": 1}, seen_updated_at=cfg.updated_at,
                              actor=world.city_admin, now=now + dt.timedelta(minutes=1))  # fmt: skip
    assert licences(app.get(url, user=world.city_admin)) == [e.licence_no, b.licence_no]
    assert dict(SettlementRisk.objects.values_list("customer_id", "computed_at")) == stamps


def test_the_daily_job_lets_an_old_failure_leave_the_window(world):
    shop = world.shops["张湾1号线"][0]
    now = timezone.now()
    settle(shop, now - dt.timedelta(days=59), [FAIL_BALANCE, FAIL_BALANCE])
    care.job_settlement_risks(now)
    assert kept() == live(now) and kept()[shop.pk][0] == 80  # 2 failures, short of money, unpaid
    a_day_later = now + dt.timedelta(days=1, hours=1)
    care.job_settlement_risks(a_day_later)
    assert live(a_day_later) == {} and kept() == {}


def test_the_page_says_when_the_scores_were_computed(app, attempts):  # noqa: F811
    world = attempts[0]
    at = timezone.now() - dt.timedelta(hours=3)
    SettlementRisk.objects.update(computed_at=at)
    page = app.get(reverse("growth:settlement-care"), user=world.account_manager)
    shown = page.html.select_one('[data-testid="care-computed-at"]').get_text(strip=True)
    assert shown == f"风险评分更新于 {timezone.localtime(at):%Y-%m-%d %H:%M}。"


def test_outsiders_see_none_of_the_others_kept_scores(app, attempts):  # noqa: F811
    world, a, b, c, d, e = attempts
    url = reverse("growth:settlement-care")
    page = app.get(url + "?all=on", user=world.outsider)  # another station's account manager
    assert licences(page) == [e.licence_no]
    assert all(shop.licence_no not in page.text for shop in (a, b, c))
    nobody = make_user("nobody", "", company=world.company)  # a role that may not see the page
    app.get(url, user=nobody, status=403)
    app.get(reverse("growth:settlement-care-export"), user=nobody, status=403)
    client = APIClient()
    client.force_authenticate(nobody)
    assert client.get("/api/v1/growth/settlement-risks/").status_code == 403
    assert list(care.care_shops_visible_to(nobody, show_all=True)) == []


def test_the_filters_through_the_rendered_form_read_the_kept_scores(app, attempts):  # noqa: F811
    world, a, b, c, d, e = attempts
    page = app.get(reverse("growth:settlement-care"), user=world.city_admin)
    form = page.forms["care-filter"]
    form["all"] = True
    assert licences(form.submit()) == [c.licence_no, e.licence_no, a.licence_no, b.licence_no]
    form["q"] = b.licence_no
    assert licences(form.submit()) == [b.licence_no]
    form["q"] = ""
    form["all"] = False
    form["station"] = str(world.route_b1_1.station_id)  # a city admin picks the station, then its route
    form = form.submit().forms["care-filter"]
    form["route"] = str(world.route_b1_1.pk)
    assert licences(form.submit()) == [e.licence_no]


def test_the_api_lists_the_kept_scores_a_page_at_a_time(attempts):  # noqa: F811
    world, a, b, c, d, e = attempts
    client = APIClient()
    client.force_authenticate(world.city_admin)
    body = client.get("/api/v1/growth/settlement-risks/?all=on").json()
    assert body["count"] == 4
    rows = body["results"]
    assert [r["licence_no"] for r in rows] == [c.licence_no, e.licence_no, a.licence_no, b.licence_no]
    top = rows[0]
    assert (top["score"], top["failed_attempts"], top["unpaid_settlements"]) == (100, 2, 1)
    assert top["reasons"] == {"银行卡被冻结": 2} and sum(p["points"] for p in top["parts"]) == 100
    assert top["next_order_day"] and top["route_name"] == "张湾2号线"
    body = client.get("/api/v1/growth/settlement-risks/").json()
    assert [r["licence_no"] for r in body["results"]] == [c.licence_no, e.licence_no, a.licence_no]


def test_an_upgraded_database_says_the_scores_are_pending_until_the_job_first_runs(app, attempts):  # noqa: F811
    world = attempts[0]
    SettlementRisk.objects.all().delete()  # the table as the migration left it, failed debits already stored
    JobState.objects.filter(name="settlement_risks").delete()
    url = reverse("growth:settlement-care")

    page = app.get(url, user=world.city_admin)
    assert page.html.select_one('[data-testid="care-pending"]').get_text(strip=True) == (
        "风险评分正在后台进行首次计算，请几分钟后刷新本页。"
    )
    job = next(j for j in schedule() if j.name == "settlement_risks")
    now = timezone.now()
    assert claim(job, now) is not None  # a job that has never run is due at the runner's next tick
    job.run(now)
    JobState.objects.filter(name=job.name).update(last_finished_at=now)

    page = app.get(url, user=world.city_admin)
    assert page.html.select_one('[data-testid="care-pending"]') is None and licences(page)
