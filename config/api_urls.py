from rest_framework.routers import DefaultRouter

from serviceloop.customers.api import CustomerViewSet
from serviceloop.servicedesk.api import ServiceRequestViewSet

router = DefaultRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("service-requests", ServiceRequestViewSet, basename="service-request")

urlpatterns = router.urls
