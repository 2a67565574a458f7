"""Permission-matrix paths of the API routes added by issue 15 (kept apart so that concurrent work on the
matrix merges cleanly); ``matrix.paths`` adds them."""


def api_paths(fx) -> dict[str, tuple[str, str | None]]:
    w = fx.world
    wave, t_in, t_out = fx.wave.pk, fx.target_in.pk, fx.target_out.pk
    ct_in, ct_out = fx.ctag_in.pk, fx.ctag_out.pk
    v_in, v_out = fx.visit_in.pk, fx.visit_out.pk
    run = fx.run.pk if fx.run else 0
    out = {
        "problem-tag-list": ("/api/v1/problem-tags/", None),
        "problem-tag-detail": (f"/api/v1/problem-tags/{fx.library_tag.pk}/", None),
        "customer-tag-list": ("/api/v1/customer-tags/", None),
        "customer-tag-detail": (f"/api/v1/customer-tags/{ct_in}/", f"/api/v1/customer-tags/{ct_out}/"),
        "visit-policy-list": ("/api/v1/visit-policies/", None),
        "visit-policy-detail": (f"/api/v1/visit-policies/{fx.policy.pk}/", None),
        "visit-list": ("/api/v1/visits/", None),
        "visit-day": ("/api/v1/visits/day/", None),
        "visit-detail": (f"/api/v1/visits/{v_in}/", f"/api/v1/visits/{v_out}/"),
        "visit-photo": (f"/api/v1/visits/{v_in}/photo/", f"/api/v1/visits/{v_out}/photo/"),
        "key-list-list": ("/api/v1/key-lists/", None),
        "key-list-entry-list": ("/api/v1/key-list-entries/?list=care", None),
        "survey-wave-list": ("/api/v1/survey-waves/", None),
        "survey-wave-detail": (f"/api/v1/survey-waves/{wave}/", None),
        "survey-wave-targets": (f"/api/v1/survey-waves/{wave}/targets/", None),
        "survey-wave-answer": (
            f"/api/v1/survey-waves/{wave}/targets/{t_in}/answer/",
            f"/api/v1/survey-waves/{wave}/targets/{t_out}/answer/",
        ),
        "survey-wave-results": (f"/api/v1/survey-waves/{wave}/results/", None),
        "allocation-run-list": ("/api/v1/allocation/runs/", None),
        "allocation-run-detail": (f"/api/v1/allocation/runs/{run}/", None),
        "allocation-run-products": (f"/api/v1/allocation/runs/{run}/products/", None),
        "allocation-run-shops": (f"/api/v1/allocation/runs/{run}/shops/", None),
        "allocation-run-rerun": (f"/api/v1/allocation/runs/{run}/rerun/", None),
        "settlement-risk-list": ("/api/v1/growth/settlement-risks/", None),
        "settlement-rate-list": ("/api/v1/growth/settlement-rates/", None),
        "org-branch-list": ("/api/v1/org/branches/", None),
        "org-branch-detail": (
            f"/api/v1/org/branches/{w.branch_a.pk}/",
            f"/api/v1/org/branches/{w.branch_b.pk}/",
        ),
        "org-station-list": ("/api/v1/org/stations/", None),
        "org-station-detail": (
            f"/api/v1/org/stations/{w.station_a1.pk}/",
            f"/api/v1/org/stations/{w.station_b1.pk}/",
        ),
        "org-route-list": ("/api/v1/org/routes/", None),
        "org-route-detail": (
            f"/api/v1/org/routes/{w.route_a1_1.pk}/",
            f"/api/v1/org/routes/{w.route_b1_1.pk}/",
        ),
        "org-staff-list": ("/api/v1/org/staff/", None),
        "org-staff-detail": (f"/api/v1/org/staff/{w.agent.pk}/", None),
    }
    out.update(_integration_paths(fx))
    out.update(_guidance_paths(fx))
    out.update(_second_paths(fx))
    out.update(_third_paths(fx))
    for step in ("overturn", "remove", "sample-pass", "send-back", "verify"):
        out[f"customer-tag-step-{step}"] = (f"/api/v1/customer-tags/{ct_in}/{step}/", None)
    for step in ("cancel", "check-in", "check-out", "move"):
        out[f"visit-{step}"] = (f"/api/v1/visits/{v_in}/{step}/", None)
    return out


