"""KPI pages: scope of every view, drill-down, exports, flat query counts, targets with history."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from serviceloop.core.models import AuditEvent
from serviceloop.customers.models import Customer
from serviceloop.kpis.compute import kpivalues_compute
from serviceloop.kpis.models import Kpi, KpiTarget, KpiValue
from serviceloop.kpis.testing import generate_month

pytestmark = pytest.mark.django_db


@pytest.fixture
def month(world):
    m = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)  # a whole month
    shops = list(Customer.objects.select_related("route", "branch"))
    generate_month(month=m, shops=shops, seed=3, per_shop=2)
    kpivalues_compute(months=[m], now=timezone.now())
    world.month = m
    return world


def drill_url(code, level, unit, month):
    return reverse("kpis:drill", args=[code, level, unit, month.strftime("%Y-%m")])


def test_city_admin_sees_every_kpi_of_the_city(month, app):
    page = app.get(reverse("kpis:dashboard"), user=month.city_admin)
    table = page.html.select_one("[data-testid=kpi-dashboard]")
    assert len(table.select("tbody tr")) == Kpi.objects.filter(active=True).count()
    assert "回访满意率" in table.text and "电子结算成功率" in table.text
    assert page.html.select_one("#kpi-chart-data")


def test_the_dashboard_opens_on_the_users_own_unit(month, app):
    page = app.get(reverse("kpis:dashboard"), user=month.station_head)
    assert month.station_a1.name in page.html.h1.text
    page = app.get(reverse("kpis:dashboard"), user=month.account_manager)
    assert month.account_manager.full_name in page.html.h1.text


@pytest.mark.parametrize(
    "actor, level, unit, status",
    [
        ("station_head", "station", "station_a2", 404),
        ("station_head", "branch", "branch_a", 404),
        ("station_head", "route", "route_a1_2", 200),
        ("account_manager", "route", "route_a1_2", 404),
        ("account_manager", "manager", "outsider", 404),
        ("account_manager", "route", "route_a1_1", 200),
        ("branch_manager", "station", "station_b1", 404),
        ("branch_manager", "station", "station_a2", 200),
        ("outsider", "route", "route_a1_1", 404),
    ],
)
def test_dashboard_and_drill_down_stay_in_scope(month, login, actor, level, unit, status):
    client = login(getattr(month, actor))
    unit_id = getattr(month, unit).pk
    assert client.get(reverse("kpis:dashboard"), {"level": level, "unit": unit_id}).status_code == status
    assert client.get(drill_url("visit_compliance", level, unit_id, month.month)).status_code == status


def test_a_user_without_a_role_is_refused(month, login):
    from serviceloop.core.testing import make_user

    nobody = make_user("nobody", "", company=month.company)
    assert login(nobody).get(reverse("kpis:dashboard")).status_code == 403
    assert login(nobody).get(reverse("kpis:targets")).status_code == 403


def test_the_city_level_is_not_shown_below_the_city(month, login):
    assert login(month.station_head).get(reverse("kpis:dashboard"), {"level": "city"}).status_code == 404


def test_compare_lists_only_units_in_scope(month, app):
    page = app.get(
        reverse("kpis:compare", args=["visit_compliance"]), {"level": "route"}, user=month.station_head
    )
    text = page.html.select_one("[data-testid=kpi-compare]").text
    assert month.route_a1_1.name in text and month.route_a1_2.name in text
    assert month.route_b1_1.name not in text and month.route_a2_1.name not in text


def test_drill_down_lists_the_events_behind_the_number(month, app):
    value = KpiValue.objects.get(kpi__code="visit_compliance", level="route", unit_id=month.route_a1_1.pk,
                                 period=month.month, part="")  # fmt: skip
    page = app.get(drill_url("visit_compliance", "route", month.route_a1_1.pk, month.month) + "?size=200",
                   user=month.account_manager)  # fmt: skip
    rows = page.html.select("[data-testid=kpi-drill] tbody tr")
    assert len(rows) == value.denominator
    assert sum("是" in r.text for r in rows) == value.numerator


def test_the_dashboard_value_links_to_its_drill_down(month, app):
    page = app.get(
        reverse("kpis:dashboard"), {"period": month.month.strftime("%Y-%m")}, user=month.account_manager
    )
    link = page.html.select_one("[data-testid=drill-visit_compliance]")
    assert link is not None
    assert app.get(link["href"], user=month.account_manager).status_code == 200


@pytest.mark.parametrize("code", ["followup_satisfaction", "on_time_resolve", "settled_locally", "tag_loop_days",
                                  "survey_coverage", "survey_index", "churn_rate", "e_settlement_success"])  # fmt: skip
def test_every_kind_of_drill_down_opens(month, login, code):
    assert login(month.city_admin).get(drill_url(code, "city", 0, month.month)).status_code == 200


def test_drill_down_refuses_bad_input(month, login):
    client = login(month.city_admin)
    assert client.get(drill_url("visit_compliance", "nonsense", 1, month.month)).status_code == 404
    assert client.get("/kpis/k/visit_compliance/city/0/2026-13/").status_code == 404
    assert client.get("/kpis/k/no_such_kpi/city/0/2026-10/").status_code == 404


@pytest.mark.parametrize("url", ["/kpis/", "/kpis/k/complaints_per_100/?level=station", "/kpis/targets/",
                                 "/kpis/targets/damage_rate/"])  # fmt: skip
def test_every_view_exports_to_excel(month, login, url):
    sep = "&" if "?" in url else "?"
    response = login(month.city_admin).get(f"{url}{sep}export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_drill_down_exports_to_excel(month, login):
    response = login(month.station_head).get(drill_url("visit_compliance", "station", month.station_a1.pk,
                                                       month.month) + "?export=xlsx")  # fmt: skip
    assert response.status_code == 200


def test_query_counts_are_flat_in_the_number_of_units(month, login, django_assert_max_num_queries):
    from serviceloop.org.models import Route

    client = login(month.city_admin)
    client.get(reverse("kpis:compare", args=["visit_compliance"]), {"level": "route"})
    with django_assert_max_num_queries(20):
        client.get(reverse("kpis:compare", args=["visit_compliance"]), {"level": "route"})
    for i in range(30):
        Route.objects.create(station=month.station_a1, name=f"加开{i}号线")
    with django_assert_max_num_queries(20):
        client.get(reverse("kpis:compare", args=["visit_compliance"]), {"level": "route"})
    with django_assert_max_num_queries(20):
        client.get(reverse("kpis:dashboard"), {"level": "route"})
    with django_assert_max_num_queries(20):
        client.get(drill_url("visit_compliance", "city", 0, month.month))


def test_quarter_sums_the_months(month, login):
    q = f"{month.month.year}-Q{(month.month.month - 1) // 3 + 1}"
    page = login(month.city_admin).get(reverse("kpis:dashboard"), {"period": q})
    assert page.status_code == 200 and q in page.content.decode()


# ------------------------------------------------------------------------------------------- targets


def test_city_admin_changes_a_target_and_keeps_the_history(world, app):
    kpi = Kpi.objects.get(code="e_settlement_success")
    before = KpiTarget.objects.filter(kpi=kpi, level="station").count()
    page = app.get(reverse("kpis:target-edit", args=[kpi.code]), user=world.city_admin)
    form = page.forms["target-form"]
    form["level"] = "station"
    form["target"] = "96"
    form["warning"] = "93"
    form["reason"] = "省局下达新目标"
    page = form.submit().follow()
    rows = KpiTarget.objects.filter(kpi=kpi, level="station").order_by("set_at", "id")
    assert rows.count() == before + 1
    assert rows.first().target == Decimal("95.00")  # the old row is untouched
    assert rows.last().target == Decimal("96.00") and rows.last().set_by == world.city_admin
    assert "省局下达新目标" in page.html.select_one("[data-testid=target-history]").text
    assert AuditEvent.objects.filter(action="kpis.target").exists()
    assert page.html.select_one("[data-testid=kpi-targets]") is None
    overview = app.get(reverse("kpis:targets"), user=world.city_admin).html.select_one(
        "[data-testid=kpi-targets]"
    )
    assert "96.00" in overview.text


@pytest.mark.parametrize(
    "values, error",
    [
        ({"target": "abc", "warning": "90"}, True),
        ({"target": "95", "warning": "97"}, True),  # warning above target on a higher-is-better KPI
        ({"target": "120", "warning": "90"}, True),  # a share above 100 %
        ({"target": "95", "warning": "90", "reason": ""}, True),
        ({"target": "95", "warning": "90", "reason": "长" * 201}, True),
    ],
)
def test_a_bad_target_is_refused_with_a_reason(world, app, values, error):
    page = app.get(reverse("kpis:target-edit", args=["e_settlement_success"]), user=world.city_admin)
    form = page.forms["target-form"]
    form["level"] = "city"
    form["reason"] = "调整"
    for k, v in values.items():
        form[k] = v
    before = KpiTarget.objects.count()
    response = form.submit()
    assert response.status_code == 200 and KpiTarget.objects.count() == before


def test_only_the_city_admin_may_change_targets(world, app, login):
    page = app.get(reverse("kpis:target-edit", args=["damage_rate"]), user=world.station_head)
    assert "target-form" not in page.forms
    response = login(world.station_head).post(
        reverse("kpis:target-edit", args=["damage_rate"]),
        {"level": "city", "target": "1", "warning": "2", "reason": "x"},
    )
    assert response.status_code == 403


def test_the_job_is_registered_and_closes_the_month_before(world):
    from serviceloop.core.jobs import schedule
    from serviceloop.kpis.compute import months_due

    assert "kpi_values" in {j.name for j in schedule()}
    tz = timezone.get_current_timezone()
    assert months_due(dt.datetime(2026, 12, 3, 8, tzinfo=tz)) == [dt.date(2026, 11, 1), dt.date(2026, 12, 1)]
    assert months_due(dt.datetime(2026, 12, 20, 8, tzinfo=tz)) == [dt.date(2026, 12, 1)]


def test_the_command_back_fills_months(world):
    from django.core.management import call_command

    call_command("compute_kpis", "--month", "2026-10", "--months", "2")
    from serviceloop.kpis.models import KpiRun

    assert KpiRun.objects.get().months == ["2026-09-01", "2026-10-01"]


def test_a_double_submission_sets_the_target_once(world, login):
    client = login(world.city_admin)
    data = {"level": "route", "target": "97", "warning": "94", "reason": "同一次调整"}
    url = reverse("kpis:target-edit", args=["e_settlement_success"])
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert KpiTarget.objects.filter(reason="同一次调整").count() == 1
