"""Standing test (issue 13): every route of the URLconf × every actor (anonymous, a user with no role, each
role, and an account manager of another branch), on an object in scope and one out of scope, must answer
the status written here. A route without an entry fails the test: whoever adds a route decides who may
open it. Statuses: 200, 403, 404, 405, "L" (sent to the log-in page), "R" (another redirect), 401, 429.

The rules behind the table are docs/roles.md. GET only: posting is covered by each app's own tests
(outsiders refused); a GET on a POST-only route must not do anything (405 or a redirect).
"""

import os

import pytest
from django.test import Client

from .matrix import ACTORS, build, paths, routes

pytestmark = pytest.mark.django_db

# route → (statuses in scope, statuses out of scope or None), one character group per actor in ACTORS order:
# anonymous, no_role, city_admin, branch_manager, station_head, market_manager, account_manager, agent,
# supervisor, inspector, outsider, department_staff
EXPECTED: dict[str, tuple[str, str | None]] = {
    "api-docs": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "api-root": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "api-schema": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "audit": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "customer-detail": (
        "401 404 200 200 200 200 200 200 200 200 404 404",
        "401 404 200 404 404 404 404 200 200 404 200 404",
    ),
    "customer-list": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "customers:create": ("L 403 200 200 200 403 200 403 403 403 200 403", None),
    "customers:detail": (
        "L 404 200 200 200 200 200 200 200 200 404 404",
        "L 404 200 404 404 404 404 200 200 404 200 404",
    ),
    "customers:edit": (
        "L 403 200 200 200 403 200 403 403 403 404 403",
        "L 403 200 404 404 403 404 403 403 403 200 403",
    ),
    "customers:export": ("L R R R R R R R R R R R", None),  # to the export's work page
    "customers:import": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "customers:import-confirm": ("L 405 405 405 405 405 405 405 405 405 405 405", None),
    "customers:list": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "growth:aliases": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "growth:export": ("L 404 R R R R R R R R R R", None),  # to the export's work page
    "growth:points": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "growth:product": ("L 404 200 200 200 200 200 200 200 200 200 200", None),
    "growth:rerun": ("L 405 405 405 405 405 405 405 405 405 405 405", None),
    "growth:run": ("L 404 200 200 200 200 200 200 200 200 200 200", None),
    "growth:runs": ("L 403 200 200 200 200 200 200 200 200 200 200", None),
    "growth:runs-export": ("L 403 R R R R R R R R R R", None),  # to the export's work page
    "growth:shops": ("L 404 200 200 200 200 200 200 200 200 200 200", None),
    "home": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "login": ("200 R R R R R R R R R R R", None),
    "logout": ("405 405 405 405 405 405 405 405 405 405 405 405", None),
    "org:branches": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "org:routes": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "org:staff": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "org:staff-create": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "org:staff-edit": (
        "L 403 200 403 403 403 403 403 403 403 403 403",
        "L 403 200 403 403 403 403 403 403 403 403 403",
    ),
    "org:unit-create": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "org:unit-edit": (
        "L 403 200 403 403 403 403 403 403 403 403 403",
        "L 403 200 403 403 403 403 403 403 403 403 403",
    ),
    "password-change": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "portal:customer-card": (
        "L 404 200 200 200 200 200 200 200 200 404 404",
        "L 404 200 404 404 404 404 200 200 404 200 404",
    ),
    "portal:customer-qr": (
        "L 404 200 200 200 200 200 200 200 200 404 404",
        "L 404 200 404 404 404 404 200 200 404 200 404",
    ),
    "portal:customer-qr-png": (
        "L 404 200 200 200 200 200 200 200 200 404 404",
        "L 404 200 404 404 404 404 200 200 404 200 404",
    ),
    "portal:customer-qr-regenerate": (
        "L 405 405 405 405 405 405 405 405 405 405 405",
        "L 405 405 405 405 405 405 405 405 405 405 405",
    ),
    "portal:customer-qr-svg": (
        "L 404 200 200 200 200 200 200 200 200 404 404",
        "L 404 200 404 404 404 404 200 200 404 200 404",
    ),
    "portal:route-cards": (  # R: to the work page where the PDF is drawn
        "L 403 R R R R R 403 403 403 404 403",
        "L 403 R 404 404 404 404 403 403 403 R 403",
    ),
    "portal:routes": ("L 403 200 200 200 200 200 403 403 403 200 403", None),
    "portal:routes-export": ("L 403 200 200 200 200 200 403 403 403 200 403", None),
    "portal:shop": ("200 200 200 200 200 200 200 200 200 200 200 200", None),
    "portal:track": ("404 404 404 404 404 404 404 404 404 404 404 404", None),
    "service-request-detail": (
        "401 404 200 200 200 200 200 200 200 200 404 404",
        "401 404 200 404 404 404 404 200 200 404 200 404",
    ),
    "service-request-list": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "service-request-step-acknowledge": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "service-request-step-answer": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "service-request-step-cancel": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "service-request-step-close": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "service-request-step-dispatch": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "service-request-step-follow-up": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "service-request-step-hand-back": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "service-request-step-hold": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "service-request-step-merge": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "service-request-step-note": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "service-request-step-reopen": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "service-request-step-report": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "service-request-step-resolve": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "service-request-step-resume": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "service-request-step-start": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "servicedesk:act": (
        "L 405 405 405 405 405 405 405 405 405 405 405",
        "L 405 405 405 405 405 405 405 405 405 405 405",
    ),
    "servicedesk:attachment": ("L 404 404 404 404 404 404 404 404 404 404 404", None),
    "servicedesk:bell": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "servicedesk:board": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "servicedesk:detail": (
        "L 404 200 200 200 200 200 200 200 200 404 404",
        "L 404 200 404 404 404 404 200 200 404 200 404",
    ),
    "servicedesk:holiday-delete": ("L 405 405 405 405 405 405 405 405 405 405 405", None),
    "servicedesk:holidays": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "servicedesk:holidays-export": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "servicedesk:kpis": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "servicedesk:ledger": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "servicedesk:ledger-export": ("L R R R R R R R R R R R", None),  # to the export's work page
    "servicedesk:new": ("L 403 200 200 200 200 200 200 200 200 200 403", None),
    "servicedesk:notifications": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "servicedesk:notifications-read": ("L 405 405 405 405 405 405 405 405 405 405 405", None),
    "servicedesk:shop-context": (
        "L 404 200 200 200 200 200 200 200 200 404 404",
        "L 404 200 404 404 404 404 200 200 404 200 404",
    ),
    "servicedesk:shop-panel": (
        "L 404 200 200 200 200 200 200 200 200 404 404",
        "L 404 200 404 404 404 404 200 200 404 200 404",
    ),
    "servicedesk:shop-search": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "servicedesk:tasks": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "set_language": ("R R R R R R R R R R R R", None),
    "surveys:answers-export": ("L 403 200 200 200 200 403 403 200 403 403 403", None),
    "surveys:entry": (
        "L 403 200 403 403 403 200 200 403 403 404 403",
        "L 403 200 403 403 403 404 200 403 403 200 403",
    ),
    "surveys:entry-list": ("L 403 200 403 403 403 200 200 403 403 200 403", None),
    "surveys:item": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "surveys:item-create": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "surveys:low-scores": ("L 403 200 200 200 200 403 403 403 403 403 403", None),
    "surveys:progress": ("L 403 200 200 200 200 200 200 200 200 200 200", None),
    "surveys:public": ("404 404 404 404 404 404 404 404 404 404 404 404", None),
    "surveys:qr": (
        "L 403 200 403 403 403 200 200 403 403 404 403",
        "L 403 200 403 403 403 404 200 403 403 200 403",
    ),
    "surveys:questionnaire": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "surveys:questionnaire-create": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "surveys:questionnaire-version": ("L 405 405 405 405 405 405 405 405 405 405 405", None),
    "surveys:questionnaires": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "surveys:reissue": (
        "L 405 405 405 405 405 405 405 405 405 405 405",
        "L 405 405 405 405 405 405 405 405 405 405 405",
    ),
    "surveys:remind": (
        "L 405 405 405 405 405 405 405 405 405 405 405",
        "L 405 405 405 405 405 405 405 405 405 405 405",
    ),
    "surveys:report": ("L 403 200 200 200 200 403 403 200 403 403 403", None),
    "surveys:results": ("L 403 200 200 200 200 403 403 200 403 403 403", None),
    "surveys:results-export": ("L 403 200 200 200 200 403 403 200 403 403 403", None),
    "surveys:section": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "surveys:section-create": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "surveys:wave": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "surveys:wave-create": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "surveys:wave-draw": ("L 405 405 405 405 405 405 405 405 405 405 405", None),
    "surveys:wave-transition": ("L 405 405 405 405 405 405 405 405 405 405 405", None),
    "surveys:waves": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "tags:attach": (
        "L 404 200 200 200 200 200 200 403 403 404 404",
        "L 404 200 404 404 404 404 200 403 404 200 404",
    ),
    "tags:board": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "tags:bulk": ("L 403 200 200 200 200 200 403 403 403 200 403", None),
    "tags:detail": (
        "L 404 200 200 200 200 200 200 200 200 404 404",
        "L 404 200 404 404 404 404 200 200 404 200 404",
    ),
    "tags:export": ("L R R R R R R R R R R R", None),  # to the export's work page
    "tags:library": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "tags:library-create": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "tags:library-edit": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "tags:list": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "visits:add": (
        "L 405 405 405 405 405 405 405 405 405 405 405",
        "L 405 405 405 405 405 405 405 405 405 405 405",
    ),
    "visits:compliance": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "visits:cycle": ("L 403 200 200 200 403 200 403 403 403 200 403", None),
    "visits:keylists": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "visits:list": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "visits:policies": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "visits:policy-create": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "visits:policy-edit": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "visits:record": (
        "L 404 200 200 200 200 200 200 200 200 404 404",
        "L 404 200 404 404 404 404 200 200 404 200 404",
    ),
    "visits:today": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "work": ("L 404 404 404 200 404 404 404 404 404 404 404", None),
    "work-download": ("L 404 404 404 404 404 404 404 404 404 404 404", None),
    "work-list": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "favicon": ("200 200 200 200 200 200 200 200 200 200 200 200", None),
    "org:setup": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "org:staff-import": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "tags:event-photo": ("L 404 404 404 404 404 404 404 404 404 404 404", None),
    "tags:photo": (
        "L 404 404 404 404 404 404 404 404 404 404 404",
        "L 404 404 404 404 404 404 404 404 404 404 404",
    ),
    "trade-batch-detail": ("401 404 200 404 404 404 404 404 404 404 404 404", None),
    "trade-batch-list": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "trade-deliveries-bulk": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "trade-order-detail": (
        "401 404 200 200 200 200 200 200 200 200 404 404",
        "401 404 200 404 404 404 404 200 200 404 200 404",
    ),
    "trade-order-list": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "trade-orders-bulk": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "trade-product-list": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "trade-points-list": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "trade-products-bulk": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "trade-settlements-bulk": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "trade:batch": ("L 404 200 404 404 404 404 404 404 404 404 404", None),
    "trade:batch-commit": ("L 405 405 405 405 405 405 405 405 405 405 405", None),
    "trade:batch-rollback": ("L 405 405 405 405 405 405 405 405 405 405 405", None),
    "trade:derived": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "trade:derived-compute": ("L 405 405 405 405 405 405 405 405 405 405 405", None),
    "trade:import": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "trade:order": (
        "L 404 200 200 200 200 200 200 200 200 404 404",
        "L 404 200 404 404 404 404 200 200 404 200 404",
    ),
    "trade:orders": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "trade:overview": ("L R 200 R R R R R R R R R", None),
    "trade:products": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "trade:points": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "trade:points-compute": ("L 405 405 405 405 405 405 405 405 405 405 405", None),
    "trade:points-formula": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "trade:run": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "trade:run-decide": ("L 405 405 405 405 405 405 405 405 405 405 405", None),
    "trade:shop-panel": (
        "L 404 200 200 200 200 200 200 200 200 404 404",
        "L 404 200 404 404 404 404 200 200 404 200 404",
    ),
    "visits:photo": (
        "L 404 404 404 404 404 404 404 404 404 404 404",
        "L 404 404 404 404 404 404 404 404 404 404 404",
    ),
    "customers:import-result": ("L 403 404 403 403 403 403 403 403 403 403 403", None),
    "evaluation:scorecard": (
        "L 404 200 200 200 200 200 404 200 404 404 404",
        "L 404 200 404 404 404 404 404 200 404 200 404",
    ),
    "evaluation:scorecards": ("L 403 200 200 200 200 200 403 200 403 200 403", None),
    "evaluation:weights": ("L 403 200 200 200 200 200 403 200 403 200 403", None),
    "evaluation:grades": ("L 403 200 200 200 200 200 403 200 403 200 403", None),
    "evaluation:grade-rules": ("L 403 200 200 200 200 200 403 200 403 200 403", None),
    "evaluation:manager": (
        "L 404 200 200 200 200 200 404 200 404 404 404",
        "L 404 200 404 404 404 404 404 200 404 200 404",
    ),
    "evaluation:stars": ("L 403 200 200 200 200 200 403 200 403 200 403", None),
    "evaluation:star-rules": ("L 403 200 200 200 200 200 403 200 403 200 403", None),
    "evaluation:star": (
        "L 404 200 200 200 200 200 404 200 404 404 404",
        "L 404 200 404 404 404 404 404 200 404 200 404",
    ),
    "kpis:compare": ("L 403 200 200 200 200 200 200 200 200 200 200", None),
    "kpis:dashboard": ("L 403 200 200 200 200 200 200 200 200 200 200", None),
    "kpis:drill": (
        "L 403 200 200 200 200 200 200 200 200 404 404",
        "L 403 200 404 404 404 404 200 200 404 200 404",
    ),
    "kpis:target-edit": ("L 403 200 200 200 200 200 200 200 200 200 200", None),
    "kpis:targets": ("L 403 200 200 200 200 200 200 200 200 200 200", None),
    "org:routes-unassigned": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "supervision:item": (
        "L 404 200 200 404 404 404 404 200 200 404 404",
        "L 404 200 404 404 404 404 404 200 404 404 404",
    ),
    "supervision:plan": (
        "L 404 200 200 404 404 404 404 200 200 404 404",
        "L 404 200 404 404 404 404 404 200 404 404 404",
    ),
    "supervision:plan-create": ("L 403 200 403 403 403 403 403 200 200 403 403", None),
    "supervision:plans": ("L 403 200 200 403 403 403 403 200 200 403 403", None),
    "supervision:record-photo": (
        "L 404 404 404 404 404 404 404 404 404 404 404",
        "L 404 404 404 404 404 404 404 404 404 404 404",
    ),
    "supervision:rectification": (
        "L 404 200 200 200 404 200 404 200 200 404 404",
        "L 404 200 404 404 404 404 404 200 404 200 404",
    ),
    "supervision:rectifications": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "supervision:risk": (
        "L 404 200 200 200 404 404 404 200 200 404 404",
        "L 404 200 404 404 404 404 404 200 404 404 404",
    ),
    "supervision:risk-create": ("L 403 200 200 200 403 403 403 200 200 403 403", None),
    "supervision:risks": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "supervision:risk-rules": ("L 403 200 200 200 403 403 403 200 200 403 403", None),
    "supervision:work": ("L 403 403 403 403 403 403 403 200 200 403 403", None),
    "trade:alias-add": ("L 405 405 405 405 405 405 405 405 405 405 405", None),
    "trade:alias-delete": ("L 405 405 405 405 405 405 405 405 405 405 405", None),
    "trade:aliases": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "trade:settings": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "reviews:mine": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "reviews:rate": ("L 404 404 404 200 404 404 404 404 404 404 404", None),
    "reviews:rate-list": ("L 200 200 200 200 200 200 200 200 200 200 200", None),
    "reviews:round": ("L 403 200 403 403 403 403 403 200 403 403 403", None),
    "reviews:rounds": ("L 403 200 403 403 403 403 403 200 403 403 403", None),
    "growth:restock": ("L 403 200 200 200 200 200 200 200 200 200 200", None),
    "growth:restock-export": ("L 403 R R R R R R R R R R", None),  # to the export's work page
    "growth:settlement-care": ("L 403 200 200 200 200 200 200 200 200 200 200", None),
    "growth:settlement-care-export": ("L 403 R R R R R R R R R R", None),  # to the export's work page
    "growth:settlement-rates": ("L 403 200 200 200 200 200 200 200 200 200 200", None),
    "growth:settlement-rates-export": ("L 403 200 200 200 200 200 200 200 200 200 200", None),
    # The shop's own figures (advice, book) first ask for the owner's four-digit phone check (portal/owner.py).
    "portal:shop-advice": ("R R R R R R R R R R R R", None),
    "portal:shop-owner": ("200 200 200 200 200 200 200 200 200 200 200 200", None),
    # Trainings (R30): organisers of the unit plan and invite; the trainer ticks attendance; the door is public.
    "trainings:checkin": ("200 200 200 200 200 200 200 200 200 200 200 200", None),
    "trainings:coverage": ("L 403 200 200 200 200 403 403 200 403 403 403", None),
    "trainings:coverage-export": ("L 403 R R R R 403 403 R 403 403 403", None),
    "trainings:session": (
        "L 404 200 200 200 200 200 200 200 200 404 404",
        "L 404 200 404 404 404 404 200 200 404 200 404",
    ),
    "trainings:session-attendance": (
        "L 405 405 405 405 405 405 405 405 405 405 405",
        "L 405 405 405 405 405 405 405 405 405 405 405",
    ),
    "trainings:session-create": ("L 403 200 200 200 403 403 403 403 403 403 403", None),
    "trainings:session-door": (
        "L 404 200 200 200 403 200 403 403 403 404 404",
        "L 404 200 404 404 404 404 403 403 404 200 404",
    ),
    "trainings:session-edit": (
        "L 404 200 200 200 403 403 403 403 403 404 404",
        "L 404 200 404 404 404 404 403 403 404 403 404",
    ),
    "trainings:session-feedback": (
        "L 405 405 405 405 405 405 405 405 405 405 405",
        "L 405 405 405 405 405 405 405 405 405 405 405",
    ),
    "trainings:session-invite": (
        "L 404 200 200 200 403 403 403 403 403 404 404",
        "L 404 200 404 404 404 404 403 403 404 403 404",
    ),
    "trainings:session-step": (
        "L 405 405 405 405 405 405 405 405 405 405 405",
        "L 405 405 405 405 405 405 405 405 405 405 405",
    ),
    "trainings:sessions": ("L 403 200 200 200 200 200 200 200 200 200 200", None),
    "trainings:sessions-export": ("L 403 R R R R R R R R R R", None),
    "trainings:topic-create": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "trainings:topic-edit": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "trainings:topics": ("L 403 200 200 200 200 200 200 200 200 200 200", None),
}