def _integration_paths(fx):
    from django.utils import timezone

    from serviceloop.integrations.services import apitoken_create, subscription_save

    w, now = fx.world, timezone.now()
    token, _secret = apitoken_create(user=w.account_manager, name="矩阵", scope="read", expires_at=None,
                                     actor=w.account_manager, now=now)  # fmt: skip
    sub = subscription_save(subscription=None, actor=w.city_admin, now=now,
                            data={"name": "矩阵", "url": "https://example.cn/h", "kinds": ["tag.attached"]})  # fmt: skip
    return {
        "integrations:tokens": ("/integrations/tokens/", None),
        # POST only; another user's token is 404 (tested in integrations/tests/test_tokens.py)
        "integrations:token-revoke": (f"/integrations/tokens/{token.pk}/revoke/", None),
        "integrations:subscriptions": ("/integrations/subscriptions/", None),
        "integrations:subscription-create": ("/integrations/subscriptions/new/", None),
        "integrations:subscription-edit": (f"/integrations/subscriptions/{sub.pk}/", None),
        "integrations:deliveries": ("/integrations/deliveries/", None),
    }


def _guidance_paths(fx):
    """Guidance books (R27): a book of the shop in scope and one of the shop out of scope."""
    from django.utils import timezone

    from serviceloop.guidance.services import guidancebook_generate

    now = timezone.now()
    b_in = guidancebook_generate(customer=fx.shop_in, actor=None, now=now).pk
    b_out = guidancebook_generate(customer=fx.shop_out, actor=None, now=now).pk
    token = fx.shop_link.value
    return {
        "guidance:list": ("/guidance/", None),
        "guidance:export": ("/guidance/export/", None),
        "guidance:batch": ("/guidance/batch/", None),
        "guidance:shop": (f"/guidance/customers/{fx.shop_in.pk}/", f"/guidance/customers/{fx.shop_out.pk}/"),
        "guidance:book": (f"/guidance/books/{b_in}/", f"/guidance/books/{b_out}/"),
        "guidance:download": (f"/guidance/books/{b_in}/file/docx/", f"/guidance/books/{b_out}/file/docx/"),
        "guidance_public:book": (f"/s/{token}/book/", "/s/AAAAAAAAAAAAAAAAAAAAAA/book/"),
        "guidance_public:download": (f"/s/{token}/book/docx/", "/s/AAAAAAAAAAAAAAAAAAAAAA/book/docx/"),
        "guidance-book-list": ("/api/v1/guidance-books/", None),
        "guidance-book-detail": (f"/api/v1/guidance-books/{b_in}/", f"/api/v1/guidance-books/{b_out}/"),
        "guidance-book-file": (
            f"/api/v1/guidance-books/{b_in}/file/?fmt=docx",
            f"/api/v1/guidance-books/{b_out}/file/?fmt=docx",
        ),
    }


