"""Real browser (issue 11): the KPI dashboard and a comparison as a supervisor and the city administrator —
the ECharts charts actually drew (a canvas of non-zero size inside the chart box) and the table shows the values
the aggregates hold."""

import datetime as dt

import pytest

from serviceloop.core.testing import browser_log_in

# serialized_rollback: data migrations (the KPI catalogue, targets, categories) survive the flush between tests.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def month(transactional_db):
    from django.utils import timezone

    from serviceloop.core.testing import build_world
    from serviceloop.customers.models import Customer
    from serviceloop.kpis.compute import kpivalues_compute
    from serviceloop.kpis.testing import generate_month

    world = build_world()
    world.month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    for m in (world.month - dt.timedelta(days=40), world.month):  # two months: the trend has two points
        m = m.replace(day=1)
        generate_month(
            month=m, shops=list(Customer.objects.select_related("route", "branch")), seed=3, per_shop=2
        )
        kpivalues_compute(months=[m], now=timezone.now())
    return world


def drawn(page, selector):
    """The chart box holds a canvas (or svg) that ECharts sized and painted."""
    page.wait_for_selector(f"{selector} canvas, {selector} svg", timeout=15_000)
    box = page.locator(f"{selector} canvas, {selector} svg").first.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100, box
    # painted, not only created: some pixel of the canvas is not transparent
    painted = page.evaluate(
        """(sel) => { const c = document.querySelector(sel + ' canvas'); if (!c) return true;
             const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
             for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true; return false; }""",
        selector,
    )
    assert painted


@pytest.mark.parametrize("username", ["supervisor", "city_admin"])
def test_the_dashboard_draws_its_trend_and_shows_the_aggregates(page, live_server, month, username):
    from serviceloop.kpis.selectors import Period, dashboard

    browser_log_in(page, live_server, username)
    key = month.month.strftime("%Y-%m")
    page.goto(f"{live_server.url}/kpis/?level=city&period={key}")
    drawn(page, '[data-kpi-chart="trend"]')
    rows = dashboard(level="city", unit_id=0, period=Period("month", month.month))["rows"]
    shown = page.locator("[data-testid=kpi-dashboard] tbody tr")
    assert shown.count() == len(rows)
    checked = 0
    for i, row in enumerate(rows):
        cells = shown.nth(i).locator("td")
        assert row["kpi"].name in cells.nth(0).inner_text()
        text = cells.nth(1).inner_text().strip()
        if row["value"] is None:
            assert text == "—"
        else:
            assert float(text) == pytest.approx(row["value"]), row["kpi"].code
            checked += 1
    assert checked >= 10  # the generated month gives most KPIs a value
    # another KPI picked in the trend's selector redraws the chart
    page.select_option("[data-kpi-series]", index=1)
    drawn(page, '[data-kpi-chart="trend"]')


def test_a_comparison_draws_its_bars(page, live_server, month):
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    browser_log_in(page, live_server, "city_admin")
    key = month.month.strftime("%Y-%m")
    page.goto(f"{live_server.url}/kpis/k/visit_compliance/?level=route&period={key}")
    drawn(page, '[data-kpi-chart="compare"]')
    assert page.locator("table tbody tr").count() >= 4  # the world's four routes
    assert not violations  # drawn by kpis.js, no inline script needed
