from rest_framework.routers import DefaultRouter

from serviceloop.customers.api import CustomerViewSet

router = DefaultRouter()
router.register("customers", CustomerViewSet, basename="customer")

urlpatterns = router.urls