def _second_paths(fx):
    """Issue 15, second part: KPIs, scorecards, supervision, reviews, restock advice, integrations over the API."""
    from django.utils import timezone

    from serviceloop.growth.models import RestockAdvice
    from serviceloop.growth.restock import restockshop_refresh
    from serviceloop.integrations.events import event_record
    from serviceloop.integrations.models import ApiToken, Delivery, Subscription
    from serviceloop.kpis.models import Kpi
    from serviceloop.trade.models import Product

    now = timezone.now()
    product = Product.objects.order_by("pk").first()
    for shop in (fx.shop_in, fx.shop_out):
        RestockAdvice.objects.create(customer=shop, product=product, order_day=timezone.localdate(now), forecast=3,
                                     suggested=3, method="ets", computed_at=now)  # fmt: skip
    restockshop_refresh(customer_ids=[fx.shop_in.pk, fx.shop_out.pk])  # the restock list reads the summaries
    event_record(kind="tag.attached", payload={"id": 1}, now=now)
    delivery = Delivery.objects.order_by("-pk").first()
    sub = Subscription.objects.order_by("-pk").first()
    token = ApiToken.objects.filter(user=fx.world.account_manager).order_by("-pk").first()
    code = Kpi.objects.filter(active=True).order_by("pk").first().code
    rect_in, rect_out, risk_in, risk_out = fx.rect_in.pk, fx.rect_out.pk, fx.risk_in.pk, fx.risk_out.pk
    out = {
        "kpi-list": ("/api/v1/kpis/", None),
        "kpi-detail": (f"/api/v1/kpis/{code}/", None),
        "kpi-values": ("/api/v1/kpis/values/", None),
        "kpi-compare": (f"/api/v1/kpis/{code}/compare/", None),
        "kpi-targets": (f"/api/v1/kpis/{code}/targets/", None),
        "scorecard-list": ("/api/v1/scorecards/", None),
        "scorecard-detail": (f"/api/v1/scorecards/{fx.card_in.pk}/", f"/api/v1/scorecards/{fx.card_out.pk}/"),
        "scorecard-adjustments": (f"/api/v1/scorecards/{fx.card_in.pk}/adjustments/", None),
        "inspection-plan-list": ("/api/v1/supervision/plans/", None),
        "inspection-plan-detail": (
            f"/api/v1/supervision/plans/{fx.plan_in.pk}/",
            f"/api/v1/supervision/plans/{fx.plan_out.pk}/",
        ),
        "inspection-plan-items": (f"/api/v1/supervision/plans/{fx.plan_in.pk}/items/", None),
        "inspection-plan-draw": (f"/api/v1/supervision/plans/{fx.plan_in.pk}/draw/", None),
        "inspection-item-list": ("/api/v1/supervision/items/", None),
        "inspection-item-detail": (
            f"/api/v1/supervision/items/{fx.item_in.pk}/",
            f"/api/v1/supervision/items/{fx.item_out.pk}/",
        ),
        "inspection-item-record": (f"/api/v1/supervision/items/{fx.item_in.pk}/record/", None),
        "rectification-list": ("/api/v1/supervision/rectifications/", None),
        "rectification-detail": (
            f"/api/v1/supervision/rectifications/{rect_in}/",
            f"/api/v1/supervision/rectifications/{rect_out}/",
        ),
        "risk-list": ("/api/v1/supervision/risks/", None),
        "risk-detail": (f"/api/v1/supervision/risks/{risk_in}/", f"/api/v1/supervision/risks/{risk_out}/"),
        "review-round-list": ("/api/v1/review-rounds/", None),
        "review-round-detail": (f"/api/v1/review-rounds/{fx.review_round.pk}/", None),
        "review-round-mine": ("/api/v1/review-rounds/mine/", None),
        "restock-list": ("/api/v1/restock/", None),
        "restock-detail": (f"/api/v1/restock/{fx.shop_in.pk}/", f"/api/v1/restock/{fx.shop_out.pk}/"),
        "api-token-list": ("/api/v1/integrations/tokens/", None),
        "api-token-detail": (f"/api/v1/integrations/tokens/{token.pk}/", None),
        "subscription-list": ("/api/v1/integrations/subscriptions/", None),
        "subscription-detail": (f"/api/v1/integrations/subscriptions/{sub.pk}/", None),
        "subscription-test": (f"/api/v1/integrations/subscriptions/{sub.pk}/test/", None),
        "delivery-list": ("/api/v1/integrations/deliveries/", None),
        "delivery-detail": (f"/api/v1/integrations/deliveries/{delivery.pk}/", None),
        "delivery-resend": (f"/api/v1/integrations/deliveries/{delivery.pk}/resend/", None),
        "integrations:subscription-test": (f"/integrations/subscriptions/{sub.pk}/test/", None),
        "integrations:subscription-delete": (f"/integrations/subscriptions/{sub.pk}/delete/", None),
        "integrations:delivery-resend": (f"/integrations/deliveries/{delivery.pk}/resend/", None),
    }
    out["customer-tag-bulk"] = ("/api/v1/customer-tags/bulk/", None)
    from serviceloop.servicedesk.models import Holiday

    day = Holiday.objects.create(date=timezone.localdate(now).replace(month=12, day=31), name="矩阵")
    out["holiday-list"] = ("/api/v1/servicedesk/holidays/", None)
    out["holiday-detail"] = (f"/api/v1/servicedesk/holidays/{day.pk}/", None)
    out["survey-wave-draw"] = (f"/api/v1/survey-waves/{fx.wave.pk}/draw/", None)
    out["survey-wave-transition"] = (f"/api/v1/survey-waves/{fx.wave.pk}/transition/", None)
    for step in ("rectify", "send-back", "verify"):
        out[f"rectification-step-{step}"] = (f"/api/v1/supervision/rectifications/{rect_in}/{step}/", None)
    for step in ("close", "reopen", "start", "submit"):
        out[f"risk-step-{step}"] = (f"/api/v1/supervision/risks/{risk_in}/{step}/", None)
    return out


