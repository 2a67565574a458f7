"""The permission matrix: every URL pattern of the project × every actor, on objects in and out of scope.

``routes()`` walks the URLconf; ``build(world)`` makes one object of each kind inside the test world's
branch A (station A1, route A1-1: "in") and one in branch B (route B1-1: "out"); ``paths(fx)`` gives, per
route name, the path to GET for "in" and for "out" (None: the route has no object). The expected statuses
live in ``test_permission_matrix.EXPECTED``; docs/roles.md explains them.
"""

import datetime as dt

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

ACTORS = [
    "anonymous",
    "no_role",
    "city_admin",
    "branch_manager",
    "station_head",
    "market_manager",
    "account_manager",
    "agent",
    "supervisor",
    "inspector",
    "outsider",
    "department_staff",
]


def routes() -> set[str]:
    """Every named route except the Django admin's and the API's format-suffix twins."""
    names = set()

    def walk(patterns, ns=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.app_name == "admin":
                    continue
                walk(p.url_patterns, (f"{ns}:" if ns else "") + p.namespace if p.namespace else ns)
            elif isinstance(p, URLPattern) and p.name:
                names.add((f"{ns}:" if ns else "") + p.name)

    walk(get_resolver().url_patterns)
    return names


def build(world):
    from types import SimpleNamespace

    from serviceloop.core.models import Work
    from serviceloop.portal.services import shoptoken_ensure
    from serviceloop.servicedesk.models import Category
    from serviceloop.servicedesk.services import servicerequest_file
    from serviceloop.surveys.models import Questionnaire, WaveTarget
    from serviceloop.surveys.services import wave_create, wave_draw_targets
    from serviceloop.tags.models import ProblemTag
    from serviceloop.tags.services import customertag_attach
    from serviceloop.visits.models import VisitPolicy
    from serviceloop.visits.services import visit_add

    now = timezone.now()
    fx = SimpleNamespace(world=world)
    fx.shop_in, fx.shop_out = world.shops["张湾1号线"][0], world.shops["城关1号线"][0]
    category = Category.objects.filter(active=True).order_by("pk").first()

    def request_for(shop):
        sr, _ = servicerequest_file(customer=shop, channel="phone", kind="complaint", category=category,
                                    text="送货员态度不好", actor=world.agent, now=now)  # fmt: skip
        return sr

    fx.sr_in, fx.sr_out = request_for(fx.shop_in), request_for(fx.shop_out)
    tag = ProblemTag.objects.filter(active=True).order_by("pk").first()
    fx.library_tag = tag
    fx.ctag_in = customertag_attach(
        customer=fx.shop_in, tag=tag, source="data", reason="测试", actor=None, now=now
    )
    fx.ctag_out = customertag_attach(
        customer=fx.shop_out, tag=tag, source="data", reason="测试", actor=None, now=now
    )
    day = timezone.localdate(now) + dt.timedelta(days=1)
    fx.visit_in = visit_add(customer=fx.shop_in, day=day, actor=world.account_manager, now=now)
    fx.visit_out = visit_add(customer=fx.shop_out, day=day, actor=world.outsider, now=now)
    fx.policy = VisitPolicy.objects.order_by("pk").first()
    fx.work = Work.objects.create(title="导出", func_path="x", created_by=world.station_head, created_at=now)
    questionnaire = Questionnaire.objects.order_by("pk").first()
    fx.questionnaire = questionnaire
    fx.section = questionnaire.sections.order_by("pk").first()
    fx.item = fx.section.items.order_by("pk").first()
    fx.wave = wave_create(company=world.company, questionnaire=questionnaire, actor=world.city_admin, now=now,
                          data={"name": "矩阵调查", "period_start": dt.date(2026, 10, 1),
                                "period_end": dt.date(2026, 12, 20), "anonymous": False, "target_mode": "all"})  # fmt: skip
    wave_draw_targets(wave=fx.wave, actor=world.city_admin, now=now)
    fx.target_in = WaveTarget.objects.get(wave=fx.wave, customer=fx.shop_in)
    fx.target_out = WaveTarget.objects.get(wave=fx.wave, customer=fx.shop_out)
    fx.shop_link = shoptoken_ensure(customer=fx.shop_in, actor=None, now=now)
    fx.run = _run(world, now)
    fx.product = fx.run.products.order_by("pk").first() if fx.run else None
    _trade(fx, now)
    _scorecards(fx, now)
    _supervision(fx, now)
    _reviews(fx, now)
    from .matrix_trainings import build_trainings

    build_trainings(fx, now)
    return fx


def _scorecards(fx, now):
    """The account manager's scorecard (in scope) and the outsider's (out of scope)."""
    from serviceloop.evaluation.models import Scorecard

    month = timezone.localdate(now).replace(day=1)
    fx.card_in = Scorecard.objects.create(subject="manager", unit_id=fx.world.account_manager.pk, period_kind="month",
                                          period=month, score=80, computed_at=now)  # fmt: skip
    fx.card_out = Scorecard.objects.create(subject="manager", unit_id=fx.world.outsider.pk, period_kind="month",
                                           period=month, score=70, computed_at=now)  # fmt: skip
    from serviceloop.evaluation.models import StarAward, StarRule

    rule = StarRule.objects.create(subject="manager", period_kind="month", reason="测试", set_at=now)
    fx.star_in, fx.star_out = (
        StarAward.objects.create(subject="manager", unit_id=u.pk, period_kind="month", period=month, rank=1, score=95,
                                 rule=rule, proposed_at=now)
        for u in (fx.world.account_manager, fx.world.outsider)
    )  # fmt: skip


def _reviews(fx, now):
    """A 360° round reviewing the account manager; the station head is one of the raters."""
    from serviceloop.reviews.services import reviewee_add, round_create

    w = fx.world
    fx.review_round = round_create(data={"name": "矩阵360", "period_start": dt.date(2026, 12, 1),
                                         "period_end": dt.date(2026, 12, 20), "min_raters": 2,
                                         "questionnaire": fx.questionnaire}, actor=w.city_admin, now=now)  # fmt: skip
    reviewee = reviewee_add(rnd=fx.review_round, manager=w.account_manager, actor=w.city_admin, now=now)
    fx.rater = reviewee.raters.get(user=w.station_head)


def _supervision(fx, now):
    """A plan, a drawn item, a problem finding with its rectification and a risk, in branch A and in branch B."""
    from serviceloop.supervision.models import InspectionItem
    from serviceloop.supervision.services import plan_create, record_create, risk_raise

    w = fx.world
    month = timezone.localdate(now).replace(day=1)
    deadline = timezone.localdate(now) + dt.timedelta(days=7)
    for side, branch, station, visit, person, head in (
        ("in", w.branch_a, w.station_a1, fx.visit_in, w.account_manager, w.station_head),
        ("out", w.branch_b, w.station_b1, fx.visit_out, w.outsider, None),
    ):
        plan = plan_create(data={"name": f"矩阵抽查{side}", "kind": "random", "sources": ["visits"], "per_station": 1,
                                 "branch": branch, "first_month": month}, actor=w.supervisor, now=now)  # fmt: skip
        item = InspectionItem.objects.create(plan=plan, month=month, station=station, source="visits",
                                             object_id=visit.pk, customer=visit.customer, person=person,
                                             summary="矩阵", drawn_at=now)  # fmt: skip
        record = record_create(item=item, data={"method": "phone", "finding": "problem", "severity": "minor",
                                                "deadline": deadline}, actor=w.supervisor, now=now)  # fmt: skip
        risk = risk_raise(data={"level": "station", "station": station, "title": f"矩阵风险{side}", "owner": head},
                          actor=w.supervisor, now=now)  # fmt: skip
        setattr(fx, f"plan_{side}", plan)
        setattr(fx, f"item_{side}", item)
        setattr(fx, f"record_{side}", record)
        setattr(fx, f"rect_{side}", record.rectification)
        setattr(fx, f"risk_{side}", risk)


def _trade(fx, now):
    """One order of a shop in scope and one out of scope, the batch that brought them, a grade run."""
    from serviceloop.trade.derive import grades_compute
    from serviceloop.trade.importing import import_trade_file
    from serviceloop.trade.models import Order
    from serviceloop.trade.testing import ORDER_HEADER, csv_bytes, make_products, order_rows

    make_products()
    day = timezone.localdate(now)
    lines = order_rows(fx.shop_in, "M-IN", day, [("31020002", 2, 1)]) + order_rows(
        fx.shop_out, "M-OUT", day, [("31020002", 2, 1)]
    )
    fx.trade_batch = import_trade_file(file=csv_bytes(ORDER_HEADER, lines), kind="orders", now=now)
    fx.order_in = Order.objects.get(order_no="M-IN", is_current=True)
    fx.order_out = Order.objects.get(order_no="M-OUT", is_current=True)
    fx.grade_run = grades_compute(actor=None, now=now)


def _run(world, now):
    try:
        from serviceloop.growth.services import allocationrun_create
        from serviceloop.growth.tests.helpers import sheet_bytes
    except ImportError:
        return None
    return allocationrun_create(
        content=sheet_bytes({"ADV": 16}), filename="w.xlsx", actor=world.city_admin, now=now
    )


def paths(fx) -> dict[str, tuple[str, str | None]]:
    """route name → (path in scope, path out of scope or None)."""
    w = fx.world
    wave, t_in, t_out = fx.wave.pk, fx.target_in.pk, fx.target_out.pk
    sr_in, sr_out = fx.sr_in.pk, fx.sr_out.pk
    one = {
        "set_language": "/i18n/setlang/",
        "api-schema": "/api/schema/",
        "api-docs": "/api/docs/",
        "api-root": "/api/v1/",
        "customer-list": "/api/v1/customers/",
        "service-request-list": "/api/v1/service-requests/",
        "home": "/",
        "login": "/login/",
        "logout": "/logout/",
        "password-change": "/password/",
        "audit": "/audit/",
        "work-list": "/work/",
        "org:branches": "/org/",
        "org:routes": "/org/routes/",
        "org:routes-unassigned": "/org/routes/unassigned/",
        "org:staff": "/org/staff/",
        "org:staff-create": "/org/staff/new/",
        "org:unit-create": "/org/station/new/",
        "customers:list": "/customers/",
        "customers:export": "/customers/export/",
        "customers:create": "/customers/new/",
        "customers:import": "/customers/import/",
        "customers:import-confirm": "/customers/import/999999/confirm/",  # POST only
        "customers:import-result": "/customers/import/999999/",  # no such check: 404 for the importer
        "servicedesk:tasks": "/servicedesk/",
        "servicedesk:new": "/servicedesk/new/",
        "servicedesk:shop-search": "/servicedesk/shops/?q=测试",
        "servicedesk:ledger": "/servicedesk/ledger/",
        "servicedesk:ledger-export": "/servicedesk/ledger/export/",
        "servicedesk:board": "/servicedesk/board/",
        "servicedesk:kpis": "/servicedesk/kpis/",
        "servicedesk:notifications": "/servicedesk/notifications/",
        "servicedesk:notifications-read": "/servicedesk/notifications/read/",
        "servicedesk:bell": "/servicedesk/notifications/bell/",
        "servicedesk:holidays": "/servicedesk/holidays/",
        "servicedesk:holidays-export": "/servicedesk/holidays/export/",
        "servicedesk:holiday-delete": "/servicedesk/holidays/999999/delete/",
        "tags:list": "/tags/",
        "tags:export": "/tags/export/",
        "tags:board": "/tags/board/",
        "tags:bulk": "/tags/bulk/",
        "tags:library": "/tags/library/",
        "tags:library-create": "/tags/library/new/",
        "tags:library-edit": f"/tags/library/{fx.library_tag.pk}/",
        "visits:list": "/visits/",
        "visits:today": "/visits/today/",
        "visits:compliance": "/visits/compliance/",
        "visits:keylists": "/visits/key-lists/",
        "visits:policies": "/visits/policies/",
        "visits:policy-create": "/visits/policies/new/",
        "visits:policy-edit": f"/visits/policies/{fx.policy.pk}/"
        if fx.policy
        else "/visits/policies/999999/",
        "visits:cycle": "/visits/cycle/",
        "surveys:public": "/q/not-a-real-code/",
        "surveys:waves": "/surveys/",
        "surveys:wave-create": "/surveys/new/",
        "surveys:wave": f"/surveys/{wave}/",
        "surveys:wave-draw": f"/surveys/{wave}/draw/",
        "surveys:wave-transition": f"/surveys/{wave}/status/",
        "surveys:progress": f"/surveys/{wave}/progress/",
        "surveys:entry-list": f"/surveys/{wave}/entry/",
        "surveys:results": f"/surveys/{wave}/results/",
        "surveys:results-export": f"/surveys/{wave}/results.xlsx",
        "surveys:answers-export": f"/surveys/{wave}/answers.xlsx",
        "surveys:report": f"/surveys/{wave}/report/",
        "surveys:low-scores": f"/surveys/{wave}/low-scores/",
        "surveys:questionnaires": "/surveys/questionnaires/",
        "surveys:questionnaire-create": "/surveys/questionnaires/new/",
        "surveys:questionnaire": f"/surveys/questionnaires/{fx.questionnaire.pk}/",
        "surveys:questionnaire-version": f"/surveys/questionnaires/{fx.questionnaire.pk}/new-version/",
        "surveys:section-create": f"/surveys/questionnaires/{fx.questionnaire.pk}/sections/new/",
        "surveys:section": f"/surveys/questionnaires/{fx.questionnaire.pk}/sections/{fx.section.pk}/",
        "surveys:item-create": f"/surveys/sections/{fx.section.pk}/items/new/",
        "surveys:item": f"/surveys/sections/{fx.section.pk}/items/{fx.item.pk}/",
        "portal:shop": f"/s/{fx.shop_link.value}/",
        "portal:track": "/t/not-a-real-token/",
        "portal:routes": "/portal/cards/",
        "portal:routes-export": "/portal/cards/export/",
        "growth:runs": "/allocation/",
        "growth:runs-export": "/allocation/export/",
        "growth:points": "/allocation/points/",
        "growth:aliases": "/allocation/aliases/",
        "growth:restock": "/allocation/restock/",
        "growth:restock-export": "/allocation/restock/export/",
        "growth:settlement-care": "/allocation/settlement/",
        "growth:settlement-care-export": "/allocation/settlement/export/",
        "growth:settlement-rates": "/allocation/settlement/rates/",
        "growth:settlement-rates-export": "/allocation/settlement/rates/export/",
        "portal:shop-advice": f"/s/{fx.shop_link.value}/advice/",
        "portal:shop-owner": f"/s/{fx.shop_link.value}/owner/",
        "favicon": "/favicon.ico",
        "org:setup": "/org/setup/",
        "org:staff-import": "/org/staff/import/",
        "trade:overview": "/trade/",
        "kpis:dashboard": "/kpis/",
        "kpis:compare": "/kpis/k/visit_compliance/",
        "kpis:targets": "/kpis/targets/",
        "kpis:target-edit": "/kpis/targets/damage_rate/",
        "evaluation:scorecards": "/evaluation/scorecards/",
        "evaluation:weights": "/evaluation/weights/",
        "evaluation:grades": "/evaluation/grades/",
        "evaluation:grade-rules": "/evaluation/grades/rule/",
        "evaluation:stars": "/evaluation/stars/",
        "evaluation:star-rules": "/evaluation/stars/rules/",
        "supervision:risk-rules": "/supervision/risk-rules/",
        "trade:import": "/trade/import/",
        "trade:orders": "/trade/orders/",
        "trade:products": "/trade/products/",
        "trade:points": "/trade/points/",
        "trade:points-compute": "/trade/points/compute/",
        "trade:points-formula": "/trade/points/formula/",
        "trade:derived": "/trade/derived/",
        "trade:derived-compute": "/trade/derived/grades/compute/",
        "trade:aliases": "/trade/mappings/",
        "trade:alias-add": "/trade/mappings/column/add/",
        "trade:settings": "/trade/settings/",
        "trade-order-list": "/api/v1/trade/orders/",
        "trade-product-list": "/api/v1/trade/products/",
        "trade-points-list": "/api/v1/trade/points/",
        "trade-batch-list": "/api/v1/trade/batches/",
        "trade-orders-bulk": "/api/v1/trade/orders/bulk/",
        "trade-deliveries-bulk": "/api/v1/trade/deliveries/bulk/",
        "trade-settlements-bulk": "/api/v1/trade/settlements/bulk/",
        "trade-products-bulk": "/api/v1/trade/products/bulk/",
        "supervision:plans": "/supervision/plans/",
        "supervision:plan-create": "/supervision/plans/new/",
        "supervision:work": "/supervision/work/",
        "supervision:rectifications": "/supervision/rectifications/",
        "supervision:risks": "/supervision/risks/",
        "supervision:risk-create": "/supervision/risks/new/",
        "reviews:rounds": "/reviews/",
        "reviews:rate-list": "/reviews/rate/",
        "reviews:mine": "/reviews/mine/",
    }
    two = {
        "customer-detail": (f"/api/v1/customers/{fx.shop_in.pk}/", f"/api/v1/customers/{fx.shop_out.pk}/"),
        "service-request-detail": (
            f"/api/v1/service-requests/{sr_in}/",
            f"/api/v1/service-requests/{sr_out}/",
        ),
        "work": (f"/work/{fx.work.pk}/", None),
        "work-download": (f"/work/{fx.work.pk}/download/", None),
        "org:staff-edit": (f"/org/staff/{w.station_head.pk}/", f"/org/staff/{w.outsider.pk}/"),
        "org:unit-edit": (f"/org/station/{w.station_a1.pk}/", f"/org/station/{w.station_b1.pk}/"),
        "customers:detail": (f"/customers/{fx.shop_in.pk}/", f"/customers/{fx.shop_out.pk}/"),
        "customers:edit": (f"/customers/{fx.shop_in.pk}/edit/", f"/customers/{fx.shop_out.pk}/edit/"),
        "servicedesk:shop-context": (
            f"/servicedesk/shops/{fx.shop_in.pk}/",
            f"/servicedesk/shops/{fx.shop_out.pk}/",
        ),
        "servicedesk:shop-panel": (
            f"/servicedesk/shops/{fx.shop_in.pk}/panel/",
            f"/servicedesk/shops/{fx.shop_out.pk}/panel/",
        ),
        "servicedesk:attachment": ("/servicedesk/attachments/999999/", None),
        "servicedesk:detail": (f"/servicedesk/{sr_in}/", f"/servicedesk/{sr_out}/"),
        "servicedesk:act": (f"/servicedesk/{sr_in}/note/", f"/servicedesk/{sr_out}/note/"),
        "tags:attach": (f"/tags/attach/{fx.shop_in.pk}/", f"/tags/attach/{fx.shop_out.pk}/"),
        "tags:detail": (f"/tags/{fx.ctag_in.pk}/", f"/tags/{fx.ctag_out.pk}/"),
        "visits:add": (f"/visits/add/{fx.shop_in.pk}/", f"/visits/add/{fx.shop_out.pk}/"),
        "visits:record": (f"/visits/{fx.visit_in.pk}/", f"/visits/{fx.visit_out.pk}/"),
        "surveys:remind": (
            f"/surveys/{wave}/targets/{t_in}/remind/",
            f"/surveys/{wave}/targets/{t_out}/remind/",
        ),
        "surveys:reissue": (
            f"/surveys/{wave}/targets/{t_in}/reissue/",
            f"/surveys/{wave}/targets/{t_out}/reissue/",
        ),
        "surveys:qr": (f"/surveys/{wave}/targets/{t_in}/qr.svg", f"/surveys/{wave}/targets/{t_out}/qr.svg"),
        "surveys:entry": (f"/surveys/{wave}/entry/{t_in}/", f"/surveys/{wave}/entry/{t_out}/"),
        "portal:route-cards": (
            f"/portal/routes/{w.route_a1_1.pk}/cards.pdf",
            f"/portal/routes/{w.route_b1_1.pk}/cards.pdf",
        ),
        "portal:customer-qr": (
            f"/portal/customers/{fx.shop_in.pk}/qr/",
            f"/portal/customers/{fx.shop_out.pk}/qr/",
        ),
        "portal:customer-qr-svg": (
            f"/portal/customers/{fx.shop_in.pk}/qr.svg",
            f"/portal/customers/{fx.shop_out.pk}/qr.svg",
        ),
        "portal:customer-qr-png": (
            f"/portal/customers/{fx.shop_in.pk}/qr.png",
            f"/portal/customers/{fx.shop_out.pk}/qr.png",
        ),
        "portal:customer-card": (
            f"/portal/customers/{fx.shop_in.pk}/card.pdf",
            f"/portal/customers/{fx.shop_out.pk}/card.pdf",
        ),
        "portal:customer-qr-regenerate": (
            f"/portal/customers/{fx.shop_in.pk}/qr/regenerate/",
            f"/portal/customers/{fx.shop_out.pk}/qr/regenerate/",
        ),
        "growth:run": (f"/allocation/{fx.run.pk}/", None),
        "growth:rerun": (f"/allocation/{fx.run.pk}/rerun/", None),
        "growth:shops": (f"/allocation/{fx.run.pk}/shops/", None),
        "growth:export": (f"/allocation/{fx.run.pk}/export/", None),
        "growth:product": (f"/allocation/{fx.run.pk}/products/{fx.product.pk}/", None),
        "tags:photo": (f"/tags/{fx.ctag_in.pk}/photo/", f"/tags/{fx.ctag_out.pk}/photo/"),
        "tags:event-photo": ("/tags/events/999999/photo/", None),
        "visits:photo": (f"/visits/{fx.visit_in.pk}/photo/", f"/visits/{fx.visit_out.pk}/photo/"),
        "trade:batch": (f"/trade/batches/{fx.trade_batch.pk}/", None),
        "trade:batch-commit": (f"/trade/batches/{fx.trade_batch.pk}/import/", None),
        "trade:batch-rollback": (f"/trade/batches/{fx.trade_batch.pk}/rollback/", None),
        "trade:order": (f"/trade/orders/{fx.order_in.pk}/", f"/trade/orders/{fx.order_out.pk}/"),
        "trade:run": (f"/trade/runs/{fx.grade_run.pk}/", None),
        "trade:alias-delete": ("/trade/mappings/column/1/delete/", None),
        "trade:run-decide": (f"/trade/runs/{fx.grade_run.pk}/discard/", None),
        "trade:shop-panel": (f"/trade/shops/{fx.shop_in.pk}/panel/", f"/trade/shops/{fx.shop_out.pk}/panel/"),
        "trade-order-detail": (
            f"/api/v1/trade/orders/{fx.order_in.pk}/",
            f"/api/v1/trade/orders/{fx.order_out.pk}/",
        ),
        "trade-batch-detail": (f"/api/v1/trade/batches/{fx.trade_batch.pk}/", None),
        "kpis:drill": (
            f"/kpis/k/visit_compliance/route/{w.route_a1_1.pk}/2026-11/",
            f"/kpis/k/visit_compliance/route/{w.route_b1_1.pk}/2026-11/",
        ),
        "evaluation:scorecard": (
            f"/evaluation/scorecards/{fx.card_in.pk}/",
            f"/evaluation/scorecards/{fx.card_out.pk}/",
        ),
        "evaluation:manager": (
            f"/evaluation/managers/{w.account_manager.pk}/",
            f"/evaluation/managers/{w.outsider.pk}/",
        ),
        "evaluation:star": (f"/evaluation/stars/{fx.star_in.pk}/", f"/evaluation/stars/{fx.star_out.pk}/"),
        "supervision:plan": (f"/supervision/plans/{fx.plan_in.pk}/", f"/supervision/plans/{fx.plan_out.pk}/"),
        "supervision:item": (f"/supervision/items/{fx.item_in.pk}/", f"/supervision/items/{fx.item_out.pk}/"),
        "supervision:record-photo": (
            f"/supervision/records/{fx.record_in.pk}/photo/",
            f"/supervision/records/{fx.record_out.pk}/photo/",
        ),
        "supervision:rectification": (
            f"/supervision/rectifications/{fx.rect_in.pk}/",
            f"/supervision/rectifications/{fx.rect_out.pk}/",
        ),
        "supervision:risk": (f"/supervision/risks/{fx.risk_in.pk}/", f"/supervision/risks/{fx.risk_out.pk}/"),
        "reviews:round": (f"/reviews/{fx.review_round.pk}/", None),
        "reviews:rate": (f"/reviews/rate/{fx.rater.pk}/", None),
    }
    steps = ["acknowledge", "answer", "cancel", "close", "dispatch", "follow-up", "hand-back", "hold", "merge",
             "note", "reopen", "report", "resolve", "resume", "start"]  # fmt: skip
    for step in steps:
        two[f"service-request-step-{step}"] = (f"/api/v1/service-requests/{sr_in}/{step}/", None)
    out = {name: (path, None) for name, path in one.items()}
    out.update(two)
    from .matrix_api import api_paths

    out.update(api_paths(fx))
    from .matrix_trainings import training_paths

    out.update(training_paths(fx))
    return out
