from django.urls import path
from rest_framework.routers import DefaultRouter

from serviceloop.customers.api import CustomerViewSet
from serviceloop.growth import api as growth_api
from serviceloop.growth import api_care
from serviceloop.guidance.api import GuidanceBookViewSet
from serviceloop.org import api as org_api
from serviceloop.servicedesk.api import ServiceRequestViewSet
from serviceloop.surveys import api as surveys_api
from serviceloop.tags import api as tags_api
from serviceloop.trade import api as trade_api
from serviceloop.trainings import api as trainings_api
from serviceloop.visits import api as visits_api

router = DefaultRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("service-requests", ServiceRequestViewSet, basename="service-request")
router.register("trade/orders", trade_api.OrderViewSet, basename="trade-order")
router.register("trade/products", trade_api.ProductViewSet, basename="trade-product")
router.register("trade/batches", trade_api.BatchViewSet, basename="trade-batch")
router.register("trade/points", trade_api.ShopPointsViewSet, basename="trade-points")
# Issue 15: every capability has an API.
router.register("problem-tags", tags_api.ProblemTagViewSet, basename="problem-tag")
router.register("customer-tags", tags_api.CustomerTagViewSet, basename="customer-tag")
router.register("visit-policies", visits_api.VisitPolicyViewSet, basename="visit-policy")
router.register("visits", visits_api.VisitViewSet, basename="visit")
router.register("key-lists", visits_api.KeyListViewSet, basename="key-list")
router.register("key-list-entries", visits_api.KeyListEntryViewSet, basename="key-list-entry")
router.register("survey-waves", surveys_api.WaveViewSet, basename="survey-wave")
router.register("allocation/runs", growth_api.AllocationRunViewSet, basename="allocation-run")
router.register("growth/settlement-risks", api_care.SettlementRiskViewSet, basename="settlement-risk")
router.register("growth/settlement-rates", api_care.SettlementRateViewSet, basename="settlement-rate")
router.register("org/branches", org_api.BranchViewSet, basename="org-branch")
router.register("org/stations", org_api.StationViewSet, basename="org-station")
router.register("org/routes", org_api.RouteViewSet, basename="org-route")
router.register("org/staff", org_api.StaffViewSet, basename="org-staff")
router.register("guidance-books", GuidanceBookViewSet, basename="guidance-book")
router.register("trainings/sessions", trainings_api.TrainingSessionViewSet, basename="training-session")

# Issue 15, second part: KPIs, scorecards, supervision, 360° reviews, restock advice, integrations.
from serviceloop.evaluation import api as evaluation_api  # noqa: E402
from serviceloop.growth import api_restock  # noqa: E402
from serviceloop.integrations import api as integrations_api  # noqa: E402
from serviceloop.kpis import api as kpis_api  # noqa: E402
from serviceloop.reviews import api as reviews_api  # noqa: E402
from serviceloop.servicedesk import api_holidays  # noqa: E402
from serviceloop.supervision import api as supervision_api  # noqa: E402

router.register("kpis", kpis_api.KpiViewSet, basename="kpi")
router.register("scorecards", evaluation_api.ScorecardViewSet, basename="scorecard")
router.register("supervision/plans", supervision_api.InspectionPlanViewSet, basename="inspection-plan")
router.register("supervision/items", supervision_api.InspectionItemViewSet, basename="inspection-item")
router.register("supervision/rectifications", supervision_api.RectificationViewSet, basename="rectification")
router.register("supervision/risks", supervision_api.RiskViewSet, basename="risk")
router.register("review-rounds", reviews_api.ReviewRoundViewSet, basename="review-round")
router.register("restock", api_restock.RestockViewSet, basename="restock")
router.register("integrations/tokens", integrations_api.TokenViewSet, basename="api-token")
router.register("integrations/subscriptions", integrations_api.SubscriptionViewSet, basename="subscription")
router.register("integrations/deliveries", integrations_api.DeliveryViewSet, basename="delivery")
router.register("servicedesk/holidays", api_holidays.HolidayViewSet, basename="holiday")

from serviceloop.evaluation import api_weights  # noqa: E402
from serviceloop.reviews import api_ratings  # noqa: E402
from serviceloop.surveys import api_questionnaires  # noqa: E402
from serviceloop.trade import api_mappings  # noqa: E402

router.register("trade/column-mappings", api_mappings.ColumnMappingViewSet, basename="trade-column-mapping")
router.register("scorecard-weights", api_weights.ScorecardWeightViewSet, basename="scorecard-weight")
router.register(
    "survey-questionnaires", api_questionnaires.QuestionnaireViewSet, basename="survey-questionnaire"
)
router.register("survey-sections", api_questionnaires.SectionViewSet, basename="survey-section")
router.register("survey-items", api_questionnaires.ItemViewSet, basename="survey-item")
router.register("review-ratings", api_ratings.RatingViewSet, basename="review-rating")
router.register("trade/value-mappings", api_mappings.ValueMappingViewSet, basename="trade-value-mapping")

urlpatterns = [
    path("trade/orders/bulk/", trade_api.OrdersBulk.as_view(), name="trade-orders-bulk"),
    path("trade/deliveries/bulk/", trade_api.DeliveriesBulk.as_view(), name="trade-deliveries-bulk"),
    path("trade/settlements/bulk/", trade_api.SettlementsBulk.as_view(), name="trade-settlements-bulk"),
    path("trade/products/bulk/", trade_api.ProductsBulk.as_view(), name="trade-products-bulk"),
    *router.urls,
]