def _third_paths(fx):
    """Issue 15, the last gaps: trade mappings, scorecard weights, questionnaire writes, 360° rater answers."""
    from serviceloop.surveys.models import Item, Questionnaire
    from serviceloop.trade.models import ColumnAlias, ValueAlias

    col = ColumnAlias.objects.create(kind="orders", field="order_no", header="矩阵单号")
    val = ValueAlias.objects.create(field="channel", alias="矩阵渠道", code="online")
    q = Questionnaire.objects.order_by("pk").first()
    section = q.sections.order_by("pk").first()
    item = Item.objects.filter(section=section).order_by("pk").first()
    return {
        "survey-questionnaire-list": ("/api/v1/survey-questionnaires/", None),
        "survey-questionnaire-detail": (f"/api/v1/survey-questionnaires/{q.pk}/", None),
        "survey-questionnaire-new-version": (f"/api/v1/survey-questionnaires/{q.pk}/new-version/", None),
        "survey-questionnaire-sections": (f"/api/v1/survey-questionnaires/{q.pk}/sections/", None),
        "survey-section-detail": (f"/api/v1/survey-sections/{section.pk}/", None),
        "survey-section-items": (f"/api/v1/survey-sections/{section.pk}/items/", None),
        "survey-item-detail": (f"/api/v1/survey-items/{item.pk}/", None),
        "trade-column-mapping-list": ("/api/v1/trade/column-mappings/", None),
        "trade-column-mapping-detail": (f"/api/v1/trade/column-mappings/{col.pk}/", None),
        "trade-value-mapping-list": ("/api/v1/trade/value-mappings/", None),
        "trade-value-mapping-detail": (f"/api/v1/trade/value-mappings/{val.pk}/", None),
        "scorecard-weight-list": ("/api/v1/scorecard-weights/", None),
        "scorecard-weight-current": ("/api/v1/scorecard-weights/current/", None),
        # the rater's own assignment (the station head's in the matrix round); anyone else's is 404
        "review-rating-list": ("/api/v1/review-ratings/", None),
        "review-rating-detail": (f"/api/v1/review-ratings/{fx.rater.pk}/", None),
        "review-rating-submit": (f"/api/v1/review-ratings/{fx.rater.pk}/submit/", None),
    }