from .matrix_api import API_EXPECTED  # noqa: E402 - issue 15's API routes, kept in their own module

EXPECTED.update(API_EXPECTED)


def status_of(response) -> str:
    if response.status_code in (301, 302):
        return "L" if "/login/" in response["Location"] else "R"
    return str(response.status_code)


def observe(world):
    from serviceloop.core.testing import make_user

    fx = build(world)
    from serviceloop.org.models import Department, Role

    users = {name: getattr(world, name) for name in ACTORS[2:-1]}
    users["no_role"] = make_user("no_role", "", company=world.company)
    # A department's staff member (物流中心): sees only requests its department owns, no area.
    department = Department.objects.create(company=world.company, name="物流中心")
    users["department_staff"] = make_user(
        "department_staff", Role.DEPARTMENT_STAFF, company=world.company, department=department
    )
    clients = {}
    for actor in ACTORS:
        clients[actor] = Client(REMOTE_ADDR="10.0.0.1")
        if actor != "anonymous":
            clients[actor].force_login(users[actor])
    table = {}
    for name, (path_in, path_out) in sorted(paths(fx).items()):
        if name == "logout":
            table[name] = (" ".join(status_of(Client().get(path_in)) for _ in ACTORS), None)
            continue
        row = []
        for path in (path_in, path_out):
            row.append(None if path is None else " ".join(status_of(clients[a].get(path)) for a in ACTORS))
        table[name] = tuple(row)
    return table


def test_every_route_has_an_entry_in_the_matrix(world):
    fx_paths = paths(build(world))
    assert routes() - set(fx_paths) == set(), "routes without a path in matrix.paths()"
    if not os.environ.get("MATRIX_PRINT"):
        assert routes() - set(EXPECTED) == set(), (
            "routes without an entry in EXPECTED: decide who may open them"
        )


def test_every_actor_gets_the_expected_status_on_every_route(world):
    observed = observe(world)
    if os.environ.get("MATRIX_PRINT"):
        for name, (row_in, row_out) in observed.items():
            print(f"    {name!r}: ({row_in!r}, {row_out!r}),")
        return
    wrong = []
    for name, (row_in, row_out) in observed.items():
        want = EXPECTED.get(name)
        if want is None:
            continue
        for label, got, expected in (("in", row_in, want[0]), ("out", row_out, want[1])):
            if got != expected:
                pairs = [
                    f"{actor}: {g} (expected {e})"
                    for actor, g, e in zip(
                        ACTORS, (got or "").split(), (expected or "").split(), strict=False
                    )
                    if g != e
                ]
                wrong.append(f"{name} [{label}]: " + ", ".join(pairs))
    assert not wrong, "\n".join(wrong)
