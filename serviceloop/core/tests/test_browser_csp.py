"""Real browser under the Content-Security-Policy: pages with charts, inline (nonced) scripts, HTMX and the
swagger-ui docs work, and the browser reports no policy violation."""

import pytest

from serviceloop.core.testing import browser_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def seeded(transactional_db):
    from serviceloop.core.testing import build_world

    return build_world()


def test_pages_run_their_scripts_without_policy_violations(page, live_server, seeded):
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    browser_log_in(page, live_server, "city_admin")
    page.wait_for_selector("#chart-stars canvas")  # ECharts drew: charts.js and the nonced block ran
    for path in ("/servicedesk/kpis/", "/tags/board/", "/customers/", "/servicedesk/ledger/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(
        ".swagger-ui .opblock", timeout=20000
    )  # swagger-ui from the sidecar, started by a file
    assert not violations, violations


def test_a_confirm_button_asks_before_submitting(page, live_server, seeded):
    """data-confirm (static/js/app.js) replaces onsubmit="return confirm(…)"."""
    from django.utils import timezone

    from serviceloop.portal.services import shoptoken_ensure

    shop = seeded.shops["张湾1号线"][0]
    old = shoptoken_ensure(customer=shop, actor=None, now=timezone.now()).value
    browser_log_in(page, live_server, "city_admin")
    page.goto(f"{live_server.url}/portal/customers/{shop.pk}/qr/")
    page.once("dialog", lambda d: d.dismiss())
    page.click("form[data-confirm] button[type=submit]")
    page.wait_for_timeout(500)
    from serviceloop.portal.models import ShopToken

    assert ShopToken.objects.filter(value=old, revoked_at__isnull=True).exists()  # dismissed: nothing changed