# route → expected statuses (see test_permission_matrix.EXPECTED); an API route an outsider may not see answers 404.
# fmt: off
API_EXPECTED: dict[str, tuple[str, str | None]] = {
    "guidance-book-detail": ("401 404 200 200 200 200 200 200 200 200 404 404", "401 404 200 404 404 404 404 200 200 404 200 404"),
    "guidance-book-file": ("401 404 200 200 200 200 200 200 200 200 404 404", "401 404 200 404 404 404 404 200 200 404 200 404"),
    "guidance-book-list": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "guidance:batch": ("L 403 200 200 200 200 200 403 403 403 200 403", None),
    "guidance:book": ("L 404 200 200 200 200 200 200 200 200 404 404", "L 404 200 404 404 404 404 200 200 404 200 404"),
    "guidance:export": ("L 403 R R R R R R R R R R", None),  # to the export's work page
    "guidance:download": ("L 404 200 200 200 200 200 200 200 200 404 404", "L 404 200 404 404 404 404 200 200 404 200 404"),
    "guidance:list": ("L 403 200 200 200 200 200 200 200 200 200 200", None),
    "guidance:shop": ("L 404 200 200 200 200 200 200 200 200 404 404", "L 404 200 404 404 404 404 200 200 404 200 404"),
    # public, under the shop's QR token: the same for everyone; a made-up token gets the invalid-link page
    "guidance_public:book": ("R R R R R R R R R R R R", "404 404 404 404 404 404 404 404 404 404 404 404"),
    "guidance_public:download": ("R R R R R R R R R R R R", "404 404 404 404 404 404 404 404 404 404 404 404"),
    "integrations:tokens": ("L 403 200 200 200 200 200 200 200 200 200 200", None),
    "integrations:token-revoke": ("L 405 405 405 405 405 405 405 405 405 405 405", None),
    "integrations:subscriptions": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "integrations:subscription-create": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "integrations:subscription-edit": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "integrations:deliveries": ("L 403 200 403 403 403 403 403 403 403 403 403", None),
    "allocation-run-detail": ("401 404 200 200 200 200 200 200 200 200 200 200", None),
    "allocation-run-list": ("401 403 200 200 200 200 200 200 200 200 200 200", None),
    "allocation-run-products": ("401 404 200 200 200 200 200 200 200 200 200 200", None),
    "allocation-run-rerun": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "allocation-run-shops": ("401 404 200 200 200 200 200 200 200 200 200 200", None),
    "settlement-risk-list": ("401 403 200 200 200 200 200 200 200 200 200 200", None),
    "settlement-rate-list": ("401 403 200 200 200 200 200 200 200 200 200 200", None),
    "customer-tag-detail": ("401 404 200 200 200 200 200 200 200 200 404 404", "401 404 200 404 404 404 404 200 200 404 200 404"),
    "customer-tag-list": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "customer-tag-step-overturn": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "customer-tag-step-remove": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "customer-tag-step-sample-pass": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "customer-tag-step-send-back": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "customer-tag-step-verify": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "key-list-entry-list": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "key-list-list": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "org-branch-detail": ("401 404 200 200 200 200 200 200 200 200 404 404", "401 404 200 404 404 404 404 200 200 404 200 404"),
    "org-branch-list": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "org-route-detail": ("401 404 200 200 200 200 200 200 200 200 404 404", "401 404 200 404 404 404 404 200 200 404 200 404"),
    "org-route-list": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "org-staff-detail": ("401 403 200 403 403 403 403 403 403 403 403 403", None),
    "org-staff-list": ("401 403 200 403 403 403 403 403 403 403 403 403", None),
    "org-station-detail": ("401 404 200 200 200 200 200 200 200 200 404 404", "401 404 200 404 404 404 404 200 200 404 200 404"),
    "org-station-list": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "problem-tag-detail": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "problem-tag-list": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    # GET of a shop's answer: 404 before anyone answered (or outside the scope); 403 for roles that do not enter.
    "survey-wave-answer": ("401 403 404 403 403 403 404 404 403 403 404 403", "401 403 404 403 403 403 404 404 403 403 404 403"),
    "survey-wave-detail": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "survey-wave-list": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "survey-wave-results": ("401 403 200 200 200 200 403 403 200 403 403 403", None),
    "survey-wave-targets": ("401 403 200 200 200 200 200 200 200 200 200 200", None),
    "visit-cancel": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "visit-check-in": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "visit-check-out": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "visit-day": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "visit-detail": ("401 404 200 200 200 200 200 200 200 200 404 404", "401 404 200 404 404 404 404 200 200 404 200 404"),
    "visit-list": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "visit-move": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "visit-photo": ("401 404 404 404 404 404 404 404 404 404 404 404", "401 404 404 404 404 404 404 404 404 404 404 404"),
    "visit-policy-detail": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "visit-policy-list": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "training-session-attendance": (
        "401 405 405 405 405 405 405 405 405 405 405 405",
        "401 405 405 405 405 405 405 405 405 405 405 405",
    ),
    "training-session-detail": (
        "401 403 200 200 200 200 200 200 200 200 404 404",
        "401 403 200 404 404 404 404 200 200 404 200 404",
    ),
    "training-session-invitations": (
        "401 403 200 200 200 200 200 200 200 200 404 404",
        "401 403 200 404 404 404 404 200 200 404 200 404",
    ),
    "training-session-list": ("401 403 200 200 200 200 200 200 200 200 200 200", None),
    # Issue 15, second part: KPIs, scorecards, supervision, reviews, restock advice, integrations
    "customer-tag-bulk": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "holiday-detail": ("401 403 200 403 403 403 403 403 403 403 403 403", None),
    "holiday-list": ("401 403 200 403 403 403 403 403 403 403 403 403", None),
    "survey-wave-draw": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "survey-wave-transition": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "api-token-detail": ("401 404 404 404 404 404 200 404 404 404 404 404", None),
    "api-token-list": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "delivery-detail": ("401 403 200 403 403 403 403 403 403 403 403 403", None),
    "delivery-list": ("401 403 200 403 403 403 403 403 403 403 403 403", None),
    "delivery-resend": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "inspection-item-detail": ("401 404 200 200 404 404 404 404 200 200 404 404", "401 404 200 404 404 404 404 404 200 404 404 404"),
    "inspection-item-list": ("401 403 403 403 403 403 403 403 200 200 403 403", None),
    "inspection-item-record": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "inspection-plan-detail": ("401 404 200 200 404 404 404 404 200 200 404 404", "401 404 200 404 404 404 404 404 200 404 404 404"),
    "inspection-plan-draw": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "inspection-plan-items": ("401 404 200 200 404 404 404 404 200 200 404 404", None),
    "inspection-plan-list": ("401 403 200 200 403 403 403 403 200 200 403 403", None),
    "integrations:delivery-resend": ("L 405 405 405 405 405 405 405 405 405 405 405", None),
    "integrations:subscription-delete": ("L 405 405 405 405 405 405 405 405 405 405 405", None),
    "integrations:subscription-test": ("L 405 405 405 405 405 405 405 405 405 405 405", None),
    "kpi-compare": ("401 403 200 200 200 200 200 200 200 200 200 200", None),
    "kpi-detail": ("401 403 200 200 200 200 200 200 200 200 200 200", None),
    "kpi-list": ("401 403 200 200 200 200 200 200 200 200 200 200", None),
    "kpi-targets": ("401 403 200 200 200 200 200 200 200 200 200 200", None),
    "kpi-values": ("401 403 200 200 200 200 200 200 200 200 200 200", None),
    "rectification-detail": ("401 404 200 200 200 404 200 404 200 200 404 404", "401 404 200 404 404 404 404 404 200 404 200 404"),
    "rectification-list": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "rectification-step-rectify": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "rectification-step-send-back": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "rectification-step-verify": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "restock-detail": ("401 403 200 200 200 200 200 200 200 200 404 404", "401 403 200 404 404 404 404 200 200 404 200 404"),
    "restock-list": ("401 403 200 200 200 200 200 200 200 200 200 200", None),
    "review-round-detail": ("401 403 200 403 403 403 403 403 200 403 403 403", None),
    "review-round-list": ("401 403 200 403 403 403 403 403 200 403 403 403", None),
    "review-round-mine": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "risk-detail": ("401 404 200 200 200 404 404 404 200 200 404 404", "401 404 200 404 404 404 404 404 200 404 404 404"),
    "risk-list": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "risk-step-close": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "risk-step-reopen": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "risk-step-start": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "risk-step-submit": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "scorecard-adjustments": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "scorecard-detail": ("401 404 200 200 200 200 200 404 200 404 404 404", "401 404 200 404 404 404 404 404 200 404 200 404"),
    "scorecard-list": ("401 403 200 200 200 200 200 403 200 403 200 403", None),
    "subscription-detail": ("401 403 200 403 403 403 403 403 403 403 403 403", None),
    "subscription-list": ("401 403 200 403 403 403 403 403 403 403 403 403", None),
    "subscription-test": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    # Issue 15, the last gaps
    "trade-column-mapping-detail": ("401 403 200 403 403 403 403 403 403 403 403 403", None),
    "trade-column-mapping-list": ("401 403 200 403 403 403 403 403 403 403 403 403", None),
    "trade-value-mapping-detail": ("401 403 200 403 403 403 403 403 403 403 403 403", None),
    "trade-value-mapping-list": ("401 403 200 403 403 403 403 403 403 403 403 403", None),
    "survey-item-detail": ("401 403 200 403 403 403 403 403 403 403 403 403", None),
    "survey-questionnaire-detail": ("401 403 200 403 403 403 403 403 403 403 403 403", None),
    "survey-questionnaire-list": ("401 403 200 403 403 403 403 403 403 403 403 403", None),
    "survey-questionnaire-new-version": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "survey-questionnaire-sections": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "survey-section-detail": ("401 403 200 403 403 403 403 403 403 403 403 403", None),
    "survey-section-items": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
    "scorecard-weight-current": ("401 403 200 200 200 200 200 403 200 403 200 403", None),
    "scorecard-weight-list": ("401 403 200 200 200 200 200 403 200 403 200 403", None),
    "review-rating-detail": ("401 404 404 404 200 404 404 404 404 404 404 404", None),
    "review-rating-list": ("401 200 200 200 200 200 200 200 200 200 200 200", None),
    "review-rating-submit": ("401 405 405 405 405 405 405 405 405 405 405 405", None),
}
# fmt: on
